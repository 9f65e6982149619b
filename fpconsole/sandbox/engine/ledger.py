"""Accounts and the ledger. Every money movement is one ledger row, and the account's running
totals change in the same statement batch, so the two can be checked against each other.

Entry types and their effect on the account (available = balance - held):

    credit      balance += a, credit += a     top-up (the `credit()` control call, seed)
    hold        held += a                     authorisation (transaction.create)
    pay         balance -= a, held -= a,      clearing of a purchase
                debit += a
    withdrawal  as pay                        clearing of a cash withdrawal (ATM, MCC 6011)
    refund      balance += a, credit += a     refund of cleared money

Statements list every type except `hold` (holds appear as authorisations).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from fpconsole.sandbox.engine import ids, store
from fpconsole.sandbox.engine.clock import to_db
from fpconsole.sandbox.engine.context import Ctx, not_found
from fpconsole.sandbox.engine.money import json_amount
from fpconsole.sandbox.engine.statuses import require_open
from fpconsole.sandbox.errors import SandboxError

DEFAULT_CURRENCY: Final = "KZT"
CREDIT_TYPES: Final = frozenset({"credit", "refund"})
DEBIT_TYPES: Final = frozenset({"pay", "withdrawal"})
ENTRY_TYPES: Final = frozenset({"hold"}) | CREDIT_TYPES | DEBIT_TYPES
STATEMENT_TYPES: Final = CREDIT_TYPES | DEBIT_TYPES


@dataclass(frozen=True, slots=True)
class Merchant:
    name: str
    city: str = "ALMATY"
    country: str = "KAZ"
    mcc: int = 5999

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "city": self.city, "country": self.country}


# Where a top-up comes from: MCC 6012 (financial institutions).
TOP_UP: Final = Merchant("FREEDOM PAY TOP-UP", mcc=6012)


def open_account(ctx: Ctx, *, card_id: str, seq: int, currency: str = DEFAULT_CURRENCY) -> str:
    iban = ids.make_iban(seq)
    ctx.conn.execute(
        "INSERT INTO accounts (iban, card_id, partner, currency) VALUES (?, ?, ?, ?)",
        (iban, card_id, ctx.partner, currency),
    )
    return iban


def account_of(ctx: Ctx, card_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM accounts WHERE card_id = ? AND partner = ?", (card_id, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("card", card_id, "card_id")
    return row


def find_account(ctx: Ctx, iban: str, *, field: str) -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM accounts WHERE iban = ? AND partner = ?", (iban, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("account", iban, field)
    return row


def available(account: sqlite3.Row) -> int:
    return int(account["balance"]) - int(account["held"])


def post(
    ctx: Ctx,
    *,
    account: sqlite3.Row,
    entry_type: str,
    amount: int,
    merchant: Merchant,
    rrn: str,
    transaction_id: str | None = None,
) -> None:
    """Record one movement and update the account's totals; call inside a write transaction.

    The account is updated with relative arithmetic (balance = balance - ?), never with values
    read earlier, and the table's CHECKs refuse an overdraft even if a caller's check was wrong.
    """
    if entry_type not in ENTRY_TYPES:
        raise ValueError(f"unknown ledger entry type {entry_type!r}")
    if amount <= 0:
        raise ValueError("ledger amounts are positive; the type gives the direction")
    if entry_type == "hold":
        change = "held = held + :a"
    elif entry_type in DEBIT_TYPES:
        change = "balance = balance - :a, held = held - :a, debit = debit + :a"
    else:
        change = "balance = balance + :a, credit = credit + :a"
    ctx.conn.execute(
        f"UPDATE accounts SET {change} WHERE iban = :iban", {"a": amount, "iban": account["iban"]}
    )
    ctx.conn.execute(
        """INSERT INTO ledger (partner, card_id, iban, type, amount, currency, created_at, mcc,
               merchant_name, merchant_city, merchant_country, rrn, transaction_id, request_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            ctx.partner,
            account["card_id"],
            account["iban"],
            entry_type,
            amount,
            account["currency"],
            to_db(ctx.now),
            merchant.mcc,
            merchant.name,
            merchant.city,
            merchant.country,
            rrn,
            transaction_id,
            ctx.request_id,
        ),
    )


def new_rrn(ctx: Ctx) -> str:
    return ids.rrn(ctx.now, store.next_value(ctx.conn, "rrn"))


def credit(ctx: Ctx, *, card: sqlite3.Row, amount: int, currency: str, merchant: Merchant = TOP_UP) -> None:
    """Top up a card's account. A closed card takes no money (SPEC §3.12)."""
    require_open(card)
    account = account_of(ctx, card["card_id"])
    require_currency(account, currency)
    post(ctx, account=account, entry_type="credit", amount=amount, merchant=merchant, rrn=new_rrn(ctx))


def require_currency(account: sqlite3.Row, currency: str) -> None:
    if currency != account["currency"]:
        raise SandboxError(
            "validation_error",
            f"the card's account is in {account['currency']}, not {currency}",
            field="currency",
        )


def accounts_json(ctx: Ctx, card_id: str) -> list[dict[str, Any]]:
    """`balances.accounts[]`: amount is the available balance, blocked_amount what is held,
    debit/credit the lifetime totals of money out and in (INFERRED meanings)."""
    account = account_of(ctx, card_id)
    return [
        {
            "iban": account["iban"],
            "currency": account["currency"],
            "debit": json_amount(int(account["debit"])),
            "credit": json_amount(int(account["credit"])),
            "amount": json_amount(available(account)),
            "blocked_amount": json_amount(int(account["held"])),
        }
    ]
