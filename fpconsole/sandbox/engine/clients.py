"""Clients (cardholders): create, change phone, look up, list their cards."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from fpconsole.sandbox.engine import ids, store
from fpconsole.sandbox.engine.clock import to_db
from fpconsole.sandbox.engine.context import Ctx, not_found
from fpconsole.sandbox.errors import SandboxError

# Stored as given; the identity document is never stored, only its size (document_size).
_PLAIN_FIELDS = (
    "phone",
    "type",
    "resident",
    "first_name",
    "last_name",
    "middle_name",
    "birthdate",
    "email",
    "country",
    "person_id",
    "language",
    "document_size",
    "external_user_id",
)
_JSON_FIELDS = ("address1", "address2", "identification_info")


def add_client(ctx: Ctx, *, product_id: int, client: dict[str, Any], branch_id: str | None = None) -> str:
    """Create a client from a request's `client` object (secrets already removed)."""
    seq = store.next_value(ctx.conn, "client")
    client_id = ids.client_id(seq)
    when = to_db(ctx.now)
    values: dict[str, Any] = {name: client.get(name) for name in _PLAIN_FIELDS}
    for name in _JSON_FIELDS:
        values[name] = json.dumps(client[name]) if client.get(name) is not None else None
    columns = ("client_id", "seq", "partner", "product_id", "branch_id", *values, "created_at", "updated_at")
    row = (client_id, seq, ctx.partner, product_id, branch_id, *values.values(), when, when)
    placeholders = ", ".join("?" for _ in columns)
    ctx.conn.execute(f"INSERT INTO clients ({', '.join(columns)}) VALUES ({placeholders})", row)
    return client_id


def find_client(ctx: Ctx, client_id: str, *, field: str = "client_id") -> sqlite3.Row:
    row: sqlite3.Row | None = ctx.conn.execute(
        "SELECT * FROM clients WHERE client_id = ? AND partner = ?", (client_id, ctx.partner)
    ).fetchone()
    if row is None:
        raise not_found("client", client_id, field)
    return row


def require_product(client: sqlite3.Row, product_id: int) -> None:
    """A client belongs to one product; operations naming another product are refused."""
    if int(client["product_id"]) != product_id:
        raise SandboxError(
            "invalid_state",
            f"client {client['client_id']} belongs to product {client['product_id']}, not {product_id}",
            field="product_id",
        )


def update_phone(ctx: Ctx, *, client_id: str, product_id: int, phone: int) -> None:
    client = find_client(ctx, client_id)
    require_product(client, product_id)
    ctx.conn.execute(
        "UPDATE clients SET phone = ?, updated_at = ? WHERE client_id = ?", (phone, to_db(ctx.now), client_id)
    )


def client_cards(ctx: Ctx, client_id: str) -> list[dict[str, Any]]:
    find_client(ctx, client_id)
    rows = ctx.conn.execute(
        "SELECT card_id, pan, status FROM cards WHERE client_id = ? AND partner = ? ORDER BY seq",
        (client_id, ctx.partner),
    ).fetchall()
    return [
        {"card_id": r["card_id"], "card_mask": ids.mask_pan(r["pan"]), "status": r["status"]} for r in rows
    ]
