"""The engine's write path: one write transaction per state-changing call (settling what came
due and recording the call commit together; with a delay of 0 the call settles in it too), a
refusal of the call keeps the settlements, and the received log and WAL checkpoints stay off the
request's thread."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.engine import SandboxEngine, store
from fpconsole.sandbox.engine.partner_state import FLUSH_AT, Received
from fpconsole.sandbox.errors import SandboxError

PARTNER = "100500"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def client_add(
    engine: SandboxEngine, request_id: str | None = None, phone: int = 77010000001
) -> dict[str, Any]:
    method = REGISTRY.resolve("client.add")
    body = {
        "request_id": request_id or str(uuid.uuid4()),
        "product_id": 2000,
        "client": {"phone": phone, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"},
    }
    return engine.handle(method, method.request.model_validate(body), partner=PARTNER)


def status(engine: SandboxEngine, request_id: str) -> dict[str, Any]:
    method = REGISTRY.resolve("request.status")
    return engine.handle(method, method.request.model_validate({"request_id": request_id}), partner=PARTNER)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SandboxEngine]:
    with SandboxEngine(tmp_path / "sandbox.sqlite3", delay=0, clock=Clock(), rng_seed=7) as made:
        yield made


def traced(engine: SandboxEngine) -> list[str]:
    statements: list[str] = []
    engine._conn.set_trace_callback(statements.append)
    return statements


@pytest.fixture
def delayed(tmp_path: Path) -> Iterator[tuple[SandboxEngine, Clock]]:
    """An engine whose writes stay in `process` for 5 s, and its clock."""
    clock = Clock()
    with SandboxEngine(tmp_path / "delayed.sqlite3", delay=5, clock=clock, rng_seed=7) as made:
        yield made, clock


def test_a_write_that_settles_the_one_before_commits_once(delayed: tuple[SandboxEngine, Clock]) -> None:
    engine, clock = delayed
    first = str(uuid.uuid4())
    client_add(engine, first)
    clock.now += timedelta(seconds=5)
    statements = traced(engine)
    answer = client_add(engine, phone=77010000002)
    assert answer["request_status"] == "process"
    begins = [s for s in statements if s.startswith("BEGIN")]
    commits = [s for s in statements if s == "COMMIT"]
    assert begins == ["BEGIN IMMEDIATE"] and len(commits) == 1, statements
    # The due request is read once, under the write lock, and settled as read.
    assert len([s for s in statements if s.startswith("SELECT") and "FROM requests" in s]) == 1, statements
    # ... and the one before did settle in it.
    engine._conn.set_trace_callback(None)
    assert status(engine, first)["request_status"] == "success"


def test_a_refused_write_keeps_what_it_settled(delayed: tuple[SandboxEngine, Clock]) -> None:
    engine, clock = delayed
    first = str(uuid.uuid4())
    client_add(engine, first)
    clock.now += timedelta(seconds=5)
    with pytest.raises(SandboxError) as refused:
        client_add(engine, first)  # the same request_id again
    assert refused.value.code == "duplicate_request_id"
    answer = status(engine, first)
    assert answer["request_status"] == "success" and answer["client_id"]


def test_a_refused_write_with_nothing_due_changes_nothing(engine: SandboxEngine) -> None:
    first = str(uuid.uuid4())
    client_add(engine, first)
    status(engine, first)  # settles it
    with pytest.raises(SandboxError):
        client_add(engine, first)
    rows = engine._conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    assert rows == 1


def _stored(engine: SandboxEngine, request_id: str) -> tuple[str, str | None]:
    """The request's status and error code as the file holds them (another connection: no
    engine call, which would settle what is due first)."""
    with closing(sqlite3.connect(str(engine.db))) as other:
        row = other.execute(
            "SELECT status, error_code FROM requests WHERE request_id = ?", (request_id,)
        ).fetchone()
    return str(row[0]), row[1]


def test_with_delay_0_a_write_is_settled_when_answered(engine: SandboxEngine) -> None:
    """Nothing is left for the next call: the write's own transaction records and applies it
    (it still answers `process`, as the API does)."""
    request_id = str(uuid.uuid4())
    statements = traced(engine)
    answer = client_add(engine, request_id)
    assert answer["request_status"] == "process"
    assert _stored(engine, request_id) == ("success", None)
    assert [s for s in statements if s == "COMMIT"] == ["COMMIT"], statements
    engine._conn.set_trace_callback(None)
    answer = status(engine, request_id)
    assert answer["request_status"] == "success" and answer["client_id"]


def test_with_delay_0_the_request_is_stored_once_with_its_outcome(engine: SandboxEngine) -> None:
    """Applied first, then inserted as settled: no row in `process` to update afterwards."""
    statements = traced(engine)
    client_add(engine)
    engine._conn.set_trace_callback(None)
    requests_written = [s for s in statements if "INTO requests" in s or "UPDATE requests" in s]
    assert len(requests_written) == 1 and "'success'" in requests_written[0], statements


def test_with_delay_0_a_refused_operation_is_stored_as_its_error(engine: SandboxEngine) -> None:
    method = REGISTRY.resolve("card.activate")
    request_id = str(uuid.uuid4())
    request = method.request.model_validate({"request_id": request_id, "card_id": "7999999"})
    answer = engine.handle(method, request, partner=PARTNER)
    assert answer["request_status"] == "process"
    assert _stored(engine, request_id) == ("error", "not_found")
    assert status(engine, request_id)["error_code"] == "not_found"


def test_with_delay_0_a_reused_request_id_applies_nothing(engine: SandboxEngine) -> None:
    request_id = str(uuid.uuid4())
    client_add(engine, request_id)
    with pytest.raises(SandboxError) as refused:
        client_add(engine, request_id, phone=77010000009)
    assert refused.value.code == "duplicate_request_id"
    assert engine._conn.execute("SELECT COUNT(*) FROM clients").fetchone()[0] == 1
    assert engine._conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 1


def test_a_write_settles_only_what_is_due_by_its_partners_clock(tmp_path: Path) -> None:
    clock = Clock()
    with SandboxEngine(tmp_path / "s.sqlite3", delay=5, clock=clock, rng_seed=7) as engine:
        first = str(uuid.uuid4())
        client_add(engine, first)
        client_add(engine, phone=77010000002)
        assert status(engine, first)["request_status"] == "process"
        clock.now += timedelta(seconds=5)
        client_add(engine, phone=77010000003)
        assert status(engine, first)["request_status"] == "success"


def test_one_flusher_thread_writes_every_batch_of_the_received_log(tmp_path: Path) -> None:
    """A thread started per batch made the request that filled it wait for the new thread to be
    scheduled; one long-lived flusher writes them all, and stops when the engine closes."""
    # Other tests of this worker may still be closing their own engines: only the flushers
    # started here are this engine's.
    before = set(_flushers())
    with SandboxEngine(tmp_path / "s.sqlite3", delay=0) as engine:
        for n in range(3 * FLUSH_AT):
            engine.record_received(PARTNER, _entry(n))
        deadline = time.monotonic() + 30  # guards against hanging only
        while engine._conn.execute("SELECT COUNT(*) FROM received").fetchone()[0] < 3 * FLUSH_AT:
            assert time.monotonic() < deadline, "the batches were never written"
            time.sleep(0.01)
        mine = set(_flushers()) - before
        assert len(mine) == 1
    assert not any(thread.is_alive() for thread in mine)


def test_the_engines_commits_leave_the_wal_checkpoint_to_the_flusher(engine: SandboxEngine) -> None:
    pages = engine._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert pages == store.ENGINE_AUTOCHECKPOINT_PAGES > 1000


def _flushers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sandbox-received-flush" and t.is_alive()]


def _entry(n: int) -> Received:
    return Received(
        at="2025-05-01T05:00:00.000000Z",
        method="card.info",
        path="/v5/card-api/card/info",
        request_id=f"r-{n}",
        http_status=200,
        status="ok",
        request_status="success",
        error_code=None,
        latency_ms=1.0,
    )
