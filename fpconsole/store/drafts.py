"""Unsent form input, so a crash or a closed terminal does not lose a half-filled form.

Its own SQLite file (`drafts.sqlite3` in the state folder) rather than a table in the journal:
drafts are rewritten every few keystrokes and should not queue behind journal writes, the
journal's retention and repair must never touch them, and "forget my drafts" is deleting one
file. Each save is one transaction, so a draft on disk is always a whole earlier version.

Secret fields (PIN, CVV, PAN, secrets, the ID document) are dropped by name before writing,
and any remaining value that looks like a card number is masked. Debouncing is the UI's job.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from fpconsole.store import db
from fpconsole.store.scrub import is_secret_field, scrub_text

log = logging.getLogger(__name__)

MIGRATIONS: Final = (
    db.sql_migration(
        1,
        "drafts by form key",
        db.META_TABLE,
        """CREATE TABLE drafts (
            form_key TEXT PRIMARY KEY,
            fields TEXT NOT NULL,      -- JSON object of field name → text, secrets removed
            saved_at REAL NOT NULL     -- seconds since the epoch
        )""",
    ),
)


@dataclass(frozen=True, slots=True)
class Draft:
    form_key: str
    fields: dict[str, str]
    saved_at: datetime


def safe_fields(fields: dict[str, str]) -> dict[str, str]:
    """What may be written: no secret field by name, no card number in any value."""
    return {
        str(name): scrub_text(str(value))
        for name, value in fields.items()
        if not is_secret_field(str(name)) and value is not None
    }


@dataclass
class DraftStore:
    conn: sqlite3.Connection
    path: Path
    recovered_from: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path | None = None) -> DraftStore:
        if path is None:
            from fpconsole.locations import drafts_db

            path = drafts_db()
        conn, aside = db.open_database(path, MIGRATIONS, label="drafts file")
        return cls(conn, path, aside)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> DraftStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, form_key: str, fields: dict[str, str]) -> None:
        """Replace the draft of `form_key`. A form with nothing left to keep has no draft."""
        kept = safe_fields(fields)
        with self._lock:
            if not any(value.strip() for value in kept.values()):
                db.retry_busy(lambda: self.conn.execute("DELETE FROM drafts WHERE form_key = ?", (form_key,)))
                return
            payload = json.dumps(kept, ensure_ascii=False, sort_keys=True)
            db.retry_busy(
                lambda: self.conn.execute(
                    "INSERT INTO drafts (form_key, fields, saved_at) VALUES (?, ?, ?) ON CONFLICT(form_key) "
                    "DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at",
                    (form_key, payload, time.time()),
                )
            )

    def load(self, form_key: str) -> dict[str, str] | None:
        with self._lock:
            row = self.conn.execute("SELECT fields FROM drafts WHERE form_key = ?", (form_key,)).fetchone()
        if row is None:
            return None
        try:
            loaded = json.loads(row[0])
        except ValueError:
            return None
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else None

    def discard(self, form_key: str) -> None:
        with self._lock:
            db.retry_busy(lambda: self.conn.execute("DELETE FROM drafts WHERE form_key = ?", (form_key,)))

    def list(self) -> list[Draft]:
        """Every draft, most recently saved first."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT form_key, fields, saved_at FROM drafts ORDER BY saved_at DESC"
            ).fetchall()
        found = []
        for form_key, payload, saved_at in rows:
            try:
                fields = json.loads(payload)
            except ValueError:
                continue
            if isinstance(fields, dict):
                found.append(
                    Draft(
                        form_key,
                        {str(k): str(v) for k, v in fields.items()},
                        datetime.fromtimestamp(saved_at, UTC),
                    )
                )
        return found


class FormDrafts:
    """The console's drafts: local state, opened with the console (not with the connection: a
    form typed on a profile that never connected is kept too), one profile's drafts apart from
    another's, and never in the way. A drafts file that is locked beyond the busy timeout,
    damaged or gone makes each call give up quietly and log it (the form's name and the error,
    never a field value)."""

    def __init__(self, store: DraftStore | None, *, profile: str) -> None:
        self.store = store
        self.profile = profile
        # Saves run on one writer thread, in order: a form saves its draft as the
        # user types (debounced), and an SQLite write (a busy file, a slow disk) must not hold
        # the next keystroke. A load waits for the writes before it, close() for all of them.
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    @classmethod
    def open(cls, *, profile: str, path: Path | None = None) -> FormDrafts:
        try:
            store: DraftStore | None = DraftStore.open(path)
        except (OSError, sqlite3.Error) as exc:
            _draft_failed("open", "drafts", exc)
            store = None
        return cls(store, profile=profile)

    @property
    def recovered_from(self) -> Path | None:
        return self.store.recovered_from if self.store is not None else None

    def key(self, form_key: str) -> str:
        # A draft typed for one profile must not come back in another's form (a test client
        # offered on production): the key carries the profile.
        return f"{self.profile}/{form_key}"

    def save_draft(self, form_key: str, fields: dict[str, str]) -> None:
        """Queued for the writer thread: returns before the file is written (off the key
        path); load_draft, discard_draft and close wait for it."""
        store = self.store
        if store is None:
            return
        key, kept = self.key(form_key), dict(fields)
        self._queue("save", form_key, lambda: store.save(key, kept))

    def _queue(self, action: str, form_key: str, write: Callable[[], None]) -> None:
        def run() -> None:
            try:
                write()
            except (OSError, sqlite3.Error) as exc:
                _draft_failed(action, form_key, exc)

        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fpconsole-drafts")
        self._pending = [future for future in self._pending if not future.done()]
        self._pending.append(self._writer.submit(run))

    def flush(self) -> None:
        """Wait for the queued writes (a load, the console closing)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def load_draft(self, form_key: str) -> dict[str, str] | None:
        if self.store is None:
            return None
        self.flush()
        try:
            return self.store.load(self.key(form_key))
        except (OSError, sqlite3.Error) as exc:
            _draft_failed("load", form_key, exc)
            return None

    def discard_draft(self, form_key: str) -> None:
        # Not on the typing path (a send, a clear): written now, after the saves queued before.
        if self.store is None:
            return
        self.flush()
        try:
            self.store.discard(self.key(form_key))
        except (OSError, sqlite3.Error) as exc:
            _draft_failed("discard", form_key, exc)

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self.store is not None:
            with contextlib.suppress(sqlite3.Error):
                self.store.close()


def _draft_failed(action: str, form_key: str, exc: Exception) -> None:
    # SQLite's and the OS's messages name the file and the problem, never bound values; the
    # fields are not passed here at all.
    log.warning("could not %s the draft of %s: %s: %s", action, form_key, type(exc).__name__, exc)
