"""How the sandbox uses SQLite transactions on a file database: an API read (its caller's fault
settings and its answer) is one read transaction on the engine's connection, what came due still
settles before it, and the engines of one process queue for the write lock among themselves
(and the worker processes on one file among themselves) instead of through SQLite's busy
handler, which sleeps instead of waking when the lock frees."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox import control
from fpconsole.sandbox.app import ApiEndpoint, create_app
from fpconsole.sandbox.engine import SandboxEngine, store
from fpconsole.sandbox.engine.partner_state import Received
from fpconsole.sandbox.settings import SandboxSettings

PARTNER = BUILTIN_SANDBOX_AUTH_ID


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(tmp_path: Path, clock: Clock) -> Iterator[SandboxEngine]:
    with SandboxEngine(tmp_path / "sandbox.sqlite3", delay=5, clock=clock, rng_seed=7) as made:
        yield made


def _call(engine: SandboxEngine, method_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One signed API call through the app's endpoint, in this thread (the engine's thread)."""
    app = create_app(SandboxSettings.default(db=str(engine.db), delay=5), engine)
    method = REGISTRY.resolve(method_name)
    endpoint = app.direct[method.path]  # type: ignore[attr-defined]
    assert isinstance(endpoint, ApiEndpoint)
    body = json.dumps({"request_id": str(uuid.uuid4()), **fields}).encode()
    signed = sign(body, uri=method.path, auth_id=PARTNER, secret=BUILTIN_SANDBOX_SECRET)
    scope = {
        "type": "http",
        "method": "POST",
        "path": method.path,
        "query_string": b"",
        "headers": [(HEADER_NAME.lower().encode("latin-1"), signed.encode())],
    }
    heard = control.Heard(method.name, method.path)
    call = endpoint._first_pass(scope, body, heard)
    assert call.answer is not None
    answer: dict[str, Any] = json.loads(call.answer[1])
    return answer


def _add_client(engine: SandboxEngine) -> str:
    answer = _call(
        engine,
        "client.add",
        {
            "product_id": 2000,
            "client": {"phone": 77010000001, "type": 1, "resident": 1, "first_name": "A", "last_name": "B"},
        },
    )
    assert answer["request_status"] == "process", answer
    return str(answer["dt"])


def test_an_api_read_is_one_read_transaction_with_its_fault_settings(engine: SandboxEngine) -> None:
    statements: list[str] = []
    engine._conn.set_trace_callback(statements.append)
    answer = _call(engine, "card.info", {"card_id": "7999999"})
    engine._conn.set_trace_callback(None)
    assert answer["error_code"] == "not_found"
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT", statements
    assert statements.count("BEGIN") == 1 and statements.count("COMMIT") == 1, statements
    # The fault settings were read in it, not through a connection of their own.
    assert "FROM partner_state WHERE partner =" in statements[1], statements
    assert engine.partners._reader is None


def test_a_read_still_settles_what_came_due_before_answering(engine: SandboxEngine, clock: Clock) -> None:
    method = REGISTRY.resolve("client.add")
    request_id = str(uuid.uuid4())
    fields = {
        "request_id": request_id,
        "product_id": 2000,
        "client": {"phone": 77010000001, "type": 1, "resident": 1, "first_name": "A", "last_name": "B"},
    }
    engine.handle(method, method.request.model_validate(fields), partner=PARTNER)
    assert _call(engine, "request.status", {"request_id": request_id})["request_status"] == "process"
    clock.now += timedelta(seconds=5)
    answer = _call(engine, "request.status", {"request_id": request_id})
    assert answer["request_status"] == "success" and answer["client_id"], answer
    assert not engine._conn.in_transaction


def test_engines_of_one_process_share_the_files_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    with SandboxEngine(db, delay=0) as one, SandboxEngine(db, delay=0) as two:
        assert one._conn.write_lock is not None  # type: ignore[attr-defined]
        assert one._conn.write_lock is two._conn.write_lock  # type: ignore[attr-defined]
    with SandboxEngine(":memory:", delay=0) as private:
        assert getattr(private._conn, "write_lock", None) is None


def test_a_second_writer_of_the_process_waits_for_the_first_without_sqlites_busy_wait(
    tmp_path: Path,
) -> None:
    """With SQLite's busy timeout at 0, a writer meeting a held write lock fails at once ("database
    is locked"); queued on the process's lock, it starts when the first commits."""
    db = tmp_path / "s.sqlite3"
    first, second = store.connect(db), store.connect(db)
    first.execute("CREATE TABLE written (key TEXT)")
    second.execute("PRAGMA busy_timeout = 0")
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold() -> None:
        with store.write(first):
            first.execute("INSERT INTO written VALUES ('first')")
            holding.set()
            release.wait(60)

    def write_next() -> None:
        try:
            with store.write(second):
                second.execute("INSERT INTO written VALUES ('second')")
        except BaseException as exc:
            failures.append(exc)
        done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(60)  # guards against hanging only
    writer = threading.Thread(target=write_next)
    writer.start()
    release.set()
    holder.join(60)
    writer.join(60)
    assert done.is_set() and not failures, failures
    assert [row[0] for row in first.execute("SELECT key FROM written")] == ["first", "second"]
    first.close()
    second.close()


def test_a_write_lock_held_too_long_is_reported_as_sqlite_would(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    conn = store.connect(db)
    lock = conn.write_lock  # type: ignore[attr-defined]
    assert lock is not None
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        assert lock.acquire(60)
        taken.set()
        release.wait(60)
        lock.release()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(60)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(store, "BUSY_TIMEOUT_S", 0.01)
            with pytest.raises(sqlite3.OperationalError, match="locked"), store.write(conn):
                pass
    finally:
        release.set()
        holder.join(60)
        conn.close()


_HOLD_A_WRITE = """
import sys
from fpconsole.sandbox.engine import store
conn = store.connect(sys.argv[1])
with store.write(conn):
    conn.execute("INSERT INTO written VALUES ('other process')")
    print("holding", flush=True)
    sys.stdin.readline()
conn.close()
"""


def test_a_writer_waits_for_another_process_without_sqlites_busy_wait(tmp_path: Path) -> None:
    """`serve --workers N`: the processes queue on the file's companion lock (FILE-lock), so a
    writer whose SQLite busy timeout is 0 still gets its turn once the other process commits."""
    db = tmp_path / "s.sqlite3"
    conn = store.connect(db)
    conn.execute("CREATE TABLE written (key TEXT)")
    conn.execute("PRAGMA busy_timeout = 0")
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_WRITE, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdin is not None and other.stdout is not None
    try:
        assert other.stdout.readline().strip() == "holding"
        done, failures = threading.Event(), []

        def write_next() -> None:
            try:
                with store.write(conn):
                    conn.execute("INSERT INTO written VALUES ('this process')")
            except BaseException as exc:
                failures.append(exc)
            done.set()

        writer = threading.Thread(target=write_next)
        writer.start()
        other.stdin.write("go\n")
        other.stdin.flush()
        assert other.wait(60) == 0
        writer.join(60)
        assert done.is_set() and not failures, failures
        written = [row[0] for row in conn.execute("SELECT key FROM written")]
        assert written == ["other process", "this process"]
        assert (tmp_path / "s.sqlite3-lock").stat().st_mode & 0o077 == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
        conn.close()


def test_the_received_logs_writer_does_not_hold_up_the_engines_turn(tmp_path: Path) -> None:
    """Its commits checkpoint the WAL (syncing files) after SQLite's lock is released: queued on
    the file's FileWriteLock, every engine's write would wait for that sync too."""
    with SandboxEngine(tmp_path / "s.sqlite3", delay=0) as engine:
        engine.record_received(PARTNER, _received())
        engine.partners.flush()
        buffer = engine.partners._buffer
        assert buffer is not None and buffer._writer is not None
        assert getattr(buffer._writer, "write_lock", None) is None
        assert engine._conn.write_lock is not None  # type: ignore[attr-defined]


def _received() -> Received:
    return Received(
        at="2025-05-01T05:00:00.000000Z",
        method="card.info",
        path="/v5/card-api/card/info",
        request_id="r-1",
        http_status=200,
        status="ok",
        request_status="success",
        error_code=None,
        latency_ms=1.0,
    )
