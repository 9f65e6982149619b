"""Cards: issue, link, the status machine (see statuses.py), plastic orders, PIN, card data."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any, Final

from fpconsole.api.lifecycle import CardAction, card_allows
from fpconsole.sandbox.engine import clients, ids, ledger, pins, store
from fpconsole.sandbox.engine.clock import BUSINESS_TZ, add_years, db_to_rfc3339, from_db, to_db
from fpconsole.sandbox.engine.context import Ctx, not_found
from fpconsole.sandbox.engine.money import json_amount
from fpconsole.sandbox.engine.statuses import (
    INACTIVE,
    PLASTIC_DELIVERED,
    PLASTIC_ORDERED,
    PLASTIC_PRODUCED,
    next_status,
    require,
    require_open,
)
from fpconsole.sandbox.errors import SandboxError

CARD_LIFETIME_YEARS = 3


def issue_card(
    ctx: Ctx, *, product_id: int, client_id: str | None, currency: str = ledger.DEFAULT_CURRENCY
) -> str:
    """A new inactive card with its own account; client_id None makes an unlinked (bulk) card."""
    seq = store.next_value(ctx.conn, "card")
    card_id = ids.card_id(seq)
    salt = ctx.settings.salt
    expires = add_years(ctx.now.astimezone(BUSINESS_TZ), CARD_LIFETIME_YEARS)
    when = to_db(ctx.now)
    ctx.conn.execute(
        """INSERT INTO cards (card_id, seq, partner, product_id, client_id, pan, expiry, cvv, card_token,
               status, pin_tries_left, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            card_id,
            seq,
            ctx.partner,
            product_id,
            client_id,
            ids.make_pan(seq),
            expires.strftime("%m/%y"),
            ids.derived_digits(salt, f"cvv:{card_id}", 3),
            ids.card_token(salt, card_id),
            INACTIVE,
            pins.MAX_TRIES,
            when,
            when,
        ),
    )
    _record_event(ctx, card_id, None, INACTIVE, "issued")
    ledger.open_account(ctx, card_id=card_id, seq=seq, currency=currency)
    return card_id


def find_card(ctx: Ctx, card_id: str, *, field: str = "card_id") -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM cards WHERE card_id = ? AND partner = ?", (card_id, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("card", card_id, field)
    return row


def find_by_token(ctx: Ctx, token: str) -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM cards WHERE card_token = ? AND partner = ?", (token, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("card token", token, "card_token")
    return row


def link(ctx: Ctx, *, card_id: str, client_id: str) -> None:
    """Attach a client to a card from Bulk issue (SPEC §3.3)."""
    card = find_card(ctx, card_id)
    client = clients.find_client(ctx, client_id)
    require(card, "link")
    if card["client_id"] is not None:
        raise SandboxError(
            "already_linked", f"card {card_id} already belongs to {card['client_id']}", field="card_id"
        )
    clients.require_product(client, int(card["product_id"]))
    ctx.conn.execute(
        "UPDATE cards SET client_id = ?, updated_at = ? WHERE card_id = ?",
        (client_id, to_db(ctx.now), card_id),
    )


def change_status(ctx: Ctx, *, card_id: str, action: CardAction, reason: str | None = None) -> sqlite3.Row:
    """activate / block / unblock / close; refusals come from the state machine."""
    card = find_card(ctx, card_id)
    target = next_status(card, action)
    ctx.conn.execute(
        "UPDATE cards SET status = ?, status_reason = ?, updated_at = ? WHERE card_id = ?",
        (target, reason, to_db(ctx.now), card_id),
    )
    _record_event(ctx, card_id, card["status"], target, reason)
    return card


def _record_event(ctx: Ctx, card_id: str, old: str | None, new: str, reason: str | None) -> None:
    ctx.conn.execute(
        """INSERT INTO card_events (card_id, at, from_status, to_status, reason, request_id)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (card_id, to_db(ctx.now), old, new, reason, ctx.request_id),
    )


def history(ctx: Ctx, card_id: str) -> list[sqlite3.Row]:
    return list(
        ctx.conn.execute(
            "SELECT * FROM card_events WHERE card_id = ? ORDER BY id", (find_card(ctx, card_id)["card_id"],)
        )
    )


_TIMELINE_ORDER: Final = {"status": 0, "plastic": 1, "ledger": 2}


def timeline(ctx: Ctx, card_id: str) -> list[dict[str, Any]]:
    """Status changes, plastic orders and ledger entries of the card, oldest first."""
    card_id = find_card(ctx, card_id)["card_id"]
    items: list[tuple[str, int, int, dict[str, Any]]] = []
    for r in ctx.conn.execute("SELECT * FROM card_events WHERE card_id = ? ORDER BY id", (card_id,)):
        event = {"kind": "status", "from_status": r["from_status"], "to_status": r["to_status"]}
        event |= {"reason": r["reason"], "request_id": r["request_id"]}
        items.append((r["at"], _TIMELINE_ORDER["status"], r["id"], event))
    for r in ctx.conn.execute("SELECT * FROM plastic_orders WHERE card_id = ? ORDER BY id", (card_id,)):
        event = {"kind": "plastic", "branch_id": r["branch_id"], "request_id": r["request_id"]}
        items.append((r["ordered_at"], _TIMELINE_ORDER["plastic"], r["id"], event))
    for r in ctx.conn.execute(
        "SELECT * FROM ledger WHERE card_id = ? AND partner = ? ORDER BY id", (card_id, ctx.partner)
    ):
        event = {
            "kind": "ledger",
            "type": r["type"],
            "amount": json_amount(int(r["amount"])),
            "currency": r["currency"],
            "transaction_id": r["transaction_id"],
            "merchant_name": r["merchant_name"],
            "rrn": r["rrn"],
            "request_id": r["request_id"],
        }
        items.append((r["created_at"], _TIMELINE_ORDER["ledger"], r["id"], event))
    items.sort(key=lambda item: item[:3])
    return [{"at": db_to_rfc3339(at), **event} for at, _, _, event in items]


# --- plastic ---------------------------------------------------------------------------------


def order_plastic(ctx: Ctx, *, card_id: str, branch_id: str | None) -> None:
    """One plastic order at a time: a new one is accepted once the last was delivered."""
    card = find_card(ctx, card_id)
    require(card, "issue_plastic")
    current = plastic_status(ctx, card_id)
    if current is not None and current != PLASTIC_DELIVERED:
        raise SandboxError(
            "invalid_state", f"a plastic card for {card_id} is already {current}", field="card_id"
        )
    ctx.conn.execute(
        """INSERT INTO plastic_orders (card_id, branch_id, ordered_at, stage_seconds, request_id)
           VALUES (?, ?, ?, ?, ?)""",
        (card_id, branch_id, to_db(ctx.now), ctx.settings.plastic_stage_s, ctx.request_id),
    )


def plastic_status(ctx: Ctx, card_id: str) -> str | None:
    """The order's progress follows the clock; nothing has to run for it to advance."""
    row = ctx.conn.execute(
        "SELECT ordered_at, stage_seconds FROM plastic_orders WHERE card_id = ? ORDER BY id DESC LIMIT 1",
        (card_id,),
    ).fetchone()
    if row is None:
        return None
    elapsed = ctx.now - from_db(row["ordered_at"])
    stage = timedelta(seconds=float(row["stage_seconds"]))
    if elapsed >= 2 * stage:
        return PLASTIC_DELIVERED
    if elapsed >= stage:
        return PLASTIC_PRODUCED
    return PLASTIC_ORDERED


# --- PIN -------------------------------------------------------------------------------------


def set_pin(ctx: Ctx, *, card_id: str, pin_hash: str, pin_salt: str) -> None:
    """Store a new PIN hash; a new PIN also clears the wrong-try counter."""
    card = find_card(ctx, card_id)
    require(card, "set_pin")
    ctx.conn.execute(
        "UPDATE cards SET pin_hash = ?, pin_salt = ?, pin_tries_left = ?, updated_at = ? WHERE card_id = ?",
        (pin_hash, pin_salt, pins.MAX_TRIES, to_db(ctx.now), card_id),
    )


def reset_pin_counter(ctx: Ctx, *, card_id: str) -> None:
    card = find_card(ctx, card_id)
    require(card, "reset_pin_counter")
    ctx.conn.execute(
        "UPDATE cards SET pin_tries_left = ?, updated_at = ? WHERE card_id = ?",
        (pins.MAX_TRIES, to_db(ctx.now), card_id),
    )


def verify_pin(ctx: Ctx, *, card_id: str, pin: str) -> bool:
    """A PIN check as a terminal would make it. Three wrong tries lock the PIN: every later
    check is refused with pin_locked (even with the right PIN) until reset_counter_pin. The lock
    affects PIN checks only; transaction.create carries no PIN and is not declined by it."""
    card = find_card(ctx, card_id)
    require_open(card)
    if card["pin_hash"] is None:
        raise SandboxError("invalid_state", f"card {card_id} has no PIN yet", field="card_id")
    if int(card["pin_tries_left"]) <= 0:
        raise SandboxError("pin_locked", f"the PIN of card {card_id} is locked", field="card_id")
    if pins.matches(pin, card["pin_salt"], card["pin_hash"]):
        ctx.conn.execute("UPDATE cards SET pin_tries_left = ? WHERE card_id = ?", (pins.MAX_TRIES, card_id))
        return True
    ctx.conn.execute("UPDATE cards SET pin_tries_left = pin_tries_left - 1 WHERE card_id = ?", (card_id,))
    return False


# --- reads -----------------------------------------------------------------------------------


def card_info(ctx: Ctx, card_id: str) -> dict[str, Any]:
    card = find_card(ctx, card_id)
    account = ledger.account_of(ctx, card_id)
    return {
        "card_id": card["card_id"],
        "card_mask": ids.mask_pan(card["pan"]),
        "status": card["status"],
        "client_id": card["client_id"],
        "product_id": int(card["product_id"]),
        "expiry": card["expiry"],
        "currency": account["currency"],
        "iban": account["iban"],
        "pin_set": card["pin_hash"] is not None,
        "pin_tries_left": int(card["pin_tries_left"]),
        "plastic_status": plastic_status(ctx, card_id),
        "card_token": card["card_token"],
        "status_reason": card["status_reason"],
    }


def secret_data(ctx: Ctx, card_id: str) -> dict[str, str]:
    card = find_card(ctx, card_id)
    if not card_allows("read_secret", card["status"]):
        raise SandboxError(
            "invalid_state",
            f"secret data is given for active or blocked cards; card {card_id} is {card['status']}",
            field="card_id",
        )
    return {"pan": card["pan"], "expiry": card["expiry"], "cvv": card["cvv"]}
