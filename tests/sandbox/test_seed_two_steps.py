"""The demo data in two steps (the console's first start: clients and cards first, their history
once they are listed) ends with exactly the rows and ids one step writes, and a start cut off
between the two steps, or during the second, still ends with the whole demo data."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sandbox_digest import data_digest

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.app import open_engine
from fpconsole.sandbox.engine import cards, store
from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.sandbox.settings import SandboxSettings
from fpconsole.session import EMBEDDED_SEED_CLIENTS, embedded_transport

START = datetime(2026, 5, 14, 9, 30, tzinfo=timezone(timedelta(hours=5)))


def digest(engine: SandboxEngine) -> str:
    """Every row of every table, in insertion order (as test_seed_same_data takes it); the
    seeded mark aside, and the meta table's salt, which a file's first opening draws."""
    # The seeded mark and the salt aside; a pending history mark must be gone.
    return data_digest(engine._conn, skip_meta=lambda key: not key.startswith("seed-history:"))


def one_step(count: int) -> tuple[dict[str, int], str]:
    engine = SandboxEngine(db=":memory:", delay=0, clock=lambda: START, rng_seed=7)
    try:
        return engine.seed(count, partner=PARTNER), digest(engine)
    finally:
        engine.close()


def transactions_in(engine: SandboxEngine) -> int:
    return len(engine.snapshot(partner=PARTNER, limit=100_000)["transactions"])


@pytest.mark.parametrize("count", [1, 3, 40])
def test_two_steps_write_the_rows_and_ids_one_step_writes(count: int) -> None:
    clock = [START]
    engine = SandboxEngine(db=":memory:", delay=0, clock=lambda: clock[0], rng_seed=7)
    try:
        first = engine.seed(count, partner=PARTNER, history=False)
        assert first["clients"] == count and first["transactions"] == 0
        assert engine.needs_demo_history(PARTNER) and not engine.needs_demo_data(PARTNER)
        assert transactions_in(engine) == 0  # the bulk of the rows is left for the second step
        clock[0] = START + timedelta(seconds=3)  # the second step comes later: same data anyway
        stats = engine.seed_history(PARTNER)
        assert not engine.needs_demo_history(PARTNER)
        assert (stats, digest(engine)) == one_step(count)
        assert engine.seed_history(PARTNER) == {}  # once only
    finally:
        engine.close()


def test_a_second_step_cut_off_leaves_nothing_and_is_done_again_later(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.sqlite3")
    engine = SandboxEngine(db=db, delay=0, clock=lambda: START, rng_seed=7)
    engine.seed(3, partner=PARTNER, history=False)
    calls = 0

    def cut_off() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # as a kill would, inside the second step's transaction

    with pytest.raises(KeyboardInterrupt):
        engine.seed_history(PARTNER, between=cut_off)
    assert engine.needs_demo_history(PARTNER) and transactions_in(engine) == 0  # rolled back
    engine.close()

    again = SandboxEngine(db=db, delay=0, clock=lambda: START + timedelta(minutes=5), rng_seed=7)
    try:
        stats = again.seed_history(PARTNER)
        assert (stats, digest(again)) == one_step(3)
    finally:
        again.close()


def open_embedded(db: Path, *, history_later: bool) -> None:
    transport = embedded_transport(delay=0, db=str(db), history_later=history_later)
    assert transport.runtime.engine is not None  # opening it is what seeds
    transport.runtime.close()


def state_of(db: Path) -> tuple[int, int, bool]:
    """(clients, transactions, history still pending), read by an engine that seeds nothing."""
    engine = open_engine(SandboxSettings.default(db=str(db), delay=0))
    try:
        snapshot = engine.snapshot(partner=PARTNER, limit=100_000)
        return len(snapshot["clients"]), len(snapshot["transactions"]), engine.needs_demo_history(PARTNER)
    finally:
        engine.close()


def test_a_first_start_cut_off_between_the_steps_gets_the_whole_data_at_the_next_start(
    tmp_path: Path,
) -> None:
    db = tmp_path / "sandbox.sqlite3"
    open_embedded(db, history_later=True)  # the console's first start, closed before step 2
    assert state_of(db) == (EMBEDDED_SEED_CLIENTS, 0, True)

    open_embedded(db, history_later=True)  # the console again: step 2 is still its to ask for
    assert state_of(db) == (EMBEDDED_SEED_CLIENTS, 0, True)

    open_embedded(db, history_later=False)  # `fpconsole call`: the whole data before its call
    clients, transactions, pending = state_of(db)
    assert (clients, pending) == (EMBEDDED_SEED_CLIENTS, False) and transactions > 0

    open_embedded(db, history_later=False)  # and never twice
    assert state_of(db) == (clients, transactions, False)


def test_a_sandbox_emptied_between_the_steps_gets_no_history(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    open_embedded(db, history_later=True)
    engine = open_engine(SandboxSettings.default(db=str(db), delay=0))
    engine.reset(PARTNER)
    assert not engine.needs_demo_history(PARTNER)
    assert engine.seed_history(PARTNER) == {}
    engine.close()
    open_embedded(db, history_later=False)
    assert state_of(db) == (0, 0, False)


def test_a_wiped_sandbox_drops_the_pending_history_instead_of_failing(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    open_embedded(db, history_later=True)
    engine = open_engine(SandboxSettings.default(db=str(db), delay=0))
    engine.reset()  # every partner's data (the meta marks stay)
    try:
        assert engine.seed_history(PARTNER) == {}
        assert not engine.needs_demo_history(PARTNER)
    finally:
        engine.close()
    open_embedded(db, history_later=False)  # never seeded whole: the next start seeds it anew
    clients, transactions, pending = state_of(db)
    assert (clients, pending) == (EMBEDDED_SEED_CLIENTS, False) and transactions > 0


def test_while_the_history_is_written_another_engine_opens_and_reads_the_data_before_it(
    tmp_path: Path,
) -> None:
    # The console's reads go to engine threads started on demand: a new one opening on the file
    # waited for the history's write lock (~1 s at the console's pace), its read with it.
    db = str(tmp_path / "sandbox.sqlite3")
    writer = SandboxEngine(db=db, delay=0, rng_seed=7)
    writer.seed(3, partner=PARTNER, history=False)
    seen: list[tuple[int, int, bool]] = []

    def read_meanwhile() -> None:
        if seen:
            return
        reader_result: list[tuple[int, int, bool]] = []

        def read() -> None:
            reader = SandboxEngine(db=db, delay=0)
            try:
                snapshot = reader.snapshot(partner=PARTNER, limit=100_000)
                pending = reader.needs_demo_history(PARTNER)
                reader_result.append((len(snapshot["clients"]), len(snapshot["transactions"]), pending))
            finally:
                reader.close()

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        thread.join(20)  # only guards against a hang: the read is answered at once or never
        seen.append(reader_result[0] if reader_result else (-1, -1, True))

    try:
        assert writer.seed_history(PARTNER, between=read_meanwhile)
        # Answered during the write, and with none of the history: it is one transaction.
        assert seen == [(3, 0, True)]
        assert transactions_in(writer) > 0
    finally:
        writer.close()


def test_a_card_closed_by_hand_between_the_steps_keeps_its_state_and_the_rest_gets_its_history() -> None:
    engine = SandboxEngine(db=":memory:", delay=0, clock=lambda: START, rng_seed=7)
    try:
        engine.seed(3, partner=PARTNER, history=False)
        # The second card is to be blocked by its history: closed first, that block is refused.
        with store.write(engine._conn):
            ctx = engine._ctx(START, PARTNER)
            card_id = str(
                engine._conn.execute("SELECT card_id FROM cards ORDER BY seq LIMIT 1 OFFSET 1").fetchone()[0]
            )
            cards.change_status(ctx, card_id=card_id, action="close", reason="closed by hand")
        stats = engine.seed_history(PARTNER)
        assert not engine.needs_demo_history(PARTNER) and not engine.needs_demo_data(PARTNER)
        whole, _ = one_step(3)
        assert 0 < stats["transactions"] < whole["transactions"]  # all but that card's history
        card = engine._conn.execute("SELECT status, status_reason FROM cards WHERE card_id = ?", (card_id,))
        assert tuple(card.fetchone()) == ("closed", "closed by hand")
        reasons = [
            r[0] for r in engine._conn.execute("SELECT reason FROM card_events WHERE card_id = ?", (card_id,))
        ]
        assert reasons == ["issued", None, "closed by hand"]  # none lost, none twice
    finally:
        engine.close()
