"""The snapshot's `since`: only the clients, cards and transactions written after a revision an
earlier snapshot answered, and an `epoch` that changes whenever rows may have gone. The console
primes with it, so a start on an unchanged 100,000-client sandbox reads nothing, not 100 pages."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.control import snapshot as snapshot_route
from fpconsole.sandbox.engine import SandboxEngine, store
from fpconsole.sandbox.errors import SandboxError

PARTNER = "100500"
OTHER = "100501"
NOW = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)


def make_engine(db: str | Path = ":memory:") -> SandboxEngine:
    return SandboxEngine(db, delay=0, clock=lambda: NOW, rng_seed=7)


def run(engine: SandboxEngine, name: str, partner: str = PARTNER, **body: Any) -> dict[str, Any]:
    """Submit a state change and take its outcome (delay 0: the first poll has it)."""
    method = REGISTRY.resolve(name)
    body.setdefault("request_id", str(uuid.uuid4()))
    engine.handle(method, method.request.model_validate(body), partner=partner)
    status = REGISTRY.resolve("request.status")
    outcome = engine.handle(
        status, status.request.model_validate({"request_id": body["request_id"]}), partner=partner
    )
    assert outcome["request_status"] == "success", outcome
    return outcome


def ids(found: dict[str, Any]) -> dict[str, list[str]]:
    keys = {"clients": "client_id", "cards": "card_id", "transactions": "transaction_id"}
    return {kind: [item[key] for item in found[kind]] for kind, key in keys.items()}


def test_since_the_last_revision_nothing_is_sent_until_something_is_written() -> None:
    engine = make_engine()
    engine.seed(3, partner=PARTNER, history=False)
    whole = engine.snapshot(partner=PARTNER)
    assert whole["revision"] > 0 and whole["epoch"]
    assert len(whole["clients"]) == 3

    unchanged = engine.snapshot(partner=PARTNER, since=whole["revision"])
    assert ids(unchanged) == {"clients": [], "cards": [], "transactions": []}
    assert (unchanged["revision"], unchanged["epoch"]) == (whole["revision"], whole["epoch"])

    card = next(c for c in whole["cards"] if c["status"] == "active")
    run(engine, "card.block", card_id=card["card_id"], description="lost")
    changed = engine.snapshot(partner=PARTNER, since=whole["revision"])
    assert ids(changed)["cards"] == [card["card_id"]] and changed["cards"][0]["status"] == "blocked"
    assert changed["clients"] == [] and changed["revision"] > whole["revision"]


def test_a_new_client_a_new_card_and_a_transaction_are_each_sent_once_after_they_are_written() -> None:
    engine = make_engine()
    engine.seed(1, partner=PARTNER, history=False)
    mark = engine.snapshot(partner=PARTNER)["revision"]
    client_id = run(
        engine,
        "client.add",
        product_id=2000,
        client={"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "S"},
    )["client_id"]
    card_id = run(engine, "card.issue", product_id=2000, client_id=client_id)["cards"][0]["card_id"]
    run(engine, "card.activate", card_id=card_id)
    engine.credit(card_id, Decimal(100), partner=PARTNER)
    run(engine, "transaction.create", order_id="A-1", card_id=card_id, amount="10")

    found = engine.snapshot(partner=PARTNER, since=mark)
    assert ids(found)["clients"] == [client_id]
    assert ids(found)["cards"] == [card_id]  # issued, then activated: one row, its last state
    assert found["cards"][0]["status"] == "active"
    assert len(found["transactions"]) == 1
    assert engine.snapshot(partner=PARTNER, since=found["revision"])["transactions"] == []


def test_pages_since_a_revision_keep_the_lists_order_and_skip_nothing_written_meanwhile() -> None:
    engine = make_engine()
    engine.seed(5, partner=PARTNER, history=False)
    mark = engine.snapshot(partner=PARTNER)["revision"]
    engine.seed(2, partner=PARTNER, history=False)
    made = ids(engine.snapshot(partner=PARTNER))["clients"]  # oldest first, as every list
    newest_page = engine.snapshot(partner=PARTNER, since=mark, limit=1)
    assert ids(newest_page)["clients"] == [made[6]]

    # Between two pages the oldest client is updated: it joins what was written since, and the
    # next page, read at its offset, still holds the client it would have held.
    run(engine, "client.update", client_id=made[0], product_id=2000, client={"phone": 77010000001})
    rest = engine.snapshot(partner=PARTNER, since=mark, limit=10, offset=1)
    assert ids(rest)["clients"] == [made[0], made[5]]
    assert ids(engine.snapshot(partner=PARTNER, since=mark))["clients"] == [made[0], made[5], made[6]]


def test_the_epoch_changes_when_rows_may_have_gone_and_only_then() -> None:
    engine = make_engine()
    engine.seed(2, partner=PARTNER, history=False)
    engine.seed(1, partner=OTHER, history=False)

    def epoch(partner: str = PARTNER) -> str:
        return str(engine.snapshot(partner=partner, limit=1)["epoch"])

    start, other_start = epoch(), epoch(OTHER)
    card = engine.snapshot(partner=PARTNER)["cards"][-1]["card_id"]
    run(engine, "card.close", card_id=card, description="x")
    engine.save_backup(PARTNER, "before")
    assert epoch() == start  # writes and a backup taken: nothing went

    engine.load_backup(PARTNER, "before")
    loaded = epoch()
    assert loaded != start and epoch(OTHER) == other_start  # one partner's rows replaced

    engine.reset(PARTNER)
    after_reset = epoch()
    assert after_reset not in (start, loaded) and epoch(OTHER) == other_start

    engine.reset()  # every partner: a fresh database
    assert epoch() != after_reset and epoch(OTHER) != other_start


def test_two_sandbox_files_never_share_an_epoch(tmp_path: Path) -> None:
    """A profile pointed at another sandbox file must not take its revisions for this one's."""
    first, second = make_engine(tmp_path / "a.sqlite3"), make_engine(tmp_path / "b.sqlite3")
    try:
        assert first.snapshot(partner=PARTNER)["epoch"] != second.snapshot(partner=PARTNER)["epoch"]
    finally:
        first.close()
        second.close()


def test_a_file_from_before_revisions_gets_them_and_revises_what_is_written_next(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    engine = make_engine(db)
    engine.seed(2, partner=PARTNER, history=False)
    card = next(c for c in engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")["card_id"]
    engine.close()
    with sqlite3.connect(db) as conn:  # back to schema 3, as a file written before revisions
        for table in ("clients", "cards", "transactions"):
            conn.execute(f"DROP TRIGGER {table}_rev_insert")
            conn.execute(f"DROP TRIGGER {table}_rev_update")
            conn.execute(f"DROP INDEX {table}_rev")
            conn.execute(f"ALTER TABLE {table} DROP COLUMN rev")
        conn.execute("DELETE FROM sequences WHERE name = 'rev'")
        conn.execute("DELETE FROM meta WHERE key = 'epoch:'")
        conn.execute("PRAGMA user_version = 3")
    conn.close()

    engine = make_engine(db)
    try:
        whole = engine.snapshot(partner=PARTNER)
        assert len(whole["clients"]) == 2 and whole["revision"] == 0
        run(engine, "card.block", card_id=card, description="lost")
        assert ids(engine.snapshot(partner=PARTNER, since=0))["cards"] == [card]
    finally:
        engine.close()


def test_the_control_route_checks_since_and_answers_the_marks() -> None:
    class Runtime:
        engine = make_engine()

    Runtime.engine.seed(1, partner=PARTNER, history=False)
    answer = snapshot_route(Runtime(), PARTNER, {"since": 0})  # type: ignore[arg-type]
    assert answer["revision"] > 0 and answer["epoch"] and len(answer["clients"]) == 1
    with pytest.raises(SandboxError) as caught:
        snapshot_route(Runtime(), PARTNER, {"since": -1})  # type: ignore[arg-type]
    assert "since" in str(caught.value) and "whole number" in str(caught.value)


def test_revisions_come_from_one_sequence_the_writes_cannot_forget() -> None:
    """Triggers set `rev`, not each write path: an update that sets rev itself is left as is."""
    engine = make_engine()
    engine.seed(1, partner=PARTNER, history=False)
    conn = engine._conn
    with store.write(conn):
        before = store.revision(conn)
        conn.execute("UPDATE clients SET email = 'a@b.kz'")
        assert store.revision(conn) == before + 1
        conn.execute("UPDATE clients SET rev = 1")
        assert store.revision(conn) == before + 1
