"""The entity cache's tables and their migrations.

v1: clients, cards, transactions keyed by (profile, id), with a recent-first index each.
v2: a normalised `search` column (casefolded ids, names, phone digits, card mask, status) and,
    where SQLite has FTS5, a trigram index over it so that "any part of the name" stays fast
    at 100,000 rows (a LIKE '%x%' scan costs 12–25 ms there; the trigram lookup well under 1).
    The recent-first index also carries the search text, for filters shorter than a trigram.
v3: an index of cards by their last four digits, so that the Clients filter finds the owner of
    a card ending in "6806" by an index lookup.
v4: the per-owner indexes (a client's cards, a card's transactions) end with the list's whole
    order (recency, then id). With only (profile, owner, last_seen) SQLite preferred walking the
    recent-first index to save a sort, reading every card of the profile: 20-28 ms per lookup
    at 100,000 cards instead of a few microseconds.
v5: indexes for the `/` filter's qualifiers (fpconsole.list_filters): cards by status and by
    product, clients by product, each in the lists' order. Without them `status:blocked` read
    every card of the profile: 75 ms to count at 100,000 cards, `product:1000` 100 ms.

Each table has an explicit INTEGER PRIMARY KEY: the FTS index refers to rows by rowid, and an
implicit rowid may be renumbered by VACUUM.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

from fpconsole.store.db import META_TABLE, Migration, sql_migration

EntityKind: TypeAlias = Literal["clients", "cards", "transactions"]
KINDS: Final[tuple[EntityKind, ...]] = ("clients", "cards", "transactions")


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit()) if value is not None else ""


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")).casefold()


def client_search(row: Mapping[str, Any]) -> str:
    return _join(
        row["client_id"], row["first_name"], row["middle_name"], row["last_name"], _digits(row["phone"])
    )


def card_search(row: Mapping[str, Any]) -> str:
    # The mask already ends with the last four digits, so "1234" finds the card.
    return _join(row["card_id"], row["masked_pan"], row["client_id"], row["status"])


def transaction_search(row: Mapping[str, Any]) -> str:
    return _join(row["transaction_id"], row["order_id"], row["card_id"], row["status"])


@dataclass(frozen=True)
class KindSpec:
    table: str
    key: str
    columns: tuple[str, ...]  # data columns besides profile, key, last_seen and search
    search: Callable[[Mapping[str, Any]], str]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"


SPECS: Final[dict[EntityKind, KindSpec]] = {
    "clients": KindSpec(
        "clients",
        "client_id",
        ("first_name", "last_name", "middle_name", "phone", "product_id", "type", "extra"),
        client_search,
    ),
    "cards": KindSpec(
        "cards",
        "card_id",
        ("client_id", "masked_pan", "last4", "status", "product_id", "expiry_month", "expiry_year"),
        card_search,
    ),
    "transactions": KindSpec(
        "transactions",
        "transaction_id",
        (
            "card_id",
            "order_id",
            "amount",
            "currency",
            "status",
            "held",
            "cleared",
            "refunded",
            "created_at",
        ),
        transaction_search,
    ),
}

_V1 = sql_migration(
    1,
    "clients, cards and transactions per profile",
    META_TABLE,
    """CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        client_id TEXT NOT NULL,
        first_name TEXT,
        last_name TEXT,
        middle_name TEXT,
        phone TEXT,
        product_id INTEGER,
        type TEXT,
        extra TEXT,                    -- JSON object of other non-secret client fields
        last_seen INTEGER NOT NULL,    -- microseconds since the epoch, UTC
        UNIQUE (profile, client_id)
    )""",
    "CREATE INDEX clients_seen ON clients (profile, last_seen, client_id)",
    """CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        card_id TEXT NOT NULL,
        client_id TEXT,
        masked_pan TEXT,               -- first six + stars + last four, never more
        last4 TEXT,
        status TEXT,
        product_id INTEGER,
        expiry_month INTEGER,
        expiry_year INTEGER,
        last_seen INTEGER NOT NULL,
        UNIQUE (profile, card_id)
    )""",
    "CREATE INDEX cards_seen ON cards (profile, last_seen, card_id)",
    "CREATE INDEX cards_client ON cards (profile, client_id, last_seen)",
    """CREATE TABLE transactions (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        card_id TEXT,
        order_id TEXT,
        amount TEXT,                   -- decimal as text: no float rounding of money
        currency TEXT,
        status TEXT,
        held TEXT,
        cleared TEXT,
        refunded TEXT,
        created_at TEXT,
        last_seen INTEGER NOT NULL,
        UNIQUE (profile, transaction_id)
    )""",
    "CREATE INDEX transactions_seen ON transactions (profile, last_seen, transaction_id)",
    "CREATE INDEX transactions_card ON transactions (profile, card_id, last_seen)",
)


def _fts_available(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.fts_probe")
    return True


def _v2(conn: sqlite3.Connection) -> None:
    with_fts = _fts_available(conn)
    for spec in SPECS.values():
        table = spec.table
        conn.execute(f"ALTER TABLE {table} ADD COLUMN search TEXT NOT NULL DEFAULT ''")
        # The recent-first index now covers the search text: a one- or two-letter filter (too
        # short for trigrams) scans the index alone, half the cost of visiting every row.
        conn.execute(f"DROP INDEX {table}_seen")
        conn.execute(f"CREATE INDEX {table}_seen ON {table} (profile, last_seen, {spec.key}, search)")
        names = ("id", spec.key, *spec.columns)
        rows = conn.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
        conn.executemany(
            f"UPDATE {table} SET search = ? WHERE id = ?",
            [(spec.search(dict(zip(names, row, strict=True))), row[0]) for row in rows],
        )
        if not with_fts:
            continue  # searches fall back to LIKE over the search column
        fts = spec.fts
        conn.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5("
            f"search, content='{table}', content_rowid='id', tokenize='trigram')"
        )
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        conn.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, search) VALUES (new.id, new.search); END"
        )
        conn.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search) VALUES ('delete', old.id, old.search); END"
        )
        # Only when the text changed: most updates just move last_seen.
        conn.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search ON {table} "
            f"WHEN old.search IS NOT new.search BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search) VALUES ('delete', old.id, old.search); "
            f"INSERT INTO {fts}(rowid, search) VALUES (new.id, new.search); END"
        )


_V3 = sql_migration(
    3,
    "cards by their last four digits",
    "CREATE INDEX IF NOT EXISTS cards_last4 ON cards (profile, last4, client_id)",
)

_V4 = sql_migration(
    4,
    "per-owner indexes in the lists' order",
    "DROP INDEX IF EXISTS cards_client",
    "CREATE INDEX cards_client ON cards (profile, client_id, last_seen, card_id)",
    "DROP INDEX IF EXISTS transactions_card",
    "CREATE INDEX transactions_card ON transactions (profile, card_id, last_seen, transaction_id)",
)

_V5 = sql_migration(
    5,
    "list filters by status and product",
    "CREATE INDEX IF NOT EXISTS cards_status ON cards (profile, status, last_seen, card_id)",
    "CREATE INDEX IF NOT EXISTS cards_product ON cards (profile, product_id, last_seen, card_id)",
    "CREATE INDEX IF NOT EXISTS clients_product ON clients (profile, product_id, last_seen, client_id)",
)

# Per profile, how far the last whole prime from a sandbox went (see EntityCache.prime_mark).
_V6 = sql_migration(
    6,
    "where the last prime from a sandbox stopped",
    """CREATE TABLE IF NOT EXISTS prime_marks (
        profile TEXT PRIMARY KEY,
        epoch TEXT NOT NULL,
        revision INTEGER NOT NULL,
        bound INTEGER NOT NULL,
        resume_at INTEGER NOT NULL DEFAULT 0
    )""",
)

MIGRATIONS: Final = (
    _V1,
    Migration(2, "normalised search column and trigram index", _v2),
    _V3,
    _V4,
    _V5,
    _V6,
)

# --- query text ----------------------------------------------------------------------------------

_PHONE_LIKE = re.compile(r"\+?[\d\s().-]*\d[\d\s().-]*")


def query_tokens(query: str | None) -> list[str]:
    """Words that must all appear. A phone typed with spaces or dashes is one digit string."""
    if not query:
        return []
    text = query.strip().casefold()
    if not text:
        return []
    if _PHONE_LIKE.fullmatch(text):
        return [_digits(text)]
    return text.split()


def is_last_four(token: str) -> bool:
    """Four digits: what a user types for a card's last four."""
    return len(token) == 4 and token.isascii() and token.isdigit()


def like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(tokens: list[str]) -> str:
    return " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
