"""Per-partner controls (fault settings, settle delay, sandbox clock) and the log of what each
partner sent, kept in the sandbox database so every worker process on one file sees them.

Reading is per request, so it must be cheap and must never wait on the engine: on a file
database a private reader connection (WAL: readers never wait for writers) fetches the partner's
row, and the parsed state is rebuilt only when the row's version counter moved. On `:memory:` the
database belongs to one process, so the in-process copy (updated by every write, which goes
through `write`) is the truth and no query is made.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from fpconsole.sandbox.engine import store

log = logging.getLogger(__name__)

# The most received requests kept per partner (older ones are dropped).
RECEIVED_KEEP: Final = 10_000
_PRUNE_EVERY: Final = 256
# The received log is written in batches, so a read costs no write transaction of its own:
# at most this many entries or this long after the first unwritten one (a timer flushes a
# quiet process too, so another worker's listing lags by at most FLUSH_AFTER_S).
FLUSH_AT: Final = 100
FLUSH_AFTER_S: Final = 0.5


@dataclass(frozen=True, slots=True)
class PartnerState:
    # The JSON form of the partner's fault settings (faults.fault_spec_from_json reads it);
    # None: the sandbox's default (serve --faults).
    faults: Mapping[str, Any] | None = None
    delay: float | None = None  # None: the sandbox's default (serve --delay)
    clock_offset_s: float = 0.0  # how far the partner's sandbox clock is ahead of real time
    version: int = 0


DEFAULT_STATE: Final = PartnerState()
_UNSET: Final[Any] = object()


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the sandbox received it: never its body."""

    at: str  # storage format (store.to_db)
    method: str
    path: str
    request_id: str | None
    http_status: int
    status: str  # "ok" / "error"
    request_status: str | None
    error_code: str | None
    latency_ms: float

    def as_json(self) -> dict[str, Any]:
        from fpconsole.sandbox.engine.clock import db_to_rfc3339

        return {
            "at": db_to_rfc3339(self.at),
            "method": self.method,
            "path": self.path,
            "request_id": self.request_id,
            "http_status": self.http_status,
            "status": self.status,
            "request_status": self.request_status,
            "error_code": self.error_code,
            "latency_ms": round(self.latency_ms, 3),
        }


def _state_of(row: sqlite3.Row | tuple[Any, ...] | None) -> PartnerState:
    if row is None:
        return DEFAULT_STATE
    version, faults, delay, offset = row
    return PartnerState(
        faults=json.loads(faults) if faults is not None else None,
        delay=float(delay) if delay is not None else None,
        clock_offset_s=float(offset),
        version=int(version),
    )


class _ReceivedBuffer:
    """The received log's unwritten entries for one database file, shared by every engine of the
    process (a listing flushes them all, whichever engine thread answers it).

    One flusher thread per buffer writes the batches (started once: starting a thread per batch
    made the request that filled it wait for the new thread to be scheduled, milliseconds on a
    busy host). Its connection also checkpoints the WAL (SQLite's automatic checkpoint after its
    commits, which syncs the files), so the engines' commits, whose own automatic checkpoint is
    set far higher (store.ENGINE_AUTOCHECKPOINT_PAGES), rarely pay for it on a request."""

    def __init__(self, db: str | Path) -> None:
        self.db = db
        self.users = 0
        self._lock = threading.Lock()  # the writer connection
        self._pending_lock = threading.Lock()
        self._wake = threading.Condition(self._pending_lock)
        self._pending: list[tuple[str, Received]] = []
        self._first_at = 0.0  # monotonic time of the oldest unwritten entry
        self._flusher: threading.Thread | None = None
        self._closing = False
        self._writer: sqlite3.Connection | None = None
        self._inserted = 0

    def add(self, partner: str, entry: Received) -> None:
        # Never writes in the caller's thread: that is the server's event loop, and the write may
        # wait for another process's lock (up to the busy timeout), stalling every request.
        with self._pending_lock:
            self._pending.append((partner, entry))
            if len(self._pending) == 1:
                self._first_at = time.monotonic()
                if self._flusher is None and not self._closing:
                    self._flusher = threading.Thread(
                        target=self._flush_forever, name="sandbox-received-flush", daemon=True
                    )
                    self._flusher.start()
                self._wake.notify()
            elif len(self._pending) >= FLUSH_AT:
                self._wake.notify()

    def _flush_forever(self) -> None:
        while True:
            with self._pending_lock:
                while not self._closing:
                    if len(self._pending) >= FLUSH_AT:
                        break
                    if self._pending:
                        left = self._first_at + FLUSH_AFTER_S - time.monotonic()
                        if left <= 0:
                            break
                        self._wake.wait(left)
                    else:
                        self._wake.wait()
                if self._closing:
                    return
            try:
                self.flush()
            except Exception:  # the log is a convenience: a failed batch must not stop the next
                log.exception("could not write the sandbox's received log")

    def discard_all(self) -> None:
        with self._pending_lock:
            self._pending = []

    def discard(self, partner: str) -> None:
        with self._pending_lock:
            self._pending = [(p, e) for p, e in self._pending if p != partner]

    def flush(self) -> None:
        """Write the buffered entries in one transaction. The writer's lock is taken first, so a
        listing's flush waits for a batch the flusher is writing and then sees it too."""
        with self._lock:
            with self._pending_lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            if self._writer is None:
                # Not queued with the engines (store.FileWriteLock): its commits checkpoint the
                # WAL (syncing the files, milliseconds) after SQLite's lock is released, and
                # holding the engines' turn through that halved a served sandbox's writes.
                self._writer = store.connect(self.db, take_turns=False)
            conn = self._writer
            with store.write(conn):
                conn.executemany(
                    """INSERT INTO received (partner, at, method, path, request_id, http_status, status,
                           request_status, error_code, latency_ms)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        (
                            partner,
                            e.at,
                            e.method,
                            e.path,
                            e.request_id,
                            e.http_status,
                            e.status,
                            e.request_status,
                            e.error_code,
                            e.latency_ms,
                        )
                        for partner, e in batch
                    ],
                )
                before, self._inserted = self._inserted, self._inserted + len(batch)
                if before // _PRUNE_EVERY != self._inserted // _PRUNE_EVERY:
                    for partner in {p for p, _ in batch}:
                        conn.execute(
                            """DELETE FROM received WHERE partner = ? AND id <= (SELECT id FROM received
                                   WHERE partner = ? ORDER BY id DESC LIMIT 1 OFFSET ?)""",
                            (partner, partner, RECEIVED_KEEP),
                        )

    def close(self) -> None:
        with self._pending_lock:
            self._closing = True
            flusher, self._flusher = self._flusher, None
            self._wake.notify()
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join()
        self.flush()
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


_BUFFERS: dict[str, _ReceivedBuffer] = {}
_BUFFERS_LOCK: Final = threading.Lock()


def _acquire_buffer(db: str | Path) -> _ReceivedBuffer:
    key = os.path.realpath(db)
    with _BUFFERS_LOCK:
        buffer = _BUFFERS.get(key)
        if buffer is None:
            buffer = _BUFFERS[key] = _ReceivedBuffer(db)
        buffer.users += 1
        return buffer


def _release_buffer(buffer: _ReceivedBuffer) -> None:
    with _BUFFERS_LOCK:
        buffer.users -= 1
        last = buffer.users == 0
        if last:
            _BUFFERS.pop(os.path.realpath(buffer.db), None)
    if last:
        buffer.close()
    else:
        buffer.flush()


class PartnerStates:
    """The partners' controls and received-request logs of one engine's database."""

    def __init__(self, db: str | Path) -> None:
        self._file = store.is_file_target(db)
        self._db = db
        self._lock = threading.Lock()
        self._cache: dict[str, PartnerState] = {}
        self._reader: sqlite3.Connection | None = None
        self._memory_log: dict[str, collections.deque[Received]] = {}
        self._buffer = _acquire_buffer(db) if self._file else None

    @property
    def on_file(self) -> bool:
        """True when the state is in a file shared with other processes (writes may wait)."""
        return self._file

    # --- controls -----------------------------------------------------------------------------

    def get(self, partner: str, conn: sqlite3.Connection | None = None) -> PartnerState:
        """The partner's current state; on a file, what the last commit of any process says.

        conn: the engine's connection, whose lock the caller holds (the query then joins the
        transaction it may be in: one read transaction for a whole API read); without one, a
        private reader connection of this object's own."""
        if not self._file:
            return self._cache.get(partner, DEFAULT_STATE)
        with self._lock:
            if conn is None:
                if self._reader is None:
                    self._reader = store.connect(self._db)
                conn = self._reader
            row = conn.execute(
                "SELECT version, faults, delay, clock_offset_s FROM partner_state WHERE partner = ?",
                (partner,),
            ).fetchone()
            cached = self._cache.get(partner)
            version = int(row[0]) if row is not None else 0
            if cached is not None and cached.version == version:
                return cached
            state = _state_of(tuple(row) if row is not None else None)
            self._cache[partner] = state
            return state

    def refresh(self, conn: sqlite3.Connection, partner: str) -> dict[str, float]:
        """Every partner's clock offset (those ahead of real time), and the calling partner's state
        brought up to date in the cache (`cached`), in one query on the engine's connection."""
        if not self._file:
            return {p: s.clock_offset_s for p, s in self._cache.items() if s.clock_offset_s}
        rows = conn.execute(
            """SELECT partner, version, faults, delay, clock_offset_s FROM partner_state
               WHERE clock_offset_s > 0 OR partner = ?""",
            (partner,),
        ).fetchall()
        offsets: dict[str, float] = {}
        found = DEFAULT_STATE
        for row in rows:
            if row[4]:
                offsets[str(row[0])] = float(row[4])
            if row[0] == partner:
                cached = self._cache.get(partner)
                found = (
                    cached if cached is not None and cached.version == row[1] else _state_of(tuple(row)[1:])
                )
        with self._lock:
            self._cache[partner] = found
        return offsets

    def cached(self, partner: str) -> PartnerState:
        """The partner's state as the last `get`, `refresh` or `write` of this process saw it."""
        return self._cache.get(partner, DEFAULT_STATE)

    def write(
        self,
        conn: sqlite3.Connection,
        partner: str,
        *,
        faults: Mapping[str, Any] | None = _UNSET,
        delay: float | None = _UNSET,
        clock_offset_s: float = _UNSET,
    ) -> PartnerState:
        """Change some of the partner's controls; call inside the caller's write transaction on
        the engine's connection, as its last statement (the in-process copy is updated here)."""
        current = _state_of(
            conn.execute(
                "SELECT version, faults, delay, clock_offset_s FROM partner_state WHERE partner = ?",
                (partner,),
            ).fetchone()
        )
        if not self._file:
            current = self._cache.get(partner, current)
        state = PartnerState(
            faults=current.faults if faults is _UNSET else faults,
            delay=current.delay if delay is _UNSET else delay,
            clock_offset_s=current.clock_offset_s if clock_offset_s is _UNSET else clock_offset_s,
            version=current.version + 1,
        )
        conn.execute(
            """INSERT INTO partner_state (partner, faults, delay, clock_offset_s, version)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (partner) DO UPDATE SET faults = excluded.faults, delay = excluded.delay,
                   clock_offset_s = excluded.clock_offset_s, version = partner_state.version + 1""",
            (
                partner,
                json.dumps(dict(state.faults), separators=(",", ":")) if state.faults is not None else None,
                state.delay,
                state.clock_offset_s,
                state.version,
            ),
        )
        self._cache[partner] = state
        return state

    # --- what the partner sent ------------------------------------------------------------------

    def add_received(self, partner: str, entry: Received) -> None:
        """Log one request: kept in memory, written to a file database in batches (see FLUSH_AT),
        so this never waits for SQLite's write lock."""
        if self._buffer is not None:
            self._buffer.add(partner, entry)
            return
        log = self._memory_log.setdefault(partner, collections.deque(maxlen=RECEIVED_KEEP))
        log.append(entry)

    def flush(self) -> None:
        """Write this process's buffered log entries now (a listing sees them all)."""
        if self._buffer is not None:
            self._buffer.flush()

    def received(self, conn: sqlite3.Connection, partner: str, limit: int) -> list[Received]:
        """The partner's newest `limit` requests, newest first (conn: the engine's, in a read)."""
        if not self._file:
            return list(reversed(self._memory_log.get(partner, ())))[:limit]
        rows = conn.execute(
            """SELECT at, method, path, request_id, http_status, status, request_status, error_code,
                   latency_ms
               FROM received WHERE partner = ? ORDER BY id DESC LIMIT ?""",
            (partner, limit),
        ).fetchall()
        return [Received(*tuple(row)) for row in rows]

    def forget_received(self, conn: sqlite3.Connection, partner: str) -> None:
        if self._buffer is not None:
            self._buffer.discard(partner)
            conn.execute("DELETE FROM received WHERE partner = ?", (partner,))
        else:
            self._memory_log.pop(partner, None)

    def forget_all(self) -> None:
        """After a wipe: nothing cached, nothing buffered."""
        with self._lock:
            self._cache.clear()
        self._memory_log.clear()
        if self._buffer is not None:
            self._buffer.discard_all()

    def close(self) -> None:
        buffer, self._buffer = self._buffer, None
        if buffer is not None:
            _release_buffer(buffer)
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
