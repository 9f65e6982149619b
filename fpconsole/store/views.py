"""Saved views: a list's `/` filter kept under a name, per profile (`blocked` → Cards,
`status:blocked since:7d`), opened again with `:view blocked` or from the palette.

Its own small SQLite file (`views.sqlite3` in the state folder, 0600 like every local state
file): views are few and written by hand, and "forget my views" is deleting one file. A card
number typed into a filter is masked before it is written (the filter is text a person typed).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from fpconsole.store import db
from fpconsole.store.scrub import scrub_text

VIEWS_DB_NAME: Final = "views.sqlite3"
SECTIONS: Final = ("clients", "cards", "transactions", "requests")
# One word, so `:view NAME` and `fpconsole views delete NAME` read it without quotes.
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
NAME_RULE: Final = "1-40 letters, digits, '.', '_' or '-', starting with a letter or digit"
# Words of the `:view` command itself, which a view cannot be called.
RESERVED: Final = frozenset({"delete", "list"})

MIGRATIONS: Final = (
    db.sql_migration(
        1,
        "saved list filters by profile and name",
        db.META_TABLE,
        """CREATE TABLE views (
            profile TEXT NOT NULL,
            name TEXT NOT NULL,
            section TEXT NOT NULL,     -- clients, cards, transactions, requests
            filter TEXT NOT NULL,      -- the `/` text as typed, card numbers masked
            saved_at REAL NOT NULL,    -- seconds since the epoch
            PRIMARY KEY (profile, name)
        )""",
    ),
)


class ViewError(ValueError):
    """A view that cannot be saved as asked; the message names the field and the fix."""


@dataclass(frozen=True, slots=True)
class SavedView:
    name: str
    section: str
    filter: str


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ViewError(f"view name {name!r}: {NAME_RULE}")
    if name.lower() in RESERVED:
        raise ViewError(f"view name {name!r} is a word of :view itself; pick another")
    return name


def default_path() -> Path:
    from fpconsole.locations import state_dir

    return state_dir() / VIEWS_DB_NAME


@dataclass
class ViewStore:
    conn: sqlite3.Connection
    path: Path
    profile: str
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, *, profile: str, path: Path | None = None) -> ViewStore:
        path = path if path is not None else default_path()
        conn, _aside = db.open_database(path, MIGRATIONS, label="saved views file")
        return cls(conn, path, profile)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> ViewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, name: str, section: str, filter_text: str) -> bool:
        """Save (or replace) a view; True when it replaced one of the same name."""
        name = check_name(name)
        if section not in SECTIONS:
            raise ViewError(f"section {section!r}: one of {', '.join(SECTIONS)}")
        text = scrub_text(" ".join(filter_text.split()))
        if not text:
            raise ViewError("the filter is empty: type one with / first (e.g. status:blocked)")
        with self._lock:
            replaced = self._get(name) is not None
            db.retry_busy(
                lambda: self.conn.execute(
                    "INSERT INTO views (profile, name, section, filter, saved_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(profile, name) DO UPDATE SET section = excluded.section, "
                    "filter = excluded.filter, saved_at = excluded.saved_at",
                    (self.profile, name, section, text, time.time()),
                )
            )
        return replaced

    def _get(self, name: str) -> SavedView | None:
        row = self.conn.execute(
            "SELECT name, section, filter FROM views WHERE profile = ? AND name = ?", (self.profile, name)
        ).fetchone()
        return SavedView(*row) if row is not None else None

    def get(self, name: str) -> SavedView | None:
        with self._lock:
            return self._get(name.strip())

    def delete(self, name: str) -> bool:
        with self._lock:
            cursor = db.retry_busy(
                lambda: self.conn.execute(
                    "DELETE FROM views WHERE profile = ? AND name = ?", (self.profile, name.strip())
                )
            )
        return cursor.rowcount > 0

    def list(self) -> list[SavedView]:
        """This profile's views by name."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT name, section, filter FROM views WHERE profile = ? ORDER BY name", (self.profile,)
            ).fetchall()
        return [SavedView(*row) for row in rows]
