"""The engine's per-partner state: shared by every engine (worker) on one file, the schema upgrade
of an existing database, keys that are never handed out twice, and the batched received log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.engine import SandboxEngine, store
from fpconsole.sandbox.engine.partner_state import FLUSH_AT, Received
from fpconsole.sandbox.errors import SandboxError

A, B = "100500", "777"
PERSON = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}


def _call(engine: SandboxEngine, name: str, partner: str, **fields: object) -> dict[str, object]:
    method = REGISTRY.get(name)
    assert method is not None
    return engine.handle(method, method.request.model_validate(fields), partner=partner)


def _card(engine: SandboxEngine, partner: str, n: int) -> str:
    _call(
        engine,
        "client.add",
        partner,
        request_id=f"00000000-0000-4000-8000-{n:012d}",
        product_id=2000,
        client=PERSON,
    )
    client_id = engine.snapshot(partner=partner)["clients"][-1]["client_id"]
    _call(
        engine,
        "card.issue",
        partner,
        request_id=f"00000000-0000-4000-9000-{n:012d}",
        product_id=2000,
        client_id=client_id,
    )
    card_id: str = engine.snapshot(partner=partner)["cards"][-1]["card_id"]
    return card_id


def test_controls_set_by_one_engine_are_read_by_another_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    with SandboxEngine(db, delay=0) as one, SandboxEngine(db, delay=0) as two:
        assert two.controls(A).faults is None and two.delay_for(A) == 0
        one.set_controls(A, faults={"error_rate": 1.0}, delay=5.0)
        assert two.controls(A).faults == {"error_rate": 1.0} and two.delay_for(A) == 5
        assert two.controls(B).faults is None and two.delay_for(B) == 0
        version = two.controls(A).version
        one.set_controls(A, delay=None)
        assert two.controls(A).version == version + 1 and two.delay_for(A) == 0
        assert two.controls(A).faults == {"error_rate": 1.0}  # untouched by a delay change


def test_schema_1_rows_survive_the_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "v1.sqlite3"
    conn = store.connect(db)
    with store.write(conn):
        for statement in store.MIGRATIONS[0]:
            conn.execute(statement)
        store._init_rows(conn, b"s" * 32)
        conn.execute(
            """INSERT INTO requests (seq, partner, request_id, method, payload, created_at, ready_at, status)
               VALUES (41, ?, 'r-1', 'client.add', '{}', '2025-01-01T00:00:00.000000Z',
                       '2025-01-01T00:00:00.000000Z', 'success')""",
            (A,),
        )
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with SandboxEngine(db, delay=0) as engine:
        rows = engine._conn.execute("SELECT seq, request_id FROM requests").fetchall()
        assert [tuple(r) for r in rows] == [(41, "r-1")]
        sql = engine._conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ledger'").fetchone()[0]
        assert "AUTOINCREMENT" in sql
        assert engine._conn.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
        # The next request takes a key after the old ones.
        _call(
            engine,
            "client.add",
            A,
            request_id="00000000-0000-4000-8000-000000000001",
            product_id=2000,
            client=PERSON,
        )
        assert engine._conn.execute("SELECT MAX(seq) FROM requests").fetchone()[0] == 42


def test_keys_freed_by_one_partners_reset_are_not_given_to_another(tmp_path: Path) -> None:
    with SandboxEngine(tmp_path / "s.sqlite3", delay=0) as engine:
        card = _card(engine, A, 1)
        engine.credit(card, Decimal(10), partner=A)
        before = {
            t: engine._conn.execute(f"SELECT MAX(rowid) FROM {t}").fetchone()[0]
            for t in ("requests", "card_events")
        }
        engine.reset(A)
        _card(engine, B, 2)
        after = {
            t: engine._conn.execute(f"SELECT MIN(rowid) FROM {t}").fetchone()[0]
            for t in ("requests", "card_events")
        }
        assert all(after[t] > before[t] for t in before), (before, after)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_each_partner_settles_by_its_own_clock() -> None:
    clock = FakeClock()
    with SandboxEngine(delay=60, clock=clock) as engine:
        _call(
            engine,
            "client.add",
            A,
            request_id="00000000-0000-4000-8000-000000000001",
            product_id=2000,
            client=PERSON,
        )
        _call(
            engine,
            "client.add",
            B,
            request_id="00000000-0000-4000-8000-000000000002",
            product_id=2000,
            client=PERSON,
        )
        result = engine.advance_clock(A, 120)
        assert result["settled"] == 1 and result["offset_s"] == 120
        assert engine.now(A) == clock.now + timedelta(seconds=120) and engine.now(B) == clock.now
        assert len(engine.snapshot(partner=A)["clients"]) == 1
        assert engine.snapshot(partner=B)["clients"] == []  # B's minute has not passed
        clock.now += timedelta(seconds=61)
        assert len(engine.snapshot(partner=B)["clients"]) == 1
        with pytest.raises(SandboxError) as too_far:
            engine.advance_clock(A, 101 * 366 * 86_400)
        assert too_far.value.field == "seconds"


def _entry(n: int) -> Received:
    return Received(
        "2026-03-01T06:00:00.000000Z",
        "card.info",
        "/v5/card-api/card/info",
        f"r-{n}",
        200,
        "ok",
        "success",
        None,
        1.0,
    )


def test_the_received_log_is_written_in_batches(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    with SandboxEngine(db, delay=0) as one, SandboxEngine(db, delay=0) as other_process:
        other_process.partners._buffer = None  # stands for a process of its own (no shared buffer)
        one.record_received(A, _entry(0))
        stored = other_process._conn.execute("SELECT COUNT(*) FROM received").fetchone()[0]
        assert stored == 0  # buffered: no write transaction per request
        for n in range(1, FLUSH_AT):
            one.record_received(A, _entry(n))
        # A full batch is written by a thread of its own (never the caller's: the event loop);
        # wait for it (the deadline only guards against hanging).
        deadline = time.monotonic() + 30
        while other_process._conn.execute("SELECT COUNT(*) FROM received").fetchone()[0] < FLUSH_AT:
            assert time.monotonic() < deadline, "the full batch was never written"
            time.sleep(0.01)
        one.record_received(A, _entry(FLUSH_AT))
        # A quiet process writes its last entries on a timer; wait for it.
        while other_process._conn.execute("SELECT COUNT(*) FROM received").fetchone()[0] < FLUSH_AT + 1:
            assert time.monotonic() < deadline, "the batch timer never wrote the last entry"
            time.sleep(0.01)
        assert [r["request_id"] for r in one.received(A, limit=2)] == [f"r-{FLUSH_AT}", f"r-{FLUSH_AT - 1}"]
        assert one.received(B) == []


def test_a_full_wipe_forgets_controls_backups_and_the_received_log() -> None:
    with SandboxEngine(delay=0) as engine:
        _card(engine, A, 1)
        engine.set_controls(A, delay=9.0, faults={"error_rate": 1.0})
        engine.save_backup(A, "x")
        engine.record_received(A, _entry(1))
        engine.reset()
        assert engine.controls(A).faults is None and engine.delay_for(A) == 0
        assert engine.list_backups(A) == [] and engine.received(A) == []
        assert _card(engine, A, 2) == "7001001"  # sequences start again
