"""Named backups of one partner's whole state, and the per-partner wipe a reset and a load share.

A backup is a copy of every row the partner owns (clients, cards, their status events and
plastic orders, accounts, ledger, transactions, limits, requests) plus its sandbox clock offset,
stored as JSON in the `backups` table of the sandbox database itself. Why there and not as a
SQLite backup file (`Connection.backup`):

- a SQLite backup copies the whole database, every partner's data: loading it would rewind the
  other partners too, which is exactly the leak issue 9 closes;
- in the database, a save and a load are each one write transaction (a load never half-applies;
  other processes see all of it or none), every worker of `serve --workers N` sees the same
  backups without a shared directory, and they are as private (0600) as the database;
- a `:memory:` sandbox (the console's embedded one) has no file to put a backup next to.

Rows come back with their own keys, so ids, fin_document_ids and request ids are exactly the
saved ones; keys are never handed out twice (sequences never go back, the rest AUTOINCREMENT),
so no other partner can have taken them meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Final

from fpconsole.sandbox.engine import store
from fpconsole.sandbox.engine.clock import db_to_rfc3339, to_db
from fpconsole.sandbox.errors import SandboxError

_OF_PARTNER: Final = "partner = ?"
_OF_PARTNERS_CARDS: Final = "card_id IN (SELECT card_id FROM cards WHERE partner = ?)"
# Parents first (the order rows go back in); deleted in reverse so foreign keys never object.
TABLES: Final[dict[str, str]] = {
    "clients": _OF_PARTNER,
    "cards": _OF_PARTNER,
    "card_events": _OF_PARTNERS_CARDS,
    "plastic_orders": _OF_PARTNERS_CARDS,
    "accounts": _OF_PARTNER,
    "transactions": _OF_PARTNER,
    "ledger": _OF_PARTNER,
    "limits": _OF_PARTNER,
    "requests": _OF_PARTNER,
}
COUNTED: Final = ("clients", "cards", "transactions", "requests")
NAME_PATTERN: Final = r"^[A-Za-z0-9._-]{1,64}$"


def count(conn: sqlite3.Connection, partner: str) -> dict[str, int]:
    return {
        table: int(
            conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {TABLES[table]}", (partner,)).fetchone()[0]
        )
        for table in COUNTED
    }


def delete_partner(conn: sqlite3.Connection, partner: str) -> None:
    """Every row the partner owns; call inside a write transaction."""
    for table in reversed(TABLES):
        conn.execute(f"DELETE FROM {table} WHERE {TABLES[table]}", (partner,))
    store.new_epoch(conn, partner)


def _dump(conn: sqlite3.Connection, partner: str) -> dict[str, Any]:
    tables = {}
    for table, where in TABLES.items():
        cursor = conn.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", (partner,))
        columns = [d[0] for d in cursor.description]
        tables[table] = {"columns": columns, "rows": [list(row) for row in cursor.fetchall()]}
    return tables


def _info(name: str, created_at: str, counts: dict[str, int], size: int) -> dict[str, Any]:
    return {"name": name, "created_at": db_to_rfc3339(created_at), **counts, "size_bytes": size}


def _missing(name: str) -> SandboxError:
    return SandboxError(
        "not_found", f"no backup named {name!r}; list them with /sandbox/backup/list", field="name"
    )


def save(
    conn: sqlite3.Connection, partner: str, name: str, *, at: datetime, clock_offset_s: float, replace: bool
) -> dict[str, Any]:
    """Copy the partner's state under `name`; call inside a write transaction."""
    exists = conn.execute("SELECT 1 FROM backups WHERE partner = ? AND name = ?", (partner, name)).fetchone()
    if exists and not replace:
        raise SandboxError(
            "validation_error",
            f"a backup named {name!r} exists; choose another name, delete it, or send replace: true",
            field="name",
        )
    data = json.dumps(
        {"tables": _dump(conn, partner), "clock_offset_s": clock_offset_s}, separators=(",", ":")
    )
    counts = count(conn, partner)
    conn.execute(
        """INSERT INTO backups (partner, name, created_at, counts, data) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (partner, name) DO UPDATE SET created_at = excluded.created_at,
               counts = excluded.counts, data = excluded.data""",
        (partner, name, to_db(at), json.dumps(counts), data),
    )
    return _info(name, to_db(at), counts, len(data))


def load(conn: sqlite3.Connection, partner: str, name: str) -> tuple[dict[str, Any], float]:
    """Replace the partner's state with the backup's; answers its info and clock offset. Call
    inside a write transaction: a failure leaves the state as it was."""
    row = conn.execute(
        "SELECT created_at, counts, data FROM backups WHERE partner = ? AND name = ?", (partner, name)
    ).fetchone()
    if row is None:
        raise _missing(name)
    data = json.loads(row["data"])
    delete_partner(conn, partner)
    for table in TABLES:
        saved = data["tables"][table]
        if not saved["rows"]:
            continue
        columns = ", ".join(saved["columns"])
        marks = ", ".join("?" * len(saved["columns"]))
        conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", saved["rows"])
    info = _info(name, row["created_at"], json.loads(row["counts"]), len(row["data"]))
    return info, float(data["clock_offset_s"])


def listing(conn: sqlite3.Connection, partner: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT name, created_at, counts, LENGTH(data) AS size FROM backups WHERE partner = ? "
        "ORDER BY created_at DESC, name",
        (partner,),
    ).fetchall()
    return [_info(r["name"], r["created_at"], json.loads(r["counts"]), int(r["size"])) for r in rows]


def delete(conn: sqlite3.Connection, partner: str, name: str) -> None:
    if conn.execute("DELETE FROM backups WHERE partner = ? AND name = ?", (partner, name)).rowcount == 0:
        raise _missing(name)
