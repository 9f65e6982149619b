"""What the ledger lets a clearing, a refund or a new transaction take, from what the console
knows of a transaction or a card.

Pure (no widgets): the Transactions screen uses it to offer only the actions a transaction's
state allows, and the amount guard (`tui.amount_guard`) to refuse an amount before sending.
Rules (`fpconsole.api.lifecycle`, docs/sandbox-state.md): a clearing takes at most what is still
held; a refund at most what was cleared and not yet refunded; a new transaction at most the
card's available balance
(card.balance's `amount`; its `blocked_amount` is held by other authorisations), in the
account's own currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from fpconsole.api import lifecycle
from fpconsole.api.fields import AmountError, parse_amount
from fpconsole.api.names import MethodName

# Clearing or refund: what a guarded form checks an amount against (a method's `settlement`).
GuardKind = lifecycle.Settlement
INFO: Final = MethodName.TRANSACTION_INFO  # the read that tells a transaction's limit
# An answer's figure beyond this is not money: arithmetic on it would overflow (1E+1000000).
_IMPLAUSIBLE: Final = Decimal(10) ** 18


def to_decimal(value: Any) -> Decimal | None:
    """A figure from an answer or the cache (a balance may be 0 or negative); None when it is
    not one. What an operator types goes through `typed_amount` instead."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int) and abs(value) >= _IMPLAUSIBLE:
        return None  # before str(): past 4300 digits it raises
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return found if found.is_finite() and abs(found) < _IMPLAUSIBLE else None


def typed_amount(text: Any) -> Decimal | None:
    """An amount as typed, by the request models' one rule (`fields.parse_amount`); None when it
    breaks the rule, whose message the model gives on the field."""
    try:
        # As typed in a form box, which the form strips before sending (forms/body.py _clean).
        return parse_amount(text.strip() if isinstance(text, str) else text)
    except AmountError:
        return None


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


@dataclass(frozen=True, slots=True)
class LedgerAmounts:
    """A transaction's money as far as the console knows it. `fresh`: from transaction.info just
    now (else from the cache, which may lag behind the ledger)."""

    transaction_id: str
    amount: Decimal | None = None
    held: Decimal | None = None
    cleared: Decimal | None = None
    refunded: Decimal | None = None
    currency: str = ""
    status: str = ""
    fresh: bool = False

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, fresh: bool) -> LedgerAmounts:
        """A cache row or transaction.info's `transaction` object. What a status implies fills the
        gaps: an authorised transaction nobody cleared yet holds its whole amount."""
        status = str(record.get("status") or "")
        amount = to_decimal(record.get("amount"))
        held, cleared, refunded = (to_decimal(record.get(k)) for k in ("held", "cleared", "refunded"))
        if status in lifecycle.NEVER_AUTHORISED:
            held, cleared, refunded = held or Decimal(0), cleared or Decimal(0), refunded or Decimal(0)
        elif status == lifecycle.TX_SUCCESS and held is None and cleared is None:
            held, cleared, refunded = amount, Decimal(0), Decimal(0)
        return cls(
            str(record.get("transaction_id") or ""),
            amount,
            held,
            cleared,
            refunded,
            str(record.get("currency") or ""),
            status,
            fresh,
        )

    def may_clear(self) -> Decimal | None:
        """What a clearing may still take; None when unknown."""
        if self.status in lifecycle.NEVER_AUTHORISED:
            return Decimal(0)
        return None if self.held is None else lifecycle.clearable(self.held)

    def may_refund(self) -> Decimal | None:
        if self.status in lifecycle.NEVER_AUTHORISED:
            return Decimal(0)
        if self.cleared is None:
            return None
        return lifecycle.refundable(self.cleared, self.refunded or Decimal(0))

    def limit(self, kind: GuardKind) -> Decimal | None:
        return self.may_clear() if kind == "clearing" else self.may_refund()


def allows(kind: GuardKind, amounts: LedgerAmounts | None) -> bool:
    """Whether to offer the action: yes when something is left, or when we cannot tell (the form
    then fetches the limit before it lets anything go out)."""
    limit = amounts.limit(kind) if amounts is not None else None
    return limit is None or limit > 0


_WHAT: Final[dict[GuardKind, str]] = {"clearing": "still held", "refund": "cleared and not yet refunded"}


def amount_problem(kind: GuardKind, text: str, limit: Decimal, currency: str) -> str | None:
    """Why this amount (as typed) is more than the ledger allows; None if it is not. Text the
    model refuses anyway (not a number, zero, three decimals) is left to the model's message."""
    if not text.strip():
        if limit <= 0:
            return (
                f"nothing is {_WHAT[kind]}: there is nothing to {'clear' if kind == 'clearing' else 'refund'}"
            )
        return None
    amount = typed_amount(text)
    if amount is None:
        return None
    if amount > limit:
        unit = f" {currency}" if currency else ""
        return f"more than the {money(limit)}{unit} {_WHAT[kind]}"
    return None


def limit_note(kind: GuardKind, amounts: LedgerAmounts | None) -> str:
    """The text under the amount field while the limit is known or being asked for."""
    limit = amounts.limit(kind) if amounts is not None else None
    if amounts is None or limit is None:
        return f"Limit: asking {INFO}…"
    source = INFO if amounts.fresh else f"cached; asking {INFO}…"
    currency = f" {amounts.currency}" if amounts.currency else ""
    return f"At most {money(limit)}{currency} {_WHAT[kind]}; empty = all of it ({source})"


# --- a new transaction: the card's available balance ------------------------------------------


@dataclass(frozen=True, slots=True)
class CardFunds:
    """What card.balance says a card may still spend: the available amount of each account, by
    currency (upper case; "" when the answer named none)."""

    card_id: str
    available: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def from_balance(cls, card_id: str, raw: Mapping[str, Any]) -> CardFunds:
        """card.balance's answer (`balances.accounts[]`); accounts without a readable amount are
        left out, so they never pass for a zero balance."""
        balances = raw.get("balances")
        accounts = balances.get("accounts") if isinstance(balances, Mapping) else None
        found: list[tuple[str, Decimal]] = []
        for account in accounts if isinstance(accounts, list) else []:
            if not isinstance(account, Mapping):
                continue
            amount = to_decimal(account.get("amount"))
            if amount is not None:
                found.append((str(account.get("currency") or "").strip().upper(), amount))
        return cls(card_id, tuple(found))

    def available_in(self, currency: str) -> Decimal | None:
        """The limit in this currency; None when no account is in it (nothing to compare: the
        console does not convert)."""
        wanted = currency.strip().upper()
        if not wanted:
            return None
        return next((amount for code, amount in self.available if code == wanted), None)

    def currencies(self) -> str:
        return ", ".join(code or "an unnamed currency" for code, _ in self.available)


def funds_problem(text: str, funds: CardFunds, currency: str) -> str | None:
    """Why this amount (as typed) is more than the card has available; None if it is not, or if
    it cannot be told (another currency). Text the model refuses is left to its message."""
    available = funds.available_in(currency)
    amount = typed_amount(text)
    if available is None or amount is None:
        return None
    if amount > available:
        return (
            f"more than the {money(available)} {currency.strip().upper()} available on card {funds.card_id}"
        )
    return None


def funds_note(funds: CardFunds | None, currency: str) -> str:
    """The text under a new transaction's amount: the limit, or why there is none to check."""
    if funds is None:
        return f"Limit: asking {MethodName.CARD_BALANCE}…"
    available = funds.available_in(currency)
    code = currency.strip().upper()
    if available is not None:
        return (
            f"At most {money(available)} {code} available on card {funds.card_id} ({MethodName.CARD_BALANCE})"
        )
    if not funds.available:
        return f"Limit unknown: {MethodName.CARD_BALANCE} named no account for card {funds.card_id}; the API checks it."
    return (
        f"Card {funds.card_id}'s balance is in {funds.currencies()}: the limit cannot be checked in"
        f" {code or 'no currency'}; the API checks it."
    )
