"""Demo data: deterministic, every card status present, history that obeys the ledger rules."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.errors import SandboxError
from fpconsole.sandbox.seed import DEMO_PIN

PARTNER = "100500"
NOW = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)
# Statement extended needs its window (SPEC §3.17): one that holds everything the seed makes.
ALL_TIME = {"start_date": "2000-01-01T00:00:00Z", "end_date": "2100-01-01T00:00:00Z"}


def engine(db: str | Path = ":memory:") -> SandboxEngine:
    return SandboxEngine(db, delay=0, clock=lambda: NOW)


def call(eng: SandboxEngine, name: str, **body: Any) -> dict[str, Any]:
    method = REGISTRY.resolve(name)
    if "request_id" in method.request.model_fields:
        body.setdefault("request_id", str(uuid.uuid4()))
    return eng.handle(method, method.request.model_validate(body), partner=PARTNER)


def test_the_same_count_and_clock_give_the_same_data() -> None:
    first, second = engine(), engine()
    assert first.seed(20, partner=PARTNER) == second.seed(20, partner=PARTNER)
    snapshot = first.snapshot(partner=PARTNER)
    other = second.snapshot(partner=PARTNER)
    assert {**snapshot, "epoch": ""} == {**other, "epoch": ""}  # an epoch is each file's own
    for card in snapshot["cards"][:5]:
        for name, window in (("card.info", {}), ("card.statement_extended", ALL_TIME)):
            one = call(first, name, card_id=card["card_id"], **window)
            two = call(second, name, card_id=card["card_id"], **window)
            one.get("card", {}).pop("card_token", None)  # a secret: reproducible only with rng_seed
            two.get("card", {}).pop("card_token", None)
            assert one == two
    other = engine()
    other.seed(21, partner=PARTNER)
    assert other.snapshot(partner=PARTNER)["clients"][0] != snapshot["clients"][0]


@pytest.mark.parametrize("count", [1, 50])
def test_every_card_status_is_present(count: int) -> None:
    eng = engine()
    counts = eng.seed(count, partner=PARTNER)
    snapshot = eng.snapshot(partner=PARTNER)
    assert counts["clients"] == len(snapshot["clients"]) == count
    assert counts["cards"] == len(snapshot["cards"])
    assert counts["transactions"] == len(snapshot["transactions"])
    statuses = Counter(card["status"] for card in snapshot["cards"])
    assert set(statuses) == {"inactive", "active", "blocked", "closed"}
    unlinked = [card for card in snapshot["cards"] if card["client_id"] is None]
    assert len(unlinked) >= 2 and all(card["status"] == "inactive" for card in unlinked)
    infos = [call(eng, "card.info", card_id=card["card_id"])["card"] for card in snapshot["cards"]]
    locked = [info for info in infos if info["pin_set"] and info["pin_tries_left"] == 0]
    assert len(locked) == 1
    with pytest.raises(SandboxError) as caught:
        eng.verify_pin(locked[0]["card_id"], DEMO_PIN, partner=PARTNER)
    assert caught.value.code == "pin_locked"
    if count > 1:  # another seeded PIN works
        pinned = next(i for i in infos if i["pin_set"] and i["pin_tries_left"] == 3)
        assert eng.verify_pin(pinned["card_id"], DEMO_PIN, partner=PARTNER)
    plastic = {info["plastic_status"] for info in infos}
    assert plastic >= ({None, "delivered", "ordered"} if count > 1 else {None, "delivered"})
    transaction_statuses = {t["status"] for t in snapshot["transactions"]}
    assert {"cleared", "refunded", "error"} <= transaction_statuses


def test_seed_50_is_six_months_deep(tmp_path: Path) -> None:
    # How long seeding takes is measured by bench/sandbox_timings.py, not asserted here.
    eng = engine(tmp_path / "seeded.sqlite3")
    counts = eng.seed(50, partner=PARTNER)
    assert counts["transactions"] > 1000 and counts["operations"] > counts["transactions"]
    snapshot = eng.snapshot(partner=PARTNER)
    times = [datetime.fromisoformat(t["created_at"]) for t in snapshot["transactions"]]
    assert NOW - min(times) > timedelta(days=150) and max(times) <= NOW
    assert any(t["held"] and t["cleared"] for t in snapshot["transactions"]) or any(
        0 < t["refunded"] < t["cleared"] for t in snapshot["transactions"]
    )  # partial movements exist
    busiest = Counter(t["card_id"] for t in snapshot["transactions"]).most_common(1)[0][0]
    window = {"start_date": (NOW - timedelta(days=190)).isoformat(), "end_date": NOW.isoformat()}
    operations = call(eng, "card.statement", card_id=busiest, **window)["operations"]
    assert {op["type"] for op in operations} >= {"pay", "credit"}
    assert len({op["merchant"]["name"] for op in operations}) > 5
    assert len({op["mcc"] for op in operations}) > 4
    # limits the seed set are listed with counters
    first_client = snapshot["clients"][0]["client_id"]
    listed = call(eng, "limits.list", object={"type": "client", "value": first_client})["limits"]
    assert {limit["transaction_type"] for limit in listed} == {"pay", "withdrawal_atm"}
    eng.close()
    _assert_ledger_consistent(tmp_path / "seeded.sqlite3")


def _assert_ledger_consistent(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        for iban, balance, held, debit, credit in conn.execute(
            "SELECT iban, balance, held, debit, credit FROM accounts"
        ):
            sums = dict(
                conn.execute("SELECT type, SUM(amount) FROM ledger WHERE iban = ? GROUP BY type", (iban,))
            )
            assert credit == sums.get("credit", 0) + sums.get("refund", 0)
            assert debit == sums.get("pay", 0) + sums.get("withdrawal", 0)
            assert (balance, held) == (credit - debit, sums.get("hold", 0) - debit)
            assert 0 <= held <= balance
        mismatched = conn.execute(
            """SELECT COUNT(*) FROM transactions t
               WHERE t.cleared != COALESCE((SELECT SUM(amount) FROM ledger l
                   WHERE l.transaction_id = t.transaction_id AND l.type IN ('pay', 'withdrawal')), 0)
               OR t.refunded != COALESCE((SELECT SUM(amount) FROM ledger l
                   WHERE l.transaction_id = t.transaction_id AND l.type = 'refund'), 0)"""
        ).fetchone()[0]
        assert mismatched == 0
        # every ledger row happened while its card was not closed
        assert (
            conn.execute(
                """SELECT COUNT(*) FROM ledger l JOIN card_events e ON e.card_id = l.card_id
               WHERE e.to_status = 'closed' AND l.created_at > e.at"""
            ).fetchone()[0]
            == 0
        )
    finally:
        conn.close()


@pytest.mark.parametrize("count", [0, -1, 10_001])
def test_seed_refuses_silly_counts(count: int) -> None:
    with pytest.raises(SandboxError) as caught:
        engine().seed(count, partner=PARTNER)
    assert (caught.value.code, caught.value.field) == ("validation_error", "count")


def test_seeded_clients_look_real() -> None:
    eng = engine()
    eng.seed(30, partner=PARTNER)
    clients = eng.snapshot(partner=PARTNER)["clients"]
    assert len({c["phone"] for c in clients}) == 30
    assert all(str(c["phone"]).startswith("7701") and len(str(c["phone"])) == 11 for c in clients)
    assert all(c["first_name"].isupper() and c["first_name"].isascii() for c in clients)
    assert {c["product_id"] for c in clients} == {1000, 2000, 3000}
    assert [c["client_id"] for c in clients] == [f"CL-{100001 + i}" for i in range(30)]


def test_a_second_seed_leaves_the_existing_cards_alone() -> None:
    # POST /sandbox/seed on a database with data: the first run's limits, plastic orders and
    # PIN locks stay as they were (a second run once reset the first's limit, and its plastic
    # order on a card with one in flight refused the whole seed with invalid_state).
    eng = engine()
    eng.seed(3, partner=PARTNER)
    before = eng.snapshot(partner=PARTNER)["cards"]
    card_id = next(card["card_id"] for card in before if card["status"] == "active" and card["client_id"])
    limit = {"transaction_type": "pay", "period": "day", "amount": [{"type": "max", "value": "7"}]}
    call(eng, "limits.set", object={"type": "card", "value": card_id}, limits=[limit])
    infos = {card["card_id"]: call(eng, "card.info", card_id=card["card_id"])["card"] for card in before}

    eng.seed(3, partner=PARTNER)

    after = {card["card_id"]: call(eng, "card.info", card_id=card["card_id"])["card"] for card in before}
    assert after == infos
    (listed,) = call(eng, "limits.list", object={"type": "card", "value": card_id})["limits"]
    assert listed["max"] == "7"
    assert len(eng.snapshot(partner=PARTNER)["cards"]) > len(before)
