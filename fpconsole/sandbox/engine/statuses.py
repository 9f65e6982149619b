"""The sandbox's side of the card lifecycle and the ledger rules (`fpconsole.api.lifecycle`,
where they are written once): a refusal when a card's state does not allow a change."""

from __future__ import annotations

import sqlite3

from fpconsole.api.dictionaries import PLASTIC_STATUSES
from fpconsole.api.lifecycle import (
    ACTIVE,
    AUTHORISED,
    BLOCKED,
    CARD_RULES,
    CLOSED,
    INACTIVE,
    TX_CLEARED,
    TX_ERROR,
    TX_NEW,
    TX_REFUNDED,
    TX_SUCCESS,
    CardAction,
    card_allows,
    transaction_status,
)
from fpconsole.sandbox.errors import SandboxError

__all__ = [
    "ACTIVE",
    "AUTHORISED",
    "BLOCKED",
    "CLOSED",
    "INACTIVE",
    "PLASTIC_DELIVERED",
    "PLASTIC_ORDERED",
    "PLASTIC_PRODUCED",
    "TX_CLEARED",
    "TX_ERROR",
    "TX_NEW",
    "TX_REFUNDED",
    "TX_SUCCESS",
    "CardAction",
    "next_status",
    "require",
    "require_open",
    "transaction_status",
]

PLASTIC_ORDERED, PLASTIC_PRODUCED, PLASTIC_DELIVERED = PLASTIC_STATUSES


def require_open(card: sqlite3.Row) -> None:
    """A closed card refuses every change, whatever it is."""
    if card["status"] == CLOSED:
        raise SandboxError("card_closed", f"card {card['card_id']} is closed", field="card_id")


def require(card: sqlite3.Row, action: CardAction) -> None:
    """The card's state allows `action` (lifecycle.CARD_RULES), or the API's refusal: card_closed
    for a closed card, invalid_state for any other state the action does not start from."""
    require_open(card)
    if not card_allows(action, card["status"]):
        raise SandboxError(
            "invalid_state",
            f"cannot {action.replace('_', ' ')} card {card['card_id']}: it is {card['status']}",
            field="card_id",
        )


def next_status(card: sqlite3.Row, action: CardAction) -> str:
    """The status `action` leads to, once the card's state allows it."""
    target = CARD_RULES[action].leads_to
    if target is None:
        raise ValueError(f"{action} does not change a card's status")
    require(card, action)
    return target
