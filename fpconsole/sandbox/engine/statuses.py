"""Status names and the card state machine, in one place.

The names come from `fpconsole.api.dictionaries` (INFERRED lists live there); this module says
which moves between them are allowed.

    inactive --activate--> active --block--> blocked --unblock--> active
    inactive | active | blocked --close--> closed        (final: every later change → card_closed)
"""

from __future__ import annotations

import sqlite3
from typing import Final

from fpconsole.api.dictionaries import CARD_STATUSES, PLASTIC_STATUSES, TRANSACTION_STATUSES
from fpconsole.sandbox.errors import SandboxError

INACTIVE, ACTIVE, BLOCKED, CLOSED = CARD_STATUSES
TX_NEW, TX_SUCCESS, TX_ERROR, TX_CLEARED, TX_REFUNDED = TRANSACTION_STATUSES
PLASTIC_ORDERED, PLASTIC_PRODUCED, PLASTIC_DELIVERED = PLASTIC_STATUSES

# action → (statuses it may start from, status it leads to)
TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "activate": (frozenset({INACTIVE}), ACTIVE),
    "block": (frozenset({ACTIVE}), BLOCKED),
    "unblock": (frozenset({BLOCKED}), ACTIVE),
    "close": (frozenset({INACTIVE, ACTIVE, BLOCKED}), CLOSED),
}
# Card secrets are shown only for a card that can be used or will be again.
SECRET_STATUSES: Final = frozenset({ACTIVE, BLOCKED})
# Transactions whose authorisation succeeded (money is or was held).
AUTHORISED: Final = frozenset({TX_SUCCESS, TX_CLEARED, TX_REFUNDED})


def require_open(card: sqlite3.Row) -> None:
    """A closed card refuses every change, whatever it is."""
    if card["status"] == CLOSED:
        raise SandboxError("card_closed", f"card {card['card_id']} is closed", field="card_id")


def next_status(card: sqlite3.Row, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    require_open(card)
    if card["status"] not in allowed:
        raise SandboxError(
            "invalid_state",
            f"cannot {action} card {card['card_id']}: it is {card['status']}",
            field="card_id",
        )
    return target


def transaction_status(cleared: int, refunded: int) -> str:
    """A transaction's status is the furthest stage it reached (INFERRED lifecycle)."""
    if refunded > 0:
        return TX_REFUNDED
    if cleared > 0:
        return TX_CLEARED
    return TX_SUCCESS
