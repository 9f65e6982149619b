"""Statements, built from the ledger.

Statement's window defaults to the last 30 days; Statement extended's is required (SPEC §3.17,
its own request model). An answer lists at most `statement_cap` operations (a
constructor setting, 1000 by default), the newest first, because the API documents no paging
(SPEC §5.11).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any, Final

from fpconsole.sandbox.engine import cards, ids, ledger
from fpconsole.sandbox.engine.clock import before, db_to_rfc3339, parse_rfc3339, to_db
from fpconsole.sandbox.engine.context import Ctx
from fpconsole.sandbox.engine.money import json_amount

DEFAULT_WINDOW: Final = timedelta(days=30)


def window(ctx: Ctx, start_date: str | None, end_date: str | None) -> tuple[datetime, datetime]:
    end = parse_rfc3339(end_date) if end_date else ctx.now
    start = parse_rfc3339(start_date) if start_date else before(end, DEFAULT_WINDOW)
    return start, end


def _operations(ctx: Ctx, card_id: str, start: datetime, end: datetime) -> list[sqlite3.Row]:
    marks = ", ".join("?" for _ in ledger.STATEMENT_TYPES)
    return ctx.conn.execute(
        f"""SELECT * FROM ledger WHERE card_id = ? AND partner = ? AND type IN ({marks})
              AND created_at >= ? AND created_at <= ?
            ORDER BY created_at DESC, id DESC LIMIT ?""",
        (
            card_id,
            ctx.partner,
            *sorted(ledger.STATEMENT_TYPES),
            to_db(start),
            to_db(end),
            ctx.settings.statement_cap,
        ),
    ).fetchall()


def _merchant(row: sqlite3.Row) -> dict[str, Any]:
    return {"name": row["merchant_name"], "city": row["merchant_city"], "country": row["merchant_country"]}


def statement(ctx: Ctx, card_id: str, start_date: str | None, end_date: str | None) -> list[dict[str, Any]]:
    cards.find_card(ctx, card_id)
    start, end = window(ctx, start_date, end_date)
    return [
        {
            "type": row["type"],
            "amount": json_amount(int(row["amount"])),
            "commission": 0,
            "currency": row["currency"],
            "mcc": row["mcc"],
            "datetime": db_to_rfc3339(row["created_at"]),
            "rrn": row["rrn"],
            "merchant": _merchant(row),
        }
        for row in _operations(ctx, card_id, start, end)
    ]


def _params(**values: Any) -> list[dict[str, Any]]:
    return [{"key": key, "value": value} for key, value in values.items() if value is not None]


def statement_extended(ctx: Ctx, card_id: str, start_date: str, end_date: str) -> dict[str, Any]:
    card = cards.find_card(ctx, card_id)
    account = ledger.account_of(ctx, card_id)
    start, end = window(ctx, start_date, end_date)
    # An authorisation is dated by its hold (when the request was applied), not its arrival.
    holds = ctx.conn.execute(
        """SELECT t.*, l.created_at AS held_at FROM transactions t
           JOIN ledger l ON l.transaction_id = t.transaction_id AND l.type = 'hold'
           WHERE t.card_id = ? AND t.partner = ? AND t.held > 0 AND l.created_at >= ? AND l.created_at <= ?
           ORDER BY l.created_at DESC, l.id DESC LIMIT ?""",
        (card_id, ctx.partner, to_db(start), to_db(end), ctx.settings.statement_cap),
    ).fetchall()
    authorizations = [
        {
            "datetime": db_to_rfc3339(tx["held_at"]),
            "type": tx["kind"],
            "amount": json_amount(int(tx["held"])),
            "commission": 0,
            "full_amount": json_amount(int(tx["amount"])),
            "cashback": 0,
            "currency": tx["currency"],
            "iban": account["iban"],
            "merchant": _merchant(tx),
            "additional_parameters": _params(
                transaction_id=tx["transaction_id"], order_id=tx["order_id"], rrn=tx["rrn"], mcc=tx["mcc"]
            ),
        }
        for tx in holds
    ]
    operations = [
        {
            "datetime": db_to_rfc3339(row["created_at"]),
            "type": row["type"],
            "amount": json_amount(int(row["amount"])),
            "commission": 0,
            "full_amount": json_amount(int(row["amount"])),
            "cashback": 0,
            "currency": row["currency"],
            "iban": row["iban"],
            "merchant": _merchant(row),
            "additional_parameters": _params(
                transaction_id=row["transaction_id"], rrn=row["rrn"], mcc=row["mcc"]
            ),
        }
        for row in _operations(ctx, card_id, start, end)
    ]
    return {
        "client_id": card["client_id"],
        "card": {"card_id": card["card_id"], "card_mask": ids.mask_pan(card["pan"])},
        "balances": {"accounts": ledger.accounts_json(ctx, card_id)},
        "authorizations": authorizations,
        "operations": operations,
    }
