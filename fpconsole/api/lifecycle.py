"""The card lifecycle and the ledger rules, in one place (SPEC §4.6, §4.7: INFERRED, no vendor
table exists). The sandbox enforces them, the cache applies them to what succeeded, the console
offers only the actions they allow; each reads them here.

    inactive --activate--> active --block--> blocked --unblock--> active
    inactive | active | blocked --close--> closed      (final: nothing changes a closed card)

A transaction is `new` when its request arrives, `success` once authorised (its amount held)
or `error` when declined; a clearing moves held money to cleared, a refund returns cleared
money; its status is the furthest stage it reached (`cleared`, then `refunded`).

Pure and Textual-free, pydantic-free: the status names come from `fpconsole.api.dictionaries`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, TypeVar

from fpconsole.api.dictionaries import CARD_STATUSES, TRANSACTION_STATUSES

# --- cards ---------------------------------------------------------------------------------------

INACTIVE, ACTIVE, BLOCKED, CLOSED = CARD_STATUSES
# Every status but the final one: a card that may still change.
OPEN: Final = frozenset(CARD_STATUSES) - {CLOSED}

# What a card method does to a card: the four transitions, then what needs a card in some state.
CardAction = Literal[
    "activate",
    "block",
    "unblock",
    "close",
    "set_pin",
    "reset_pin_counter",
    "issue_plastic",
    "link",
    "set_limits",
    "read_secret",
    "spend",
]


@dataclass(frozen=True, slots=True)
class CardRule:
    allowed: frozenset[str]  # the statuses the action may start from
    leads_to: str | None = None  # the status after it; None: the status stays


CARD_RULES: Final[Mapping[CardAction, CardRule]] = {
    "activate": CardRule(frozenset({INACTIVE}), ACTIVE),
    "block": CardRule(frozenset({ACTIVE}), BLOCKED),
    "unblock": CardRule(frozenset({BLOCKED}), ACTIVE),
    "close": CardRule(OPEN, CLOSED),
    "set_pin": CardRule(OPEN),
    "reset_pin_counter": CardRule(OPEN),
    "issue_plastic": CardRule(OPEN),
    "link": CardRule(OPEN),
    "set_limits": CardRule(OPEN),
    # Secrets are shown only for a card that can be used, or will be again.
    "read_secret": CardRule(frozenset({ACTIVE, BLOCKED})),
    # Only an active card is charged.
    "spend": CardRule(frozenset({ACTIVE})),
}
# The actions that move a card to another status.
TRANSITIONS: Final[Mapping[CardAction, CardRule]] = {
    action: rule for action, rule in CARD_RULES.items() if rule.leads_to is not None
}


def card_allows(action: CardAction, status: str) -> bool:
    """Whether a card in `status` may take `action` (an unknown status allows nothing)."""
    return status in CARD_RULES[action].allowed


def card_may(action: CardAction, status: str) -> bool:
    """The console's reading of `card_allows`: a status it does not know (not read yet, or one
    the docs never named) allows what every open status allows; the API decides the rest."""
    if status in CARD_STATUSES:
        return card_allows(action, status)
    return OPEN.issubset(CARD_RULES[action].allowed)


def card_status_after(action: CardAction) -> str | None:
    """The status a card has once `action` succeeded; None when the action leaves it as it was."""
    return CARD_RULES[action].leads_to


# --- the ledger ----------------------------------------------------------------------------------

TX_NEW, TX_SUCCESS, TX_ERROR, TX_CLEARED, TX_REFUNDED = TRANSACTION_STATUSES
# Transactions whose authorisation succeeded: money is or was held, so it may move on.
AUTHORISED: Final = frozenset({TX_SUCCESS, TX_CLEARED, TX_REFUNDED})
# Never authorised (still waiting, or declined): nothing to clear or refund.
NEVER_AUTHORISED: Final = frozenset(TRANSACTION_STATUSES) - AUTHORISED

# What a transaction method does to the money: hold it (create), clear it, refund it.
LedgerMove = Literal["hold", "clearing", "refund"]
# The moves that take from an existing transaction, within a limit.
Settlement = Literal["clearing", "refund"]
SETTLEMENTS: Final[tuple[Settlement, ...]] = ("clearing", "refund")

_STATUS_AFTER: Final[Mapping[LedgerMove, str]] = {"clearing": TX_CLEARED, "refund": TX_REFUNDED}

Money = TypeVar("Money", int, Decimal)  # minor units in the sandbox, major units in the console


def settlement_of(move: LedgerMove | None) -> Settlement | None:
    return move if move == "clearing" or move == "refund" else None


def transaction_status_after(move: LedgerMove) -> str | None:
    """The status a settled clearing or refund leaves; None for a hold (the answer decides)."""
    return _STATUS_AFTER.get(move)


def transaction_status(cleared: Money, refunded: Money) -> str:
    """An authorised transaction's status: the furthest stage it reached."""
    if refunded > 0:
        return TX_REFUNDED
    if cleared > 0:
        return TX_CLEARED
    return TX_SUCCESS


def clearable(held: Money) -> Money:
    """A clearing takes from what is still held, never more."""
    return held


def refundable(cleared: Money, refunded: Money) -> Money:
    """A refund returns cleared money that was not refunded yet, never more."""
    return cleared - refunded


def settlement_limit(move: Settlement, *, held: Money, cleared: Money, refunded: Money) -> Money:
    """What `move` may still take from an authorised transaction."""
    return clearable(held) if move == "clearing" else refundable(cleared, refunded)
