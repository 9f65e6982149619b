"""Card transactions: authorise (hold) → clear (spend, in parts) → refund (in parts).

The rules (what a clearing or a refund may take, the statuses) are `fpconsole.api.lifecycle`'s,
enforced here and again by the table's CHECKs (held + cleared <= amount, refunded <= cleared).
A transaction is created `new` when the request arrives (its id is given at once), becomes
`success` (authorised, amount held) or `error` (declined) when the request is applied, then
`cleared` after a clearing and `refunded` after a refund (lifecycle.transaction_status).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any, Final

from fpconsole.api import lifecycle
from fpconsole.sandbox.engine import cards, ids, ledger, limits, store
from fpconsole.sandbox.engine.clock import db_to_rfc3339, to_db
from fpconsole.sandbox.engine.context import Ctx, not_found
from fpconsole.sandbox.engine.money import json_amount, limit_text, to_minor
from fpconsole.sandbox.engine.statuses import (
    AUTHORISED,
    TX_ERROR,
    TX_NEW,
    require_open,
    transaction_status,
)
from fpconsole.sandbox.errors import SandboxError

KINDS: Final = ("pay", "withdrawal")
ATM_MCC: Final = 6011


def default_merchant(partner: str) -> ledger.Merchant:
    """A new transaction names no merchant: the partner that charges the card is the merchant."""
    return ledger.Merchant(f"MERCHANT {partner}"[:40].upper())


def open_transaction(
    ctx: Ctx,
    *,
    card_id: str,
    order_id: str,
    amount: Decimal,
    currency: str,
    description: str | None,
) -> str:
    """Create the transaction row when the request arrives, so its id can be answered at once."""
    seq = store.next_value(ctx.conn, "transaction")
    transaction_id = ids.transaction_id(ctx.now, seq)
    when = to_db(ctx.now)
    ctx.conn.execute(
        """INSERT INTO transactions (transaction_id, seq, partner, request_id, card_id, order_id, description,
               kind, amount, currency, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pay', ?, ?, ?, ?, ?)""",
        (
            transaction_id,
            seq,
            ctx.partner,
            ctx.request_id,
            card_id,
            order_id,
            description,
            to_minor(amount),
            currency,
            TX_NEW,
            when,
            when,
        ),
    )
    return transaction_id


def find_transaction(ctx: Ctx, transaction_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM transactions WHERE transaction_id = ? AND partner = ?", (transaction_id, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("transaction", transaction_id, "transaction_id")
    return row


def authorise(ctx: Ctx, transaction_id: str, *, merchant: ledger.Merchant | None = None) -> sqlite3.Row:
    """Approve and hold, or raise the reason to decline (then call `decline`); answers the
    transaction as it is now."""
    hold(ctx, transaction_id, merchant=merchant)
    return find_transaction(ctx, transaction_id)


def hold(ctx: Ctx, transaction_id: str, *, merchant: ledger.Merchant | None = None) -> None:
    """`authorise` without reading the transaction back (the seed has no use for it)."""
    tx = find_transaction(ctx, transaction_id)
    if tx["status"] != TX_NEW:
        raise SandboxError("invalid_state", f"transaction {transaction_id} is already {tx['status']}")
    card = cards.find_card(ctx, tx["card_id"])
    require_open(card)
    if not lifecycle.card_allows("spend", card["status"]):
        raise SandboxError(
            "invalid_state", f"card {card['card_id']} is {card['status']}, not active", field="card_id"
        )
    account = ledger.account_of(ctx, card["card_id"])
    ledger.require_currency(account, tx["currency"])
    amount = int(tx["amount"])
    shop = merchant or default_merchant(ctx.partner)
    kind = "withdrawal" if shop.mcc == ATM_MCC else "pay"
    if amount > ledger.available(account):
        raise SandboxError(
            "insufficient_funds",
            f"available {limit_text(ledger.available(account))} {account['currency']}, "
            f"asked {limit_text(amount)}",
            field="amount",
        )
    limits.check(ctx, card=card, account=account, kind=kind, amount=amount, currency=tx["currency"])
    rrn = ledger.new_rrn(ctx)
    ctx.conn.execute(
        """UPDATE transactions SET status = ?, kind = ?, held = amount, mcc = ?, merchant_name = ?,
               merchant_city = ?, merchant_country = ?, rrn = ?, updated_at = ?
           WHERE transaction_id = ?""",
        (
            transaction_status(0, 0),
            kind,
            shop.mcc,
            shop.name,
            shop.city,
            shop.country,
            rrn,
            to_db(ctx.now),
            transaction_id,
        ),
    )
    ledger.post(
        ctx,
        account=account,
        entry_type="hold",
        amount=amount,
        merchant=shop,
        rrn=rrn,
        transaction_id=transaction_id,
    )


def decline(ctx: Ctx, transaction_id: str, error: SandboxError) -> None:
    ctx.conn.execute(
        """UPDATE transactions SET status = ?, error_code = ?, error_description = ?, updated_at = ?
           WHERE transaction_id = ? AND partner = ? AND status = ?""",
        (TX_ERROR, error.code, error.message, to_db(ctx.now), transaction_id, ctx.partner, TX_NEW),
    )


def _authorised(
    ctx: Ctx, transaction_id: str, tx: sqlite3.Row | None = None
) -> tuple[sqlite3.Row, sqlite3.Row]:
    tx = tx if tx is not None else find_transaction(ctx, transaction_id)
    if tx["status"] not in AUTHORISED:
        raise SandboxError(
            "invalid_state",
            f"transaction {transaction_id} is {tx['status']}; only an authorised transaction can move",
            field="transaction_id",
        )
    card = cards.find_card(ctx, tx["card_id"])
    require_open(card)
    return tx, ledger.account_of(ctx, card["card_id"])


def _merchant(tx: sqlite3.Row) -> ledger.Merchant:
    return ledger.Merchant(tx["merchant_name"], tx["merchant_city"], tx["merchant_country"], int(tx["mcc"]))


def _requested(amount: Decimal | None, limit: int, what: str, transaction_id: str) -> int:
    """The amount to move: all that is left when none is given, never more than that."""
    wanted = limit if amount is None else to_minor(amount)
    if limit == 0:
        raise SandboxError(
            "amount_exceeded", f"transaction {transaction_id} has nothing left to {what}", field="amount"
        )
    if wanted > limit:
        raise SandboxError(
            "amount_exceeded",
            f"at most {limit_text(limit)} can still be {what}ed on {transaction_id}, "
            f"asked {limit_text(wanted)}",
            field="amount",
        )
    return wanted


def clear(
    ctx: Ctx, transaction_id: str, amount: Decimal | None = None, *, tx: sqlite3.Row | None = None
) -> int:
    """Move held money to spent (ledger `pay` or `withdrawal`); returns the amount cleared.
    `tx`: the transaction's row as just read in this write transaction (not read again)."""
    tx, account = _authorised(ctx, transaction_id, tx)
    moved = _requested(amount, lifecycle.clearable(int(tx["held"])), "clear", transaction_id)
    cleared = int(tx["cleared"]) + moved
    ctx.conn.execute(
        """UPDATE transactions SET held = held - ?, cleared = ?, status = ?, updated_at = ?
           WHERE transaction_id = ?""",
        (moved, cleared, transaction_status(cleared, int(tx["refunded"])), to_db(ctx.now), transaction_id),
    )
    # The clearing keeps the authorisation's RRN, as a card network's presentment does.
    ledger.post(
        ctx,
        account=account,
        entry_type=tx["kind"],
        amount=moved,
        merchant=_merchant(tx),
        rrn=tx["rrn"],
        transaction_id=transaction_id,
    )
    return moved


def refund(
    ctx: Ctx, transaction_id: str, amount: Decimal | None = None, *, tx: sqlite3.Row | None = None
) -> int:
    """Return cleared money to the card (ledger `refund`); returns the amount refunded.
    `tx`: as for `clear`."""
    tx, account = _authorised(ctx, transaction_id, tx)
    left = lifecycle.refundable(int(tx["cleared"]), int(tx["refunded"]))
    moved = _requested(amount, left, "refund", transaction_id)
    ctx.conn.execute(
        """UPDATE transactions SET refunded = refunded + ?, status = ?, updated_at = ?
           WHERE transaction_id = ?""",
        (
            moved,
            transaction_status(int(tx["cleared"]), int(tx["refunded"]) + moved),
            to_db(ctx.now),
            transaction_id,
        ),
    )
    ledger.post(
        ctx,
        account=account,
        entry_type="refund",
        amount=moved,
        merchant=_merchant(tx),
        rrn=ledger.new_rrn(ctx),
        transaction_id=transaction_id,
    )
    return moved


def transaction_json(ctx: Ctx, transaction_id: str) -> dict[str, Any]:
    tx = find_transaction(ctx, transaction_id)
    additional = [
        ("order_id", tx["order_id"]),
        ("description", tx["description"]),
        ("created_at", db_to_rfc3339(tx["created_at"])),
        ("rrn", tx["rrn"]),
        ("mcc", tx["mcc"]),
        ("merchant", tx["merchant_name"]),
    ]
    return {
        "transaction": {
            "status": tx["status"],
            "error_code": tx["error_code"] or "",
            "error_description": tx["error_description"] or "",
            "amount": json_amount(int(tx["amount"])),
            "held": json_amount(int(tx["held"])),
            "cleared": json_amount(int(tx["cleared"])),
            "refunded": json_amount(int(tx["refunded"])),
            "currency": tx["currency"],
            "card_id": tx["card_id"],
            "order_id": tx["order_id"],
            "transaction_id": tx["transaction_id"],
        },
        "additional": [{"key": key, "value": value} for key, value in additional if value is not None],
    }


def snapshot_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "transaction_id": row["transaction_id"],
        "card_id": row["card_id"],
        "order_id": row["order_id"],
        "amount": json_amount(int(row["amount"])),
        "currency": row["currency"],
        "status": row["status"],
        "held": json_amount(int(row["held"])),
        "cleared": json_amount(int(row["cleared"])),
        "refunded": json_amount(int(row["refunded"])),
        "created_at": db_to_rfc3339(row["created_at"]),
    }
