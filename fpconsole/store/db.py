"""SQLite plumbing shared by the cache, the journal and the drafts.

- WAL with a busy timeout, so the console, `fpconsole call` and a second console can read and
  write the same files at once; writes retry on SQLITE_BUSY on top of the timeout.
- Schema versions in `PRAGMA user_version`, applied by a list of migrations; each migration
  runs in its own write transaction with its version bump, so a crash leaves the old or the
  new schema, never half of one.
- A file that is not a database, fails `PRAGMA quick_check`, or has a schema newer than this
  code is moved aside (kept for inspection, never deleted) and a fresh one is created; if the
  file cannot be created or moved at all, the session gets an in-memory database. Local state
  must never stop the console from starting.
- Files are created 0600 (SQLite gives -wal/-shm the same mode), folders 0700.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, TypeVar

from fpconsole.locations import display_path, ensure_private_dir

BUSY_TIMEOUT_MS: Final = 5000
WRITE_ATTEMPTS: Final = 6
FILE_MODE: Final = 0o600
# A full quick_check reads every page (~20 ms per 25 MB); it runs after an unclean shutdown
# (a -wal file was left behind) and otherwise at most once a day.
CHECK_EVERY_S: Final = 24 * 3600

_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_CORRUPT: Final = 11
_SQLITE_NOTADB: Final = 26

T = TypeVar("T")
Synchronous = Literal["OFF", "NORMAL", "FULL"]


class LocalStateWarning(UserWarning):
    """A local database was unusable and has been replaced (the old file is kept aside)."""


class UnusableDatabase(Exception):
    """The file opened but cannot be used: failed integrity check or unknown schema."""


@dataclass(frozen=True)
class Migration:
    version: int
    about: str
    apply: Callable[[sqlite3.Connection], None]


def sql_migration(version: int, about: str, *statements: str) -> Migration:
    def apply(conn: sqlite3.Connection) -> None:
        # One by one: executescript would COMMIT the migration's transaction first.
        for statement in statements:
            conn.execute(statement)

    return Migration(version, about, apply)


def error_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = error_code(exc)
    if code is not None:
        return code in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def is_corruption(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and error_code(exc) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def retry_busy(action: Callable[[], T], attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `action`, retrying when another process holds the write lock beyond busy_timeout."""
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * 2**attempt)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction. BEGIN IMMEDIATE takes the write lock up front: a deferred
    transaction that reads first can fail with SQLITE_BUSY_SNAPSHOT without waiting."""
    retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    conn.commit()


def _create_private_file(path: Path) -> None:
    if not path.exists():
        ensure_private_dir(path.parent)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    _tighten(path)


def _tighten(path: Path) -> None:
    """Make an existing database and its -wal/-shm 0600 before SQLite opens them: a file an
    older fpconsole, a copy or the sqlite3 shell left 0644 would otherwise stay readable by
    others, and SQLite gives new companions the database's own mode."""
    if os.name != "posix":
        return  # there the folder's ACL is what protects it
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        target = path.with_name(name)
        try:
            info = target.stat()
            if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
                os.chmod(target, FILE_MODE)
        except OSError:
            continue  # not there, or not ours: SQLite says what matters when it opens it


# SQLite's page cache per connection, in KiB (its default is 2,000). A list page, a lookup or a
# chunk of a prime touches a few dozen pages, which the operating system's file cache keeps hot
# anyway; at the default, the console's connections kept ~2 MiB each of a 100,000-row prime for
# the whole session, the largest part of what it held over the 70 MiB goal (issue 13). Measured
# with bench/store.py: the prime, searches and journal appends are as fast at 256.
PAGE_CACHE_KIB: Final = 256


def connect(path: Path | str, *, synchronous: Synchronous = "NORMAL") -> sqlite3.Connection:
    """An autocommit connection in WAL mode, usable from any thread (callers serialise)."""
    if str(path) != ":memory:":
        _create_private_file(Path(path))
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Switching to WAL needs a moment of exclusive access when another process is mid-write.
        retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
    except BaseException:
        conn.close()
        raise
    return conn


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> None:
    latest = migrations[-1].version
    version = user_version(conn)
    if version > latest:
        raise UnusableDatabase(f"schema version {version} is newer than this fpconsole knows ({latest})")
    for migration in migrations:
        if migration.version <= version:
            continue
        with write(conn):
            # Another process may have migrated while we waited for the lock.
            if user_version(conn) >= migration.version:
                continue
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {migration.version}")


def quick_check(conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [tuple(r) for r in rows] != [("ok",)]:
        raise UnusableDatabase(f"quick_check failed: {rows[0][0] if rows else 'no answer'}")


def _check_due(conn: sqlite3.Connection, wal_left_behind: bool) -> bool:
    if wal_left_behind:
        return True
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'checked_at'").fetchone()
    except sqlite3.OperationalError:
        return True  # no meta table yet: a new or very old file
    try:
        return row is None or time.time() - float(row[0]) > CHECK_EVERY_S
    except ValueError:
        return True


def _stamp_check(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('checked_at', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(time.time()),),
        )


META_TABLE: Final = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def move_aside(path: Path) -> Path:
    """Rename a broken database (and its -wal) to `<name>.corrupt-<timestamp>`."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    os.replace(path, target)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + "-wal"))
    with contextlib.suppress(FileNotFoundError):
        os.remove(path.with_name(path.name + "-shm"))
    return target


def open_database(
    path: Path,
    migrations: Sequence[Migration],
    *,
    label: str,
    verify: bool | None = None,
    synchronous: Synchronous = "NORMAL",
) -> tuple[sqlite3.Connection, Path | None]:
    """Open (or create) a database at the newest schema. Returns the connection and, when the
    old file had to be moved aside, where it went. `verify=None` checks integrity only when
    it is due (see CHECK_EVERY_S); True always; False never."""
    try:
        return _open(path, migrations, verify, synchronous), None
    except (sqlite3.DatabaseError, UnusableDatabase) as exc:
        if is_busy(exc):
            raise
        problem = str(exc) or type(exc).__name__
    except OSError as exc:
        # The folder or the file cannot be created (a file where the folder should be, a
        # read-only home): there is nothing to move aside, and the console must still start.
        reason = f"cannot be created ({_os_reason(exc)})"
        return _in_memory(path, migrations, label, synchronous, reason), None
    try:
        aside = move_aside(path)
    except OSError as exc:
        # Cannot even rename it: keep the console running on a throw-away database.
        reason = f"is unusable ({problem}) and could not be moved aside ({exc.strerror})"
        return _in_memory(path, migrations, label, synchronous, reason), None
    warnings.warn(
        f"the {label} {display_path(path)} was unusable ({problem}); it was moved to "
        f"{display_path(aside)} and a new, empty {label} was created",
        LocalStateWarning,
        stacklevel=3,
    )
    return _open(path, migrations, False, synchronous), aside


def _os_reason(exc: OSError) -> str:
    """`File exists: /home/me/.local/state/fpconsole`: which path was in the way matters."""
    reason = exc.strerror or type(exc).__name__
    return f"{reason}: {display_path(exc.filename)}" if exc.filename else reason


def _in_memory(
    path: Path, migrations: Sequence[Migration], label: str, synchronous: Synchronous, reason: str
) -> sqlite3.Connection:
    warnings.warn(
        f"the {label} {display_path(path)} {reason}; using a temporary in-memory {label} "
        "for this session (nothing will be kept)",
        LocalStateWarning,
        stacklevel=4,
    )
    conn = connect(":memory:", synchronous=synchronous)
    migrate(conn, migrations)
    return conn


def _open(
    path: Path, migrations: Sequence[Migration], verify: bool | None, synchronous: Synchronous
) -> sqlite3.Connection:
    wal_left_behind = path.with_name(path.name + "-wal").exists()
    existed = path.exists() and path.stat().st_size > 0
    conn = connect(path, synchronous=synchronous)
    try:
        # Reading the schema version is the first thing that fails on a file that is not SQLite.
        user_version(conn)
        check = existed and (verify if verify is not None else _check_due(conn, wal_left_behind))
        if check:
            quick_check(conn)
        migrate(conn, migrations)
        if check or not existed:
            _stamp_check(conn)
    except BaseException:
        conn.close()
        raise
    return conn
