"""Resume state of bulk runs: what was sent for each row, so a rerun never sends it twice.

One SQLite file in the state folder (`bulk.sqlite3`, WAL), rows keyed by (profile, file
fingerprint, line). A request_id is written here, and committed, BEFORE the request goes out;
a rerun then asks request/status about that id instead of sending the row again. That is what
keeps a crash, a Ctrl+C or a lost answer from creating a second client or card.

Commits use synchronous=FULL: in WAL mode that is one fsync per commit, and it makes a
stored request_id survive a power cut, not just a killed process.

Editing the file changes its fingerprint, so an edited file (a bad row fixed, rows added) is a
new file. Its rows are still recognised by content: each row record keeps a digest of the row's
cells, and a row of a new file whose digest matches a row of an earlier file of the same profile
takes over that row's record (`adopt`) instead of being sent again.

Only one run of a given (profile, file) may be active at a time; `open_file_state` takes an
exclusive lock (flock on a file next to the database) and refuses a second run.

The database holds customer names' row digests, client and card ids and masked PANs: it is created
0600 (SQLite gives its -wal and -shm the mode of the database), a file an older version left
readable is tightened, and the folder is 0700.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final, Literal

from fpconsole.locations import ensure_private_dir, state_dir

STATE_DB_NAME: Final = "bulk.sqlite3"
SCHEMA_VERSION: Final = 2  # 2: status 'unknown'
FILE_MODE: Final = 0o600

# pending: nothing of its current stage was sent (a rerun sends it); unknown: a request was sent
# and never answered (a rerun asks request/status about it, never sends it again).
RowStatus = Literal["pending", "done", "failed", "unknown"]
CardVia = Literal["issue", "bulk"]

_ROWS_TABLE: Final = """
CREATE TABLE {name} (
    profile           TEXT    NOT NULL,
    fingerprint       TEXT    NOT NULL,
    line              INTEGER NOT NULL,
    row_digest        TEXT,     -- sha256 of the row's cells (BulkRow.digest)
    client_request_id TEXT,
    client_id         TEXT,
    card_via          TEXT CHECK (card_via IN ('issue', 'bulk')),
    card_request_id   TEXT,     -- card.issue's request_id, or the card.bulk_issue batch's
    batch_slot        INTEGER,  -- this row's index in the batch's cards[]
    card_id           TEXT,
    link_request_id   TEXT,
    linked            INTEGER NOT NULL DEFAULT 0,
    masked_pan        TEXT,
    status            TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'done', 'failed', 'unknown')),
    error             TEXT,
    updated_at        TEXT    NOT NULL,
    PRIMARY KEY (profile, fingerprint, line)
)"""
_ROWS_INDEX: Final = "CREATE INDEX bulk_rows_by_digest ON bulk_rows (profile, row_digest)"
_BATCHES_TABLE: Final = """
CREATE TABLE bulk_batches (
    profile     TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    product_id  INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (profile, fingerprint, request_id)
)"""


@dataclass(frozen=True, slots=True)
class RowRecord:
    """What is known about one row. Each stage is complete when its id is known:
    client_id; then card_id (and `linked` for a card from card.bulk_issue); then masked_pan."""

    line: int
    digest: str | None = None
    client_request_id: str | None = None
    client_id: str | None = None
    card_via: CardVia | None = None
    card_request_id: str | None = None
    batch_slot: int | None = None
    card_id: str | None = None
    link_request_id: str | None = None
    linked: bool = False
    masked_pan: str | None = None
    status: RowStatus = "pending"
    error: str | None = None

    @property
    def has_card(self) -> bool:
        return self.card_id is not None and (self.card_via != "bulk" or self.linked)


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A card.bulk_issue request: kept so that one the server never received can be sent again
    with the same request_id and count."""

    request_id: str
    product_id: int
    count: int


_ROW_FIELDS: Final = tuple(f.name for f in fields(RowRecord))
# RowRecord field → bulk_rows column, where they differ.
_COLUMN: Final = {"digest": "row_digest"}
_ROW_COLUMNS: Final = tuple(_COLUMN.get(name, name) for name in _ROW_FIELDS)
_SELECT_ROW: Final = ", ".join(f"{_COLUMN[n]} AS {n}" if n in _COLUMN else n for n in _ROW_FIELDS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class FileBusy(Exception):
    """Another run of the same file (and profile) is in progress."""


class StateUnusable(Exception):
    """The resume state cannot be opened (damaged, from a newer version, unreadable). Nothing
    was sent; the message names the file and the fix.

    Refused rather than moved aside: the file is the only record of which rows earlier runs
    sent, and a damaged one cannot say whether it holds an unfinished run. Moving it aside is
    the operator's decision, and the message says what it costs."""


def damaged_message(path: Path | str, problem: str) -> str:
    return (
        f"the bulk resume state {path} is damaged ({problem}); nothing was sent. It records which "
        "rows earlier runs sent, so that a rerun never sends a row twice. To start afresh, move it "
        f"aside (mv {path} {path}.damaged): rows of an unfinished earlier run will then be sent "
        "again unless you remove them from the file first (each run's result CSV lists its rows)"
    )


class NewerSchema(RuntimeError):
    """The database's schema is newer than this version knows."""


def default_path() -> Path:
    return state_dir() / STATE_DB_NAME


def connect(path: Path | str) -> sqlite3.Connection:
    # Autocommit (transactions are explicit). check_same_thread off: a run hands its writes to
    # one worker thread (StateWriter), so the event loop never waits for an fsync.
    if str(path) != ":memory:":
        _make_private(Path(path))
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    try:
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _make_private(path: Path) -> None:
    """Create the database 0600 before SQLite does (its -wal and -shm copy the mode), and tighten
    the files an older version created with the umask's mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if companion.stat().st_mode & 0o077:
                os.chmod(companion, FILE_MODE)


def _migrate(conn: sqlite3.Connection, path: Path | str) -> None:
    """Bring the schema to SCHEMA_VERSION in one write transaction (two runs of other files may
    open the database at once: the second finds the work done)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(
                f"the bulk resume state {path} was written by a newer fpconsole (schema {version})"
            )
        if version == 0:
            conn.execute(_ROWS_TABLE.format(name="bulk_rows"))
            conn.execute(_ROWS_INDEX)
            conn.execute(_BATCHES_TABLE)
        elif version == 1:
            # SQLite cannot change a CHECK in place: copy the rows into a table that allows 'unknown'.
            conn.execute("ALTER TABLE bulk_rows RENAME TO bulk_rows_v1")
            conn.execute("DROP INDEX IF EXISTS bulk_rows_by_digest")
            conn.execute(_ROWS_TABLE.format(name="bulk_rows"))
            conn.execute("INSERT INTO bulk_rows SELECT * FROM bulk_rows_v1")
            conn.execute("DROP TABLE bulk_rows_v1")
            conn.execute(_ROWS_INDEX)
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@dataclass
class FileState:
    """The resume state of one file for one profile. Every method commits before returning."""

    conn: sqlite3.Connection
    profile: str
    fingerprint: str
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def rows(self) -> dict[int, RowRecord]:
        cursor = self.conn.execute(
            f"SELECT {_SELECT_ROW} FROM bulk_rows WHERE profile = ? AND fingerprint = ?",
            (self.profile, self.fingerprint),
        )
        return {int(r["line"]): _record(r) for r in cursor}

    def adopt(self, digests: Mapping[int, str]) -> dict[int, RowRecord]:
        """For lines of this file with no record yet: take over the record of the same row (same
        digest) from an earlier file of this profile — the newest one that had sent something —
        so that an edited copy of a file does not send its unchanged rows again. Each earlier
        record is taken over at most once. Returns the adopted records, saved under this file."""
        known = self.rows()
        taken: set[tuple[str, int]] = set()
        adopted: list[RowRecord] = []
        for line, digest in sorted(digests.items()):
            if line in known or not digest:
                continue
            cursor = self.conn.execute(
                f"""SELECT fingerprint, {_SELECT_ROW} FROM bulk_rows
                    WHERE profile = ? AND row_digest = ? AND fingerprint != ?
                      AND (status = 'done' OR client_request_id IS NOT NULL)
                    ORDER BY updated_at DESC""",
                (self.profile, digest, self.fingerprint),
            )
            for found in cursor:
                source = (str(found["fingerprint"]), int(found["line"]))
                if source not in taken:
                    taken.add(source)
                    adopted.append(replace(_record(found), line=line))
                    break
        if adopted:
            self.save(*adopted)
        return {record.line: record for record in adopted}

    def save(self, *records: RowRecord) -> None:
        """Upsert rows in one transaction (a batch and its rows' slots land together)."""
        with self._transaction():
            self._save_rows(records)

    def save_batch(self, batch: BatchRecord, records: list[RowRecord]) -> None:
        with self._transaction():
            self.conn.execute(
                """INSERT OR REPLACE INTO bulk_batches
                   (profile, fingerprint, request_id, product_id, count, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (self.profile, self.fingerprint, batch.request_id, batch.product_id, batch.count, _now()),
            )
            self._save_rows(records)

    def batches(self) -> dict[str, BatchRecord]:
        """This profile's batches, whatever file sent them (an adopted row may point at one)."""
        cursor = self.conn.execute(
            "SELECT request_id, product_id, count FROM bulk_batches WHERE profile = ?", (self.profile,)
        )
        return {
            r["request_id"]: BatchRecord(r["request_id"], int(r["product_id"]), int(r["count"]))
            for r in cursor
        }

    def forget(self) -> None:
        """Drop this file's state (a deliberate fresh start; not used by a normal rerun)."""
        with self._transaction():
            for table in ("bulk_rows", "bulk_batches"):
                self.conn.execute(
                    f"DELETE FROM {table} WHERE profile = ? AND fingerprint = ?",
                    (self.profile, self.fingerprint),
                )

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:
            self._lock.close()  # closing the file releases the flock
            self._lock = None

    def __enter__(self) -> FileState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _save_rows(self, records: tuple[RowRecord, ...] | list[RowRecord]) -> None:
        columns = ("profile", "fingerprint", *_ROW_COLUMNS, "updated_at")
        placeholders = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{name} = excluded.{name}" for name in (*_ROW_COLUMNS, "updated_at"))
        self.conn.executemany(
            f"""INSERT INTO bulk_rows ({", ".join(columns)}) VALUES ({placeholders})
                ON CONFLICT (profile, fingerprint, line) DO UPDATE SET {updates}""",
            [(self.profile, self.fingerprint, *_values(record), _now()) for record in records],
        )


def _values(record: RowRecord) -> tuple[object, ...]:
    data = asdict(record)
    data["linked"] = int(record.linked)
    return tuple(data[name] for name in _ROW_FIELDS)


def _record(row: sqlite3.Row) -> RowRecord:
    data = {name: row[name] for name in _ROW_FIELDS}
    data["linked"] = bool(data["linked"])
    return RowRecord(**data)


def _take_lock(db_path: Path, profile: str, fingerprint: str) -> IO[bytes] | None:
    """An exclusive, non-blocking flock per (profile, file); released when the process dies,
    so a crash never leaves a stale lock. None where flock does not exist (Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    safe_profile = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in profile)
    lock_path = db_path.with_name(f"bulk-{safe_profile}-{fingerprint[:16]}.lock")
    # Held open for the run; closed by FileState.close. Created 0600 like the database.
    handle = os.fdopen(os.open(lock_path, os.O_CREAT | os.O_RDWR | os.O_APPEND, FILE_MODE), "a+b")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise FileBusy(
            f"another run of this file (profile {profile}) is in progress; wait for it or stop it first"
        ) from None
    os.chmod(lock_path, 0o600)
    return handle


def open_file_state(profile: str, fingerprint: str, path: Path | str | None = None) -> FileState:
    """The state of one file for one profile, in `path` (default: the state folder's
    bulk.sqlite3; ":memory:" for tests that need no resume)."""
    if path is None:
        path = default_path()
    lock: IO[bytes] | None = None
    if str(path) != ":memory:":
        db_path = Path(path)
        try:
            ensure_private_dir(db_path.parent)
            lock = _take_lock(db_path, profile, fingerprint)
        except OSError as exc:
            raise StateUnusable(
                f"cannot open the bulk resume state next to {db_path}: {exc.strerror}; nothing was sent. "
                "Check that folder's permissions (fpconsole locate state)"
            ) from None
    try:
        conn = connect(path)
    except sqlite3.OperationalError as exc:
        if lock is not None:
            lock.close()
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise StateUnusable(damaged_message(path, str(exc))) from None
        raise StateUnusable(f"cannot open the bulk resume state {path}: {exc}; nothing was sent") from None
    except sqlite3.DatabaseError as exc:  # not a database, malformed: the file itself is bad
        if lock is not None:
            lock.close()
        raise StateUnusable(damaged_message(path, str(exc))) from None
    except NewerSchema as exc:
        if lock is not None:
            lock.close()
        raise StateUnusable(f"{exc}; nothing was sent. Use that version, or a newer one") from None
    except BaseException:
        if lock is not None:
            lock.close()
        raise
    return FileState(conn, profile, fingerprint, lock)
