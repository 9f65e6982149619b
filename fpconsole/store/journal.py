"""The request journal: every call this console made, per profile, with its status timeline.

`Journal.record` subscribes to the client's EventBus. It costs one statement per event in
autocommit WAL with synchronous=NORMAL (a commit survives a crash of the process; only a
power cut can lose the last ones), so it adds tens of microseconds to a call. A row per
attempt: a retry with the same request_id and a manual `request.status` poll get rows of their
own, and an answer or status change updates the newest matching row.

Everything written passes through `scrub_json` first, whatever the client already did.
Retention: 90 days and 200,000 rows per profile by default, applied at open at most hourly.

Each entry also records who sent it and why, and is hash-chained (store/audit.py): an insert
or an update is one short write transaction (BEGIN IMMEDIATE), so two consoles writing the same
file keep one valid chain. A team's append-only copy (config `[audit]`) is written after the
entry is committed; a copy that fails is a warning, never a lost entry.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from fpconsole.api.outcome import FINAL, PENDING, of_event
from fpconsole.store import audit, db
from fpconsole.store.scrub import scrub_json, scrub_text

if TYPE_CHECKING:
    from fpconsole.api.events import (
        ClientEvent,
        RequestFailed,
        RequestSent,
        ResponseReceived,
        StatusChanged,
    )
    from fpconsole.api.sandbox_control import ControlRecord
    from fpconsole.store.audit_copy import AuditCopies

MAX_AGE_DAYS: Final = 90
MAX_ROWS: Final = 200_000
PRUNE_EVERY_S: Final = 3600
# Outcomes still worth a request/status poll (a `sent` row was cut off before its answer). A
# state-changing call cancelled after sending is recorded as `unknown`; `cancelled` is a read's.
PENDING_OUTCOMES: Final = tuple(sorted(PENDING))
# The request's own final statuses (SPEC §2): once a row has one, no later event replaces it.
FINAL_OUTCOMES: Final = tuple(sorted(FINAL))
_REMEMBERED_ROWS: Final = 4096
# A new row's columns before an event fills them: its hashes cover every column, so each is
# given as SQLite will store it (the schema's defaults, written out).
_NEW_ROW: Final[dict[str, Any]] = {
    "path": None,
    "target_ids": "{}",
    "request": None,
    "response": None,
    "changes_state": 0,
    "error_code": None,
    "error_description": None,
    "latency_ms": None,
    "changes": "[]",
    "reason": None,
}
log = logging.getLogger(__name__)

MIGRATIONS: Final = (
    db.sql_migration(
        1,
        "requests with their status timeline",
        db.META_TABLE,
        """CREATE TABLE requests (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL,
            request_id TEXT,
            method TEXT NOT NULL,
            path TEXT,
            target_ids TEXT NOT NULL DEFAULT '{}',
            request TEXT,                          -- redacted JSON
            response TEXT,                         -- redacted JSON of the latest answer
            changes_state INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NOT NULL,                 -- sent|process|success|error|failed|unknown
            error_code TEXT,
            error_description TEXT,
            latency_ms REAL,
            sent_at TEXT NOT NULL,                 -- ISO 8601, UTC
            sent_ts REAL NOT NULL,                 -- the same as seconds since the epoch
            updated_at TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '[]'     -- JSON [{"status": ..., "at": ...}]
        )""",
        "CREATE INDEX requests_profile ON requests (profile, id)",
        "CREATE INDEX requests_request_id ON requests (request_id, id)",
        "CREATE INDEX requests_sent ON requests (sent_ts)",
        "CREATE INDEX requests_pending ON requests (profile, outcome)",
    ),
    db.sql_migration(
        2,
        "operator, reason and the audit hash chain",
        "ALTER TABLE requests ADD COLUMN operator TEXT",  # user@host
        "ALTER TABLE requests ADD COLUMN reason TEXT",  # typed for block/unblock/close/refund
        "ALTER TABLE requests ADD COLUMN prev_hash TEXT",
        "ALTER TABLE requests ADD COLUMN hash TEXT",
        "ALTER TABLE requests ADD COLUMN state_hash TEXT",
        audit.CHAIN_TABLE,
    ),
)


class StatusChange(NamedTuple):
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    profile: str
    request_id: str | None
    method: str
    path: str | None
    target_ids: dict[str, str]
    request: dict[str, Any] | None
    response: dict[str, Any] | None
    changes_state: bool
    outcome: str
    error_code: str | None
    error_description: str | None
    latency_ms: float | None
    sent_at: datetime
    updated_at: datetime
    changes: list[StatusChange]
    # Who and why (None on entries written before fpconsole recorded them).
    operator: str | None = None
    reason: str | None = None
    # The audit chain (store/audit.py); None on entries written before it existed.
    prev_hash: str | None = None
    hash: str | None = None
    state_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "target_ids": self.target_ids,
            "outcome": self.outcome,
            "error_code": self.error_code,
            "error_description": self.error_description,
            "latency_ms": self.latency_ms,
            "sent_at": self.sent_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "changes": [{"status": c.status, "at": c.at.isoformat()} for c in self.changes],
            "changes_state": self.changes_state,
            "operator": self.operator,
            "reason": self.reason,
            "request": self.request,
            "response": self.response,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "state_hash": self.state_hash,
        }


@functools.cache
def status_methods() -> tuple[str, ...]:
    """request/status under every name its registry entry answers to (transaction.request_status
    is one): a row of one of these is a poll about an earlier request, not a request of its own.
    Asked on first use, so opening the journal does not load the registry's models."""
    from fpconsole.api.methods import REQUEST_STATUS

    return (REQUEST_STATUS.name, *(name for name, _title in REQUEST_STATUS.also_named))


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(scrub_json(value), ensure_ascii=False, separators=(",", ":"), default=str)


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _entry(row: sqlite3.Row) -> JournalEntry:
    changes = [
        StatusChange(str(c.get("status")), datetime.fromisoformat(str(c.get("at"))))
        for c in (_loads(row["changes"]) or [])
        if isinstance(c, dict)
    ]
    return JournalEntry(
        id=row["id"],
        profile=row["profile"],
        request_id=row["request_id"],
        method=row["method"],
        path=row["path"],
        target_ids=_loads(row["target_ids"]) or {},
        request=_loads(row["request"]),
        response=_loads(row["response"]),
        changes_state=bool(row["changes_state"]),
        outcome=row["outcome"],
        error_code=row["error_code"],
        error_description=row["error_description"],
        latency_ms=row["latency_ms"],
        sent_at=datetime.fromisoformat(row["sent_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        changes=changes,
        operator=row["operator"],
        reason=row["reason"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        state_hash=row["state_hash"],
    )


@dataclass
class Journal:
    conn: sqlite3.Connection
    path: Path
    profile: str
    recovered_from: Path | None = None
    # Who is recorded as having sent what this journal writes (`user@host`).
    operator: str = field(default_factory=audit.operator_name)
    # The team's append-only copy; None: read `[audit]` from config.toml at the first write.
    copies: AuditCopies | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # (request_id, method) → row id of the newest attempt this process wrote.
    _rows: OrderedDict[tuple[str | None, str], int] = field(default_factory=OrderedDict, repr=False)

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        profile: str,
        prune: bool = True,
        verify: bool | None = None,
        operator: str | None = None,
        copies: AuditCopies | None = None,
    ) -> Journal:
        if path is None:
            from fpconsole.locations import journal_db

            path = journal_db()
        conn, aside = db.open_database(path, MIGRATIONS, label="request journal", verify=verify)
        conn.row_factory = sqlite3.Row
        journal = cls(conn, path, profile, aside, operator or audit.operator_name(), copies)
        if prune and journal._prune_due():
            journal.prune()
        return journal

    def close(self) -> None:
        with self._lock:
            self.conn.close()
            if self.copies is not None:
                self.copies.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ---

    def record(self, event: ClientEvent) -> None:
        """EventBus subscriber. One statement per event (two when the row must be looked up)."""
        with self._lock:
            if event.kind == "sent":
                self._sent(event)
            elif event.kind == "answered":
                self._answered(event)
            elif event.kind == "status":
                self._status(event)
            else:
                self._failed(event)

    def record_control(self, record: ControlRecord) -> None:
        """A sandbox control call (`sandbox.top_up` …), once it has ended: one entry, final from
        the start, chained like any other (SandboxControl's `on_control`). Its method is never a
        Card API method, so polls, replays and request/status leave it alone."""
        sent, ended = _iso(record.sent_at), _iso(datetime.now(UTC))
        with self._lock:
            self._insert(
                {
                    "request_id": record.request_id,
                    "method": record.name,
                    "path": record.path,
                    "target_ids": _dumps(record.target_ids),
                    "request": _dumps(record.request),
                    "response": _dumps(record.response) if record.response is not None else None,
                    "changes_state": 1,
                    "outcome": record.outcome,
                    "error_code": record.error_code,
                    "error_description": scrub_text(record.error_description)
                    if record.error_description
                    else None,
                    "latency_ms": record.latency_ms,
                    "sent_at": sent,
                    "sent_ts": record.sent_at.timestamp(),
                    "updated_at": ended,
                    "changes": json.dumps([{"status": record.outcome, "at": ended}], separators=(",", ":")),
                }
            )

    def _copy_out(self, row_id: int, *, written: bool) -> None:
        """The team's copy of an entry just written (`written`) or just ended. After the commit:
        the journal has the entry whatever becomes of the copy."""
        if self.copies is None:
            from fpconsole.store.audit_copy import AuditCopies

            self.copies = AuditCopies.from_config()
        if not self.copies:
            return
        row = self.conn.execute("SELECT * FROM requests WHERE id = ?", (row_id,)).fetchone()
        if row is not None:
            self.copies.send(row, event="recorded" if written else "ended")

    def _remember(self, request_id: str | None, method: str, row_id: int) -> None:
        self._rows[(request_id, method)] = row_id
        self._rows.move_to_end((request_id, method))
        while len(self._rows) > _REMEMBERED_ROWS:
            self._rows.popitem(last=False)

    def _insert(self, columns: dict[str, Any]) -> int:
        """A new entry, chained after the profile's last one in the same write transaction
        (another process appending at the same moment waits for the lock, then chains after it)."""
        with db.write(self.conn):
            # The id is chosen here (the write lock is ours) so that the hashes, which cover
            # it, are computed before the one INSERT instead of read back and updated.
            row_id = int(self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM requests").fetchone()[0])
            row = audit.sealed(
                {
                    **_NEW_ROW,
                    **columns,
                    "id": row_id,
                    "profile": self.profile,
                    "operator": self.operator,
                    "prev_hash": audit.previous_hash(self.conn, self.profile),
                }
            )
            self.conn.execute(
                f"INSERT INTO requests ({', '.join(row)}) VALUES ({_marks(tuple(row))})", tuple(row.values())
            )
            audit.advance_head(self.conn, self.profile, row_id, row["hash"])
        self._copy_out(row_id, written=True)
        return row_id

    def _sent(self, event: RequestSent) -> None:
        at = _iso(event.at)
        reason = audit.reason_of(event.method, event.request)
        row_id = self._insert(
            {
                "request_id": event.request_id,
                "method": event.method,
                "path": event.path,
                "target_ids": _dumps(event.target_ids),
                "request": _dumps(event.request),
                "changes_state": int(event.changes_state),
                "outcome": "sent",
                "sent_at": at,
                "sent_ts": event.at.timestamp(),
                "updated_at": at,
                "reason": scrub_text(reason) if reason else None,
            }
        )
        self._remember(event.request_id, event.method, row_id)

    def _find(self, request_id: str | None, method: str | None) -> int | None:
        """The newest row for this request: of that method, or else its original (not a poll)."""
        if method is not None and (request_id, method) in self._rows:
            return self._rows[(request_id, method)]
        if method is not None:
            row = self.conn.execute(
                "SELECT id FROM requests WHERE profile = ? AND request_id IS ? AND method = ? "
                "ORDER BY id DESC LIMIT 1",
                (self.profile, request_id, method),
            ).fetchone()
        else:
            polls = status_methods()
            row = self.conn.execute(
                "SELECT id FROM requests WHERE profile = ? AND request_id IS ? "
                f"AND method NOT IN ({_marks(polls)}) ORDER BY id DESC LIMIT 1",
                (self.profile, request_id, *polls),
            ).fetchone()
        return int(row[0]) if row is not None else None

    def _update(
        self,
        row_id: int,
        *,
        outcome: str,
        at: datetime,
        response: dict[str, Any] | None,
        error_code: str | None,
        error_description: str | None,
        latency_ms: float | None,
    ) -> None:
        when = _iso(at)
        # The first final status wins. success and error are terminal (SPEC §2): a request that
        # has ended does not end again, and the first final answer is the one this console
        # reported and acted on (the cache applied it, the form showed it). A later event that
        # disagrees — a request/status poll answered by a fault or a confused server, a late
        # failure — is therefore logged and ignored instead of rewriting history (QA saw
        # sent → unknown → success → error when a failed poll overwrote a success).
        with db.write(self.conn):
            updated = self._apply_update(
                row_id, outcome, when, response, error_code, error_description, latency_ms
            )
            if updated is not None:
                audit.reseal(self.conn, updated)
        if updated is not None:
            if outcome in FINAL:
                self._copy_out(row_id, written=False)
            return
        kept = self.conn.execute(
            "SELECT request_id, method, outcome FROM requests WHERE id = ?", (row_id,)
        ).fetchone()
        if kept is not None:
            log.warning(
                "journal: %s %s already ended %s; a later %s is ignored",
                kept[1],
                kept[0],
                kept[2],
                outcome,
            )

    def _apply_update(
        self,
        row_id: int,
        outcome: str,
        when: str,
        response: dict[str, Any] | None,
        error_code: str | None,
        error_description: str | None,
        latency_ms: float | None,
    ) -> sqlite3.Row | None:
        """The row as updated, or None when it had already ended otherwise."""
        cursor = self.conn.execute(
            """UPDATE requests SET outcome = ?, updated_at = ?,
                   response = coalesce(?, response),
                   error_code = coalesce(?, error_code),
                   error_description = coalesce(?, error_description),
                   latency_ms = coalesce(?, latency_ms),
                   changes = CASE WHEN outcome = ? THEN changes  -- the same status again: no change
                       ELSE json_insert(changes, '$[#]', json_object('status', ?, 'at', ?)) END
               WHERE id = ? AND (outcome NOT IN (?, ?) OR outcome = ?)
               RETURNING *""",
            (
                outcome,
                when,
                _dumps(response) if response is not None else None,
                error_code or None,
                scrub_text(error_description) if error_description else None,
                latency_ms,
                outcome,
                outcome,
                when,
                row_id,
                *FINAL_OUTCOMES,
                outcome,
            ),
        )
        rows = cursor.fetchall()
        return rows[0] if rows else None

    def _insert_late(
        self, request_id: str | None, method: str, outcome: str, at: datetime, response: dict[str, Any] | None
    ) -> int | None:
        """An answer for a request this journal never saw sent (e.g. opened mid-flight)."""
        when = _iso(at)
        return self._insert(
            {
                "request_id": request_id,
                "method": method,
                "response": _dumps(response) if response is not None else None,
                "outcome": outcome,
                "sent_at": when,
                "sent_ts": at.timestamp(),
                "updated_at": when,
                "changes_state": 1,
            }
        )

    def _answered(self, event: ResponseReceived) -> None:
        result = of_event(event)
        row_id = self._find(event.request_id, event.method)
        if row_id is None:
            row_id = self._insert_late(event.request_id, event.method, result, event.at, event.response)
        if row_id is not None:
            self._update(
                row_id,
                outcome=result,
                at=event.at,
                response=event.response,
                error_code=event.error_code,
                error_description=event.error_description,
                latency_ms=event.latency_ms,
            )
        if (
            event.method in status_methods()
            and event.request_id
            and event.request_status
            and event.status != "error"
        ):
            # A manual poll tells us how the original request ended — when request/status
            # itself answered (status: ok). An error envelope answering the poll (an injected
            # fault, a refused signature, even "no such request") is the poll's own outcome,
            # recorded on its own row above, and says nothing final about the original.
            original = self._find(event.request_id, None)
            if original is not None and original != row_id:
                self._update(
                    original,
                    outcome=result,
                    at=event.at,
                    response=event.response,
                    error_code=event.error_code,
                    error_description=event.error_description,
                    latency_ms=None,
                )

    def _unsettled(self, request_id: str, method: str | None) -> int | None:
        """The newest row of this request not yet final. A poll's news is about the request the
        server holds, and a later attempt refused as duplicate_request_id has ended (error):
        the first attempt's row is the one the news settles."""
        if method is None:
            return None
        row = self.conn.execute(
            "SELECT id FROM requests WHERE profile = ? AND request_id = ? AND method = ? "
            f"AND outcome NOT IN ({_marks(FINAL_OUTCOMES)}) ORDER BY id DESC LIMIT 1",
            (self.profile, request_id, method, *FINAL_OUTCOMES),
        ).fetchone()
        return int(row[0]) if row is not None else None

    def _status(self, event: StatusChanged) -> None:
        result = of_event(event)
        row_id = self._unsettled(event.request_id, event.method) or self._find(event.request_id, event.method)
        if row_id is None and event.method is not None:
            row_id = self._find(event.request_id, None)
        if row_id is None:
            self._insert_late(event.request_id, event.method or "unknown", result, event.at, event.response)
            return
        self._update(
            row_id,
            outcome=result,
            at=event.at,
            response=event.response,
            error_code=event.error_code,
            error_description=event.error_description,
            latency_ms=None,
        )

    def _failed(self, event: RequestFailed) -> None:
        # A state change cancelled after sending comes with outcome_unknown: `unknown`, pending,
        # polled again. A cancelled read has nothing to follow up: `cancelled`.
        result = of_event(event)
        row_id = self._find(event.request_id, event.method)
        if row_id is None:
            row_id = self._insert_late(event.request_id, event.method, result, event.at, None)
        if row_id is not None:
            self._update(
                row_id,
                outcome=result,
                at=event.at,
                response=None,
                error_code=event.error,
                error_description=event.message,
                latency_ms=event.latency_ms,
            )

    # --- reading ---

    def _filters(
        self,
        since: datetime | None,
        method: str | None,
        status: str | None,
        query: str | None,
        changes_only: bool = False,
    ) -> tuple[str, list[Any]]:
        where = ["profile = ?"]
        params: list[Any] = [self.profile]
        if changes_only:
            where.append("changes_state = 1")
        if since is not None:
            where.append("sent_ts >= ?")
            params.append(since.timestamp())
        if method:
            where.append("method = ?")
            params.append(method)
        if status:
            where.append("outcome = ?")
            params.append(status)
        if query and query.strip():
            text = query.strip()
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(request_id LIKE ? ESCAPE '\\' OR method LIKE ? ESCAPE '\\' "
                "OR target_ids LIKE ? ESCAPE '\\' OR outcome = ?)"
            )
            params += [like, like, like, text.lower()]
        return " AND ".join(where), params

    def entries(
        self,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
        method: str | None = None,
        status: str | None = None,
        query: str | None = None,
        *,
        oldest_first: bool = False,
        changes_only: bool = False,
    ) -> list[JournalEntry]:
        """Newest first (or oldest first, for exports). `status` filters on the outcome;
        `query` matches request_id, method, target ids (any part) or an outcome;
        `changes_only` leaves out reads."""
        where, params = self._filters(since, method, status, query, changes_only)
        order = "ASC" if oldest_first else "DESC"
        with self._lock:
            rows = self.conn.execute(
                f"SELECT * FROM requests WHERE {where} ORDER BY id {order} LIMIT ? OFFSET ?",
                (*params, max(0, limit), max(0, offset)),
            ).fetchall()
        return [_entry(row) for row in rows]

    def count(
        self,
        since: datetime | None = None,
        method: str | None = None,
        status: str | None = None,
        query: str | None = None,
        *,
        changes_only: bool = False,
    ) -> int:
        where, params = self._filters(since, method, status, query, changes_only)
        with self._lock:
            return int(
                self.conn.execute(f"SELECT count(*) FROM requests WHERE {where}", params).fetchone()[0]
            )

    def get(self, request_id: str) -> JournalEntry | None:
        """The newest attempt of the request itself (not a manual status poll about it)."""
        polls = status_methods()
        with self._lock:
            row = self.conn.execute(
                "SELECT * FROM requests WHERE profile = ? AND request_id = ? "
                f"ORDER BY method IN ({_marks(polls)}), id DESC LIMIT 1",
                (self.profile, request_id, *polls),
            ).fetchone()
        return _entry(row) if row is not None else None

    def pending(self) -> list[JournalEntry]:
        """State-changing requests whose latest attempt has no final answer yet (process, an
        unknown outcome, or cut off after sending): poll them again with the same request_id."""
        marks, polls = _marks(PENDING_OUTCOMES), status_methods()
        with self._lock:
            rows = self.conn.execute(
                f"""SELECT * FROM requests r
                    WHERE profile = ? AND outcome IN ({marks}) AND changes_state = 1
                      AND request_id IS NOT NULL AND method NOT IN ({_marks(polls)})
                      AND method NOT LIKE 'sandbox.%'  -- a control has no request/status to ask
                      AND NOT EXISTS (SELECT 1 FROM requests later
                                      WHERE later.request_id = r.request_id AND later.id > r.id
                                        AND later.profile = r.profile AND later.method = r.method)
                    ORDER BY id DESC""",
                (self.profile, *PENDING_OUTCOMES, *polls),
            ).fetchall()
        return [_entry(row) for row in rows]

    def has_entries(self) -> bool:
        with self._lock:
            return (
                self.conn.execute(
                    "SELECT 1 FROM requests WHERE profile = ? LIMIT 1", (self.profile,)
                ).fetchone()
                is not None
            )

    def verify(self) -> audit.ChainReport:
        """Whether this profile's hash chain is intact, and where it breaks if not."""
        with self._lock:
            return audit.verify_chain(self.conn, self.profile)

    # --- retention ---

    def _prune_due(self) -> bool:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'pruned_at'").fetchone()
        try:
            return row is None or time.time() - float(row[0]) > PRUNE_EVERY_S
        except ValueError:
            return True

    def prune(self, max_age_days: float = MAX_AGE_DAYS, max_rows: int = MAX_ROWS) -> int:
        """Delete entries older than `max_age_days` (every profile) and all but the newest
        `max_rows` of each profile. Returns how many rows went."""
        cutoff = (datetime.now(UTC) - timedelta(days=max_age_days)).timestamp()
        removed = 0
        with self._lock, db.write(self.conn):
            profiles = [r[0] for r in self.conn.execute("SELECT DISTINCT profile FROM requests")]
            for profile in profiles:
                # Each profile loses the start of its chain only (store/audit.py), so entries go
                # by position: everything up to the newest one older than the cutoff (an entry
                # whose clock ran back 90 days goes with its elders), and all but the newest
                # max_rows (the edge is found by walking the (profile, id) index).
                old = self.conn.execute(
                    "SELECT max(id) FROM requests WHERE profile = ? AND sent_ts < ?", (profile, cutoff)
                ).fetchone()
                edge = self.conn.execute(
                    "SELECT id FROM requests WHERE profile = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                    (profile, max(0, max_rows)),
                ).fetchone()
                last = max(old[0] or 0, edge[0] if edge is not None else 0)
                if last:
                    audit.note_pruned(self.conn, profile, last)
                    removed += self.conn.execute(
                        "DELETE FROM requests WHERE profile = ? AND id <= ?", (profile, last)
                    ).rowcount
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES('pruned_at', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(time.time()),),
            )
        return int(removed)
