"""A card statement as the console shows it, built from `card.statement` and
`card.statement_extended` answers: operations, totals by type, balances, held authorisations,
the balance over time and spend by MCC or merchant.

Pure (no widgets): the numbers the screen, the charts and the exports show are tested here.

Money is Decimal throughout. Signs follow the ledger (docs/sandbox-state.md): pay and withdrawal
take money out, refund and credit put it in, a commission always takes it out. Holds are not
operations; the extended statement lists what is still held as authorisations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, Final, Literal

from fpconsole.tui.display_time import MINUTES, parse_time, shown, zone_label
from fpconsole.tui.ledger_limits import to_decimal

SIGN: Final[dict[str, int]] = {"pay": -1, "withdrawal": -1, "refund": 1, "credit": 1}
SPENDING: Final = frozenset({"pay", "withdrawal"})
SpendKey = Literal["mcc", "merchant"]
# The screen shows times in the console's zone, as every screen does (tui/display_time.py); an
# export is written in the same zone, and says which, so a spreadsheet and the screen agree.
SCREEN_ZONE: Final[tzinfo | None] = None  # None: the local zone, as `astimezone()` reads it
TIME_FORMAT: Final = MINUTES  # with the year: a window may span a new year


def in_zone(at: datetime, zone: tzinfo | None = SCREEN_ZONE) -> datetime:
    return at.astimezone(zone)


def shown_time(at: datetime) -> str:
    """A time as the statement screen shows it: the console's zone, with the year."""
    return shown(at, TIME_FORMAT)


def _params(items: Any) -> dict[str, Any]:
    """additional_parameters [{key, value}] → {key: value}."""
    found: dict[str, Any] = {}
    for item in items or []:
        if isinstance(item, Mapping) and item.get("key"):
            found[str(item["key"])] = item.get("value")
    return found


@dataclass(frozen=True, slots=True)
class Operation:
    at: datetime
    type: str
    amount: Decimal
    commission: Decimal
    currency: str
    mcc: int | None
    merchant: str
    city: str
    country: str
    rrn: str
    transaction_id: str = ""

    @property
    def signed(self) -> Decimal:
        """What it did to the balance."""
        return SIGN.get(self.type, 0) * self.amount - self.commission

    def to_json(self, zone: tzinfo | None = SCREEN_ZONE) -> dict[str, Any]:
        return {
            "datetime": in_zone(self.at, zone).isoformat(),
            "type": self.type,
            "amount": str(self.amount),
            "commission": str(self.commission),
            # As the screen shows it (debits negative), so a spreadsheet sums to the balance.
            "balance_change": str(self.signed),
            "currency": self.currency,
            "mcc": self.mcc,
            "merchant_name": self.merchant,
            "merchant_city": self.city,
            "merchant_country": self.country,
            "rrn": self.rrn,
            "transaction_id": self.transaction_id,
        }


@dataclass(frozen=True, slots=True)
class Account:
    iban: str
    currency: str
    available: Decimal
    held: Decimal
    debit: Decimal | None
    credit: Decimal | None

    @property
    def balance(self) -> Decimal:
        """The ledger balance: what is available plus what is held."""
        return self.available + self.held

    def to_json(self) -> dict[str, Any]:
        return {
            "iban": self.iban,
            "currency": self.currency,
            "available": str(self.available),
            "held": str(self.held),
            "balance": str(self.balance),
            "debit": None if self.debit is None else str(self.debit),
            "credit": None if self.credit is None else str(self.credit),
        }


@dataclass(frozen=True, slots=True)
class Authorization:
    at: datetime | None
    held: Decimal
    full_amount: Decimal | None
    currency: str
    merchant: str
    transaction_id: str

    def to_json(self, zone: tzinfo | None = SCREEN_ZONE) -> dict[str, Any]:
        return {
            "datetime": in_zone(self.at, zone).isoformat() if self.at else None,
            "held": str(self.held),
            "full_amount": None if self.full_amount is None else str(self.full_amount),
            "currency": self.currency,
            "merchant_name": self.merchant,
            "transaction_id": self.transaction_id,
        }


@dataclass(frozen=True, slots=True)
class TypeTotal:
    type: str
    count: int
    amount: Decimal
    commission: Decimal


def _operation(item: Mapping[str, Any], transaction_by_rrn: Mapping[str, str]) -> Operation | None:
    at = parse_time(item.get("datetime"))
    amount = to_decimal(item.get("amount"))
    if at is None or amount is None:
        return None
    merchant = item.get("merchant") if isinstance(item.get("merchant"), Mapping) else {}
    assert isinstance(merchant, Mapping)
    params = _params(item.get("additional_parameters"))
    mcc = item.get("mcc", params.get("mcc"))
    rrn = str(item.get("rrn") or params.get("rrn") or "")
    return Operation(
        at=at,
        type=str(item.get("type") or "?"),
        amount=amount,
        commission=to_decimal(item.get("commission")) or Decimal(0),
        currency=str(item.get("currency") or ""),
        mcc=int(mcc) if isinstance(mcc, (int, str)) and str(mcc).isdigit() else None,
        merchant=str(merchant.get("name") or ""),
        city=str(merchant.get("city") or ""),
        country=str(merchant.get("country") or ""),
        rrn=rrn,
        transaction_id=str(params.get("transaction_id") or transaction_by_rrn.get(rrn, "")),
    )


def parse_operations(
    items: Iterable[Any], transaction_by_rrn: Mapping[str, str] | None = None
) -> list[Operation]:
    """Newest first, whatever order they came in; items that cannot be read are skipped."""
    found = [
        op
        for item in items
        if isinstance(item, Mapping) and (op := _operation(item, transaction_by_rrn or {})) is not None
    ]
    found.sort(key=lambda op: op.at, reverse=True)
    return found


def parse_accounts(balances: Any) -> list[Account]:
    accounts = balances.get("accounts") if isinstance(balances, Mapping) else None
    found: list[Account] = []
    for item in accounts or []:
        if not isinstance(item, Mapping):
            continue
        found.append(
            Account(
                iban=str(item.get("iban") or ""),
                currency=str(item.get("currency") or ""),
                available=to_decimal(item.get("amount")) or Decimal(0),
                held=to_decimal(item.get("blocked_amount")) or Decimal(0),
                debit=to_decimal(item.get("debit")),
                credit=to_decimal(item.get("credit")),
            )
        )
    return found


def parse_authorizations(items: Iterable[Any]) -> list[Authorization]:
    found: list[Authorization] = []
    for item in items or []:
        if not isinstance(item, Mapping):
            continue
        merchant = item.get("merchant") if isinstance(item.get("merchant"), Mapping) else {}
        assert isinstance(merchant, Mapping)
        found.append(
            Authorization(
                at=parse_time(item.get("datetime")),
                held=to_decimal(item.get("amount")) or Decimal(0),
                full_amount=to_decimal(item.get("full_amount")),
                currency=str(item.get("currency") or ""),
                merchant=str(merchant.get("name") or ""),
                transaction_id=str(_params(item.get("additional_parameters")).get("transaction_id") or ""),
            )
        )
    return found


def transactions_by_rrn(extended_operations: Iterable[Any]) -> dict[str, str]:
    """The extended statement names each operation's transaction; the plain one does not."""
    found: dict[str, str] = {}
    for item in extended_operations or []:
        if isinstance(item, Mapping):
            params = _params(item.get("additional_parameters"))
            if params.get("rrn") and params.get("transaction_id"):
                found[str(params["rrn"])] = str(params["transaction_id"])
    return found


@dataclass
class Statement:
    card_id: str
    start: datetime
    end: datetime
    operations: list[Operation] = field(default_factory=list)  # newest first
    accounts: list[Account] = field(default_factory=list)
    authorizations: list[Authorization] = field(default_factory=list)
    card_mask: str = ""
    client_id: str = ""
    # What happened after the window's end (fetched when the window ends in the past), so the
    # balance at its end can be told from today's.
    later: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str:
        if self.operations:
            return self.operations[0].currency
        return self.accounts[0].currency if self.accounts else ""

    def account(self) -> Account | None:
        currency = self.currency
        return next((a for a in self.accounts if a.currency == currency), None) or (
            self.accounts[0] if self.accounts else None
        )

    def totals(self) -> list[TypeTotal]:
        counts: dict[str, int] = defaultdict(int)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        fees: dict[str, Decimal] = defaultdict(Decimal)
        for op in self.operations:
            counts[op.type] += 1
            sums[op.type] += op.amount
            fees[op.type] += op.commission
        known: tuple[str, ...] = ("credit", "refund", "pay", "withdrawal")
        order = [t for t in known if t in counts]
        order += sorted(t for t in counts if t not in order)
        return [TypeTotal(t, counts[t], sums[t], fees[t]) for t in order]

    @property
    def money_in(self) -> Decimal:
        return sum((op.signed for op in self.operations if op.signed > 0), Decimal(0))

    @property
    def money_out(self) -> Decimal:
        return -sum((op.signed for op in self.operations if op.signed < 0), Decimal(0))

    @property
    def held(self) -> Decimal:
        return sum((a.held for a in self.authorizations), Decimal(0))

    def end_balance(self) -> Decimal | None:
        """The balance at the window's end: today's, less what happened since."""
        account = self.account()
        return None if account is None else account.balance - self.later

    def balance_series(self) -> list[tuple[datetime, Decimal]]:
        """(time, balance after that moment), oldest first: from the window's start, through
        every operation, to its end, where it equals the ledger's balance."""
        end_balance = self.end_balance()
        if end_balance is None:
            return []
        oldest_first = list(reversed(self.operations))
        balance = end_balance - sum((op.signed for op in oldest_first), Decimal(0))
        points = [(self.start, balance)]
        for op in oldest_first:
            balance += op.signed
            points.append((op.at, balance))
        points.append((max(self.end, points[-1][0]), balance))
        return points

    def spend_by(self, key: SpendKey, top: int = 8) -> list[tuple[str, Decimal]]:
        """Money out by pay and withdrawal, largest first; the rest summed as 'other'."""
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for op in self.operations:
            if op.type in SPENDING:
                label = (str(op.mcc) if op.mcc is not None else "?") if key == "mcc" else op.merchant or "?"
                sums[label] += op.amount
        ranked = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
        if len(ranked) > top:
            rest = sum((amount for _, amount in ranked[top - 1 :]), Decimal(0))
            ranked = [*ranked[: top - 1], ("other", rest)]
        return ranked

    def to_json(self, zone: tzinfo | None = SCREEN_ZONE) -> dict[str, Any]:
        """The statement for an export: plain JSON types, amounts as decimal strings, times in
        the screen's zone (`time_zone` says which; each time carries its offset too)."""
        end = self.end_balance()
        return {
            "card_id": self.card_id,
            "card_mask": self.card_mask,
            "client_id": self.client_id,
            "time_zone": zone_label(in_zone(self.end, zone)),
            "start": in_zone(self.start, zone).isoformat(),
            "end": in_zone(self.end, zone).isoformat(),
            "currency": self.currency,
            "balance_at_end": None if end is None else str(end),
            "accounts": [a.to_json() for a in self.accounts],
            "totals": [
                {"type": t.type, "count": t.count, "amount": str(t.amount), "commission": str(t.commission)}
                for t in self.totals()
            ],
            "authorizations": [a.to_json(zone) for a in self.authorizations],
            "operations": [op.to_json(zone) for op in self.operations],
        }


def build_statement(
    card_id: str,
    start: datetime,
    end: datetime,
    *,
    statement: Mapping[str, Any] | None,
    extended: Mapping[str, Any] | None,
    balances: Mapping[str, Any] | None = None,
    later_operations: Sequence[Any] = (),
) -> Statement:
    """Either answer may be missing (a failed call): the plain statement's operations are
    preferred, the extended one's used if it is all there is."""
    extended = extended or {}
    by_rrn = transactions_by_rrn(extended.get("operations") or [])
    raw_ops = (statement or {}).get("operations")
    if raw_ops is None:
        raw_ops = extended.get("operations") or []
    card = extended.get("card") if isinstance(extended.get("card"), Mapping) else {}
    assert isinstance(card, Mapping)
    later = parse_operations(later_operations)
    return Statement(
        card_id=card_id,
        start=start,
        end=end,
        operations=parse_operations(raw_ops, by_rrn),
        accounts=parse_accounts(extended.get("balances") or balances or {}),
        authorizations=parse_authorizations(extended.get("authorizations") or []),
        card_mask=str(card.get("card_mask") or ""),
        client_id=str(extended.get("client_id") or ""),
        later=sum((op.signed for op in later if op.at > end), Decimal(0)),
    )
