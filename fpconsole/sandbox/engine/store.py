"""The sandbox's SQLite file: connection settings, schema migrations, transactions, sequences.

Every write runs inside `BEGIN IMMEDIATE`: the write lock is taken before the first read, so two
engines (threads or processes) on one file can never both read "1000 held" and both clear it.
Reads run in a deferred transaction so a multi-query answer sees one consistent snapshot.

Times are stored as fixed-width UTC text (`2025-05-01T04:30:00.000000Z`), which sorts and
compares correctly as text; amounts are integer minor units (tiyn), never floats.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

BUSY_TIMEOUT_S: Final = 30.0
# WAL pages after which an engine's commit checkpoints (SQLite's default: 1000). A checkpoint
# syncs the WAL and the database file (tens of milliseconds on a busy disk) in the thread that
# committed: on a served sandbox the received log's flusher (default threshold, a commit every
# 100 requests or 0.5 s, off every request) checkpoints long before the engines would; without it
# (the console's own engine) this bounds the WAL at about 40 MiB. Durability is the same: a
# checkpoint only moves committed pages from the WAL into the database file.
ENGINE_AUTOCHECKPOINT_PAGES: Final = 10_000
# SQLite's page cache per connection, in KiB (its default is 2,000): an answer or a snapshot
# page reads a few dozen pages, which the operating system's file cache keeps hot anyway. At
# the default, the embedded sandbox's connections held ~2 MiB of a console's memory after a
# prime of 100,000 clients (issue 13's 70 MiB goal). As fpconsole/store/db.py's PAGE_CACHE_KIB.
PAGE_CACHE_KIB: Final = 256

# Starting values: the first client is CL-100001, the first card 7001001.
SEQUENCE_STARTS: Final[dict[str, int]] = {
    "client": 100_000,
    "card": 7_001_000,
    "transaction": 0,
    "rrn": 0,
}

# The first schema. Never edit an applied migration: append a new one.
_SCHEMA_1: Final[tuple[str, ...]] = (
    """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)""",
    # The async request table (SPEC §2). payload is the request with secrets removed:
    # the PIN is replaced by its salted hash, the ID document by its size.
    """CREATE TABLE requests (
            seq INTEGER PRIMARY KEY,
            partner TEXT NOT NULL,
            request_id TEXT NOT NULL,
            method TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            ready_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('process', 'success', 'error')),
            settled_at TEXT,
            client_id TEXT,
            cards TEXT NOT NULL DEFAULT '[]',
            transaction_id TEXT,
            error_code TEXT,
            error_description TEXT,
            UNIQUE (partner, request_id)
        )""",
    """CREATE INDEX requests_due ON requests (ready_at, seq) WHERE status = 'process'""",
    """CREATE TABLE clients (
            client_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            partner TEXT NOT NULL,
            product_id INTEGER NOT NULL,
            branch_id TEXT,
            phone INTEGER NOT NULL,
            type INTEGER NOT NULL,
            resident INTEGER NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            middle_name TEXT,
            birthdate TEXT,
            email TEXT,
            country TEXT,
            person_id TEXT,
            language TEXT,
            document_size INTEGER,
            external_user_id TEXT,
            address1 TEXT,
            address2 TEXT,
            identification_info TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    """CREATE INDEX clients_partner ON clients (partner, seq)""",
    """CREATE TABLE cards (
            card_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            partner TEXT NOT NULL,
            product_id INTEGER NOT NULL,
            client_id TEXT REFERENCES clients (client_id),
            pan TEXT NOT NULL UNIQUE,
            expiry TEXT NOT NULL,
            cvv TEXT NOT NULL,
            card_token TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,
            status_reason TEXT,
            pin_hash TEXT,
            pin_salt TEXT,
            pin_tries_left INTEGER NOT NULL CHECK (pin_tries_left >= 0),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    """CREATE INDEX cards_partner ON cards (partner, seq)""",
    """CREATE INDEX cards_client ON cards (client_id)""",
    """CREATE TABLE card_events (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL REFERENCES cards (card_id),
            at TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            reason TEXT,
            request_id TEXT
        )""",
    """CREATE INDEX card_events_card ON card_events (card_id, id)""",
    """CREATE TABLE plastic_orders (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL REFERENCES cards (card_id),
            branch_id TEXT,
            ordered_at TEXT NOT NULL,
            stage_seconds REAL NOT NULL,
            request_id TEXT
        )""",
    """CREATE INDEX plastic_orders_card ON plastic_orders (card_id, id)""",
    # The CHECKs are the last line of defence: even a bug cannot overdraw an account.
    """CREATE TABLE accounts (
            iban TEXT PRIMARY KEY,
            card_id TEXT NOT NULL UNIQUE REFERENCES cards (card_id),
            partner TEXT NOT NULL,
            currency TEXT NOT NULL,
            balance INTEGER NOT NULL DEFAULT 0,
            held INTEGER NOT NULL DEFAULT 0,
            debit INTEGER NOT NULL DEFAULT 0,
            credit INTEGER NOT NULL DEFAULT 0,
            CHECK (held >= 0),
            CHECK (balance >= held)
        )""",
    """CREATE TABLE transactions (
            transaction_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            partner TEXT NOT NULL,
            request_id TEXT,
            card_id TEXT NOT NULL,
            order_id TEXT NOT NULL,
            description TEXT,
            kind TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK (amount > 0),
            currency TEXT NOT NULL,
            status TEXT NOT NULL,
            error_code TEXT,
            error_description TEXT,
            held INTEGER NOT NULL DEFAULT 0,
            cleared INTEGER NOT NULL DEFAULT 0,
            refunded INTEGER NOT NULL DEFAULT 0,
            mcc INTEGER,
            merchant_name TEXT,
            merchant_city TEXT,
            merchant_country TEXT,
            rrn TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (held >= 0 AND cleared >= 0 AND refunded >= 0),
            CHECK (held + cleared <= amount),
            CHECK (refunded <= cleared)
        )""",
    """CREATE INDEX transactions_partner ON transactions (partner, seq)""",
    """CREATE INDEX transactions_card ON transactions (card_id, created_at)""",
    """CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            partner TEXT NOT NULL,
            card_id TEXT NOT NULL REFERENCES cards (card_id),
            iban TEXT NOT NULL REFERENCES accounts (iban),
            type TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK (amount > 0),
            currency TEXT NOT NULL,
            created_at TEXT NOT NULL,
            mcc INTEGER,
            merchant_name TEXT,
            merchant_city TEXT,
            merchant_country TEXT,
            rrn TEXT,
            transaction_id TEXT REFERENCES transactions (transaction_id),
            request_id TEXT
        )""",
    """CREATE INDEX ledger_card ON ledger (card_id, created_at)""",
    """CREATE INDEX ledger_transaction ON ledger (transaction_id)""",
    """CREATE TABLE limits (
            id INTEGER PRIMARY KEY,
            partner TEXT NOT NULL,
            object_type TEXT NOT NULL,
            object_value TEXT NOT NULL,
            transaction_type TEXT NOT NULL,
            period TEXT NOT NULL,
            region TEXT,
            max_amount INTEGER NOT NULL,
            currency TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (partner, object_type, object_value, transaction_type, period, currency)
        )""",
)

# Tables whose integer key SQLite picks (max + 1). Without AUTOINCREMENT a key freed by one
# partner's reset could be handed to another partner's new row, and loading the first partner's
# backup (which carries the old key) would then collide; a ledger id is also a fin_document_id.
_SQLITE_KEYED: Final = {
    "requests": "seq",
    "card_events": "id",
    "plastic_orders": "id",
    "ledger": "id",
    "limits": "id",
}


def _never_reused(table: str, key: str) -> tuple[str, ...]:
    """Rebuild `table` from its first-schema definition with an AUTOINCREMENT key (SQLite cannot
    alter a key in place): copy, swap, and recreate its indexes. Nothing references these tables."""
    (create,) = (s for s in _SCHEMA_1 if re.match(rf"\s*CREATE TABLE {table} \(", s))
    new = create.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_v2 (", 1)
    new = new.replace(f"{key} INTEGER PRIMARY KEY,", f"{key} INTEGER PRIMARY KEY AUTOINCREMENT,", 1)
    assert new.count("AUTOINCREMENT") == 1, table
    indexes = tuple(s for s in _SCHEMA_1 if re.match(rf"\s*CREATE INDEX \w+ ON {table} \(", s))
    return (
        new,
        f"INSERT INTO {table}_v2 SELECT * FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_v2 RENAME TO {table}",
        *indexes,
    )


def _revised(table: str) -> tuple[str, ...]:
    """A `rev` column that every insert and update sets to the next value of the 'rev' sequence.
    Triggers, not code in each write: a write path added later cannot forget it. (The inner
    UPDATE does not fire the update trigger again: SQLite's recursive triggers are off, and the
    WHEN skips an update that set rev itself.)"""
    bump = f"""BEGIN
            UPDATE sequences SET value = value + 1 WHERE name = 'rev';
            UPDATE {table} SET rev = (SELECT value FROM sequences WHERE name = 'rev')
                WHERE rowid = NEW.rowid;
        END"""
    return (
        f"ALTER TABLE {table} ADD COLUMN rev INTEGER NOT NULL DEFAULT 0",
        f"CREATE INDEX {table}_rev ON {table} (partner, rev)",
        f"CREATE TRIGGER {table}_rev_insert AFTER INSERT ON {table} {bump}",
        f"CREATE TRIGGER {table}_rev_update AFTER UPDATE ON {table} WHEN NEW.rev = OLD.rev {bump}",
    )


# One tuple of statements per schema version; user_version records how many were applied.
# Never edit an applied migration: append a new one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    _SCHEMA_1,
    # 2: per-partner controls (faults, delay, clock), what each partner sent, named backups; and
    # ids that are never handed out twice (see _never_reused), so a backup loads back exactly.
    (
        *(statement for table, key in _SQLITE_KEYED.items() for statement in _never_reused(table, key)),
        """CREATE TABLE partner_state (
            partner TEXT PRIMARY KEY,
            faults TEXT,
            delay REAL,
            clock_offset_s REAL NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 0
        )""",
        # Metadata of what the sandbox received; never a body, so never a PAN, CVV, PIN or secret.
        """CREATE TABLE received (
            id INTEGER PRIMARY KEY,
            partner TEXT NOT NULL,
            at TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            request_id TEXT,
            http_status INTEGER NOT NULL,
            status TEXT NOT NULL,
            request_status TEXT,
            error_code TEXT,
            latency_ms REAL NOT NULL
        )""",
        """CREATE INDEX received_partner ON received (partner, id)""",
        """CREATE TABLE backups (
            partner TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL,
            counts TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (partner, name)
        )""",
    ),
    # 3: deleting a partner's accounts (reset, backup load) checks the ledger's foreign key to
    # each; without an index on it every account cost a scan of the whole ledger (300 demo
    # clients: a load took 10.7 s, see bench/sandbox_backup.py).
    ("""CREATE INDEX ledger_iban ON ledger (iban)""",),
    # 4: a revision on every client, card and transaction, so the console primes only what
    # changed since its last prime (a 100,000-client sandbox was read whole at every start).
    (
        "INSERT OR IGNORE INTO sequences (name, value) VALUES ('rev', 0)",
        # Random, not the salt: a sandbox started with a fixed seed has the same salt every time.
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch:', lower(hex(randomblob(8))))",
        *(statement for table in ("clients", "cards", "transactions") for statement in _revised(table)),
    ),
)

# Every table holding sandbox state, children first so foreign keys never object to a wipe.
DATA_TABLES: Final = (
    "ledger",
    "limits",
    "transactions",
    "accounts",
    "plastic_orders",
    "card_events",
    "cards",
    "clients",
    "requests",
)


SQLITE_HEADER: Final = b"SQLite format 3\x00"
# The database and the files SQLite keeps next to it in WAL mode.
_COMPANIONS: Final = ("", "-wal", "-shm", "-journal", "-lock")


def is_file_target(db: str | Path) -> bool:
    target = str(db)
    return target not in ("", ":memory:") and not target.startswith("file::memory:")


def make_private(db: str | Path) -> list[str]:
    """chmod 0600 the database and its -wal/-shm files: they hold full (fake) PANs and CVVs.
    Returns the files that were readable by others. Files of another user are left alone."""
    tightened = []
    for suffix in _COMPANIONS:
        path = f"{db}{suffix}"
        try:
            info = os.stat(path)
            if info.st_mode & 0o077 and info.st_uid == os.getuid():
                os.chmod(path, 0o600)
                tightened.append(path)
        except OSError:
            continue  # absent, or not ours to change: SQLite reports what matters when it opens
    return tightened


def check_file(db: str | Path) -> str | None:
    """Why an existing file cannot be the sandbox's database, or None. Reads only: a file that
    is not ours (a text file, another program's database) is never touched."""
    try:
        with open(db, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not head:
        return None  # empty: SQLite makes a database of it
    if head != SQLITE_HEADER:
        return "is not a SQLite database"
    try:
        conn = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_S)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"cannot be opened as a SQLite database ({exc})"
    if version == 0 and not tables:
        return None  # an empty database: migrate() makes it a sandbox one
    if not tables >= _SANDBOX_TABLES:
        return f"is {_whose(tables)}, not a sandbox database"
    if version > len(MIGRATIONS):
        return f"was made by a newer fpconsole (schema {version}, this one knows {len(MIGRATIONS)})"
    return None


# Every sandbox database has the first migration's tables; fpconsole's own files (journal,
# cache, drafts, bulk state) share some names with it ("requests", "meta"), so one name is
# not enough to tell them apart.
_SANDBOX_TABLES: Final = frozenset(
    match.group(1)
    for statement in _SCHEMA_1
    if (match := re.match(r"\s*CREATE TABLE (\w+)", statement)) is not None
)
# A table only that file of fpconsole's has -> what the file is, for the message.
_OWN_FILES: Final = (
    ("bulk_batches", "fpconsole's bulk resume state (bulk.sqlite3)"),
    ("drafts", "fpconsole's form drafts"),
    ("transactions", "fpconsole's entity cache"),
    ("requests", "fpconsole's request journal"),
)


def _whose(tables: set[str]) -> str:
    for table, what in _OWN_FILES:
        if table in tables:
            return what
    return "a SQLite database of another program"


def connect(
    db: str | Path, *, autocheckpoint_pages: int | None = None, take_turns: bool = True
) -> sqlite3.Connection:
    """Open (and create or upgrade) the sandbox database.

    isolation_level=None hands transaction control to us: the stdlib's implicit BEGIN is a
    deferred one, which would let two writers read the same balance before either locks.
    check_same_thread=False because the engine serialises its own calls with a lock and the
    ASGI app may call it from a thread pool. autocheckpoint_pages: see
    ENGINE_AUTOCHECKPOINT_PAGES (None: SQLite's default). take_turns=False: this connection's
    writes do not queue on the file's FileWriteLock (only on SQLite's own lock), for a writer
    whose commits checkpoint the WAL, which must not hold up every other writer meanwhile.
    """
    target = str(db)
    if is_file_target(target):
        # Created private before SQLite writes card secrets into it; SQLite gives its -wal and
        # -shm files the database's mode, whatever the umask.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        make_private(target)
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
        factory=_Connection,
    )
    if is_file_target(target) and take_turns:
        conn.write_lock = _file_write_lock(target)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    if is_file_target(target):
        _enter_wal(conn)
        # NORMAL: WAL commits are not synced one by one (a checkpoint syncs); a process that
        # stops or crashes loses nothing, a power cut may lose the last commits, never corrupt.
        conn.execute("PRAGMA synchronous = NORMAL")
        if autocheckpoint_pages is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint_pages)}")
    return conn


def _enter_wal(conn: sqlite3.Connection) -> None:
    """WAL lets readers in other processes go on while one process writes.

    Switching a new file to WAL needs it to itself, and SQLite answers "database is locked" at
    once, without waiting out the busy timeout, while another connection (a second engine
    thread or worker opening the same new file) holds it. So wait here, up to the same
    timeout; a file already in WAL (every open after the first) returns at the first check."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def migrate(conn: sqlite3.Connection, *, salt: bytes) -> None:
    """Bring the schema up to date; safe when several processes open a new file at once,
    because the version is read again under the write lock. A file already up to date is not
    written: opening it then waits for no writer (a second engine thread opened while a long
    write was under way, the demo history say, held up the read it was opened for)."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= len(MIGRATIONS):
        return
    with write(conn):
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements:
                conn.execute(statement)
            if number == 1:
                _init_rows(conn, salt)
            # PRAGMA does not take parameters; number is our own integer.
            conn.execute(f"PRAGMA user_version = {int(number)}")


def _init_rows(conn: sqlite3.Connection, salt: bytes) -> None:
    # The salt keys the derived secrets (CVV, card token); it belongs to the file, so every
    # process that opens it derives the same values.
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)", (salt.hex(),))
    conn.executemany("INSERT OR IGNORE INTO sequences (name, value) VALUES (?, ?)", SEQUENCE_STARTS.items())


def mark_seeded(conn: sqlite3.Connection, partner: str) -> None:
    """The partner has had its demo data (or was emptied on purpose): a start does not seed it."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (f"seeded:{partner}",))


def was_seeded(conn: sqlite3.Connection, partner: str) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (f"seeded:{partner}",)).fetchone() is not None


# The demo data written in two steps (seed.py): step 1 leaves this mark, with what step 2 needs,
# in its transaction; step 2 removes it in its own. A start cut off between the two finds it.
_PENDING_HISTORY: Final = "seed-history:"


def mark_pending_history(conn: sqlite3.Connection, partner: str, what: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_PENDING_HISTORY + partner, what))


def pending_history(conn: sqlite3.Connection, partner: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_PENDING_HISTORY + partner,)).fetchone()
    return None if row is None else str(row[0])


def clear_pending_history(conn: sqlite3.Connection, partner: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (_PENDING_HISTORY + partner,))


# A partner's data "epoch": it changes whenever rows may have gone (a reset, a loaded backup, a
# wipe). Revisions only say what was written; a console that primed before a new epoch starts
# again from nothing rather than keep rows the sandbox no longer has.
_EPOCH: Final = "epoch:"


def revision(conn: sqlite3.Connection) -> int:
    """The newest revision written to any client, card or transaction (0 before any)."""
    row = conn.execute("SELECT value FROM sequences WHERE name = 'rev'").fetchone()
    return 0 if row is None else int(row[0])


def epoch(conn: sqlite3.Connection, partner: str) -> str:
    """The file's (random when made, new at each wipe) and the partner's: another sandbox file's
    revisions are never taken for this one's."""
    found = dict(conn.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", (_EPOCH, _EPOCH + partner)))
    return f"{found.get(_EPOCH, '')}.{found.get(_EPOCH + partner, '0')}"


def new_epoch(conn: sqlite3.Connection, partner: str | None = None) -> None:
    """The partner's rows (or, without one, every partner's) may be gone: call inside the write
    transaction that removes them."""
    key = _EPOCH if partner is None else _EPOCH + partner
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, os.urandom(8).hex()))


def read_salt(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    return bytes.fromhex(str(row[0]))


class _Connection(sqlite3.Connection):
    """A connection that knows its file's write lock (None: a private database)."""

    write_lock: FileWriteLock | None = None


# How often a writer waiting for another process looks again: from 0.1 ms, doubling, to 1 ms.
_POLL_FIRST_S: Final = 0.0001
_POLL_MOST_S: Final = 0.001


class FileWriteLock:
    """Whose turn it is to write a database file, taken around every write transaction on it.

    Why: SQLite's busy handler does not wake a waiting writer when the lock frees; it sleeps 1, 2,
    5, 10 ... 100 ms between tries. Engine threads (and the received log's flusher) and the worker
    processes of `serve --workers N` that queued on each other through it lost most of their time
    asleep with the lock free (the bench's writes: half of each write's time, p99 100-300 ms).

    One per file and process: a thread lock (the next thread starts as soon as the last one is
    done), then an flock on a companion file FILE-lock (another process's writer is looked for
    again within a millisecond). Waiting ends after the busy timeout as SQLite's own would, with
    "database is locked". Without the companion file (a folder that refuses it) only SQLite's
    own lock stays, as before."""

    def __init__(self, target: str) -> None:
        self.path = f"{target}-lock"
        self._threads = threading.RLock()
        self._depth = 0  # re-entries of the owning thread: the flock is taken once
        self._fd: int | None = None
        self._fd_pid = 0

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._depth == 0 and not self._lock_file(deadline):
            self._threads.release()
            return False
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        fd = self._file()
        if fd is None:
            return True
        pause = _POLL_FIRST_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                pass
            except OSError:
                return True  # a file system without flock: SQLite's lock alone, as before
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MOST_S)

    def _file(self) -> int | None:
        # Reopened in a forked child: a shared open file would share the flock with the parent.
        if self._fd is None or self._fd_pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                self._fd = None
            self._fd_pid = os.getpid()
        return self._fd


_WRITE_LOCKS: dict[str, FileWriteLock] = {}
_WRITE_LOCKS_GUARD: Final = threading.Lock()


def _file_write_lock(target: str) -> FileWriteLock:
    key = os.path.realpath(target)
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(key)
        if lock is None:
            lock = _WRITE_LOCKS[key] = FileWriteLock(key)
        return lock


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: the write lock is taken up front (BEGIN IMMEDIATE), after the
    file's FileWriteLock."""
    lock = getattr(conn, "write_lock", None)
    if lock is None:
        yield from _write(conn)
        return
    if not lock.acquire(BUSY_TIMEOUT_S):
        raise sqlite3.OperationalError("database is locked (another writer held it too long)")
    try:
        yield from _write(conn)
    finally:
        lock.release()


def _write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: all queries inside see the same committed state. Inside a
    transaction already (the engine's one_read), the queries simply join it."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    """A nested undo point inside a write transaction: a refused operation leaves no trace,
    while the surrounding transaction still records why it was refused."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def next_value(conn: sqlite3.Connection, name: str) -> int:
    """The next number of a named sequence; call inside a write transaction."""
    row = conn.execute(
        "UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value", (name,)
    ).fetchone()
    if row is None:
        raise KeyError(f"no sequence {name!r}")
    return int(row[0])


def wipe(conn: sqlite3.Connection) -> None:
    """Delete all sandbox state (the schema and the salt stay): every partner's data, controls,
    received log and backups (a backup's ids would collide with the restarted sequences)."""
    with write(conn):
        for table in (*DATA_TABLES, "backups", "received", "partner_state"):
            conn.execute(f"DELETE FROM {table}")
        new_epoch(conn)
        conn.executemany(
            "UPDATE sequences SET value = ? WHERE name = ?",
            [(start, name) for name, start in SEQUENCE_STARTS.items()],
        )
