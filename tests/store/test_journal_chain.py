"""The journal's audit trail: operator, profile and reason on every entry, and a hash chain that
`journal verify` walks — intact, or broken at the first edited, deleted or reordered entry."""

from __future__ import annotations

import multiprocessing
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_events import Clock, answered, failed, sent, status_changed

from fpconsole.api.names import MethodName
from fpconsole.store import audit, db
from fpconsole.store.journal import MIGRATIONS, Journal


def _fill(journal: Journal, clock: Clock, count: int = 5) -> None:
    """Requests with a full life each: sent, process, then an answer or a failure."""
    for n in range(count):
        rid = f"r{n}"
        body = {"request_id": rid, "card_id": str(100 + n), "description": f"lost card {n}"}
        journal.record(sent(MethodName.CARD_BLOCK, rid, body, clock()))
        journal.record(answered(MethodName.CARD_BLOCK, rid, {}, clock(), request_status="process"))
        if n % 2:
            journal.record(failed(MethodName.CARD_BLOCK, rid, clock()))
        else:
            journal.record(status_changed(rid, "success", {}, clock(), method=MethodName.CARD_BLOCK))


def _ids(journal: Journal) -> list[int]:
    return [e.id for e in journal.entries(oldest_first=True, limit=1000)]


def test_entries_record_operator_profile_and_the_reason_typed(journal: Journal, clock: Clock) -> None:
    block = {"request_id": "b1", "card_id": "7", "description": "customer reported theft"}
    journal.record(sent(MethodName.CARD_BLOCK, "b1", block, clock()))
    refund = {"request_id": "f1", "transaction_id": "9", "description": "duplicate charge"}
    journal.record(sent(MethodName.TRANSACTION_REFUND, "f1", refund, clock()))
    # A description that is not a reason (a payment's own text) is not recorded as one.
    create = {"request_id": "c1", "description": "coffee"}
    journal.record(sent(MethodName.TRANSACTION_CREATE, "c1", create, clock()))
    by_id = {e.request_id: e for e in journal.entries()}
    assert by_id["b1"].operator == "qa@jumphost" and by_id["b1"].profile == "qa"
    assert by_id["b1"].reason == "customer reported theft"
    assert by_id["f1"].reason == "duplicate charge"
    assert by_id["c1"].reason is None and by_id["c1"].operator == "qa@jumphost"


def test_a_card_number_typed_as_a_reason_is_masked(journal: Journal, clock: Clock) -> None:
    body = {"request_id": "b1", "card_id": "7", "description": "card 4400430000000007 lost"}
    journal.record(sent(MethodName.CARD_BLOCK, "b1", body, clock()))
    entry = journal.get("b1")
    assert entry is not None and entry.reason == "card 440043******0007 lost"


def test_operator_follows_the_top_bar_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.USER_HOST_ENV, "anna@bastion-2")
    with Journal.open(tmp_path / "j.sqlite3", profile="qa") as journal:
        journal.record(
            sent(MethodName.CARD_INFO, None, {"card_id": "1"}, datetime.now(UTC), changes_state=False)
        )
        assert journal.entries()[0].operator == "anna@bastion-2"


def test_a_chain_of_requests_with_their_updates_is_intact(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    report = journal.verify()
    assert report.intact and report.problem is None
    assert report.entries == report.chained == 5 and report.before_chain == 0
    entries = journal.entries(oldest_first=True)
    assert entries[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_export_carries_the_chain_fields(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock, 2)
    exported = [e.to_json() for e in journal.entries(oldest_first=True)]
    assert {"operator", "reason", "prev_hash", "hash", "state_hash"} <= set(exported[0])
    assert exported[1]["prev_hash"] == exported[0]["hash"]
    assert exported[0]["reason"] == "lost card 0"


def _broken(journal: Journal) -> tuple[int | None, str]:
    report = journal.verify()
    assert not report.intact
    return report.broken_at, report.problem or ""


def test_an_edited_request_breaks_the_chain_at_that_entry(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    third = _ids(journal)[2]
    journal.conn.execute("UPDATE requests SET reason = 'routine' WHERE id = ?", (third,))
    broken_at, problem = _broken(journal)
    assert broken_at == third and "changed after it was written" in problem


def test_an_edited_outcome_breaks_the_chain_at_that_entry(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    second = _ids(journal)[1]
    journal.conn.execute("UPDATE requests SET outcome = 'success' WHERE id = ?", (second,))
    broken_at, problem = _broken(journal)
    assert broken_at == second and "outcome" in problem


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    ids = _ids(journal)
    journal.conn.execute("DELETE FROM requests WHERE id = ?", (ids[2],))
    broken_at, problem = _broken(journal)
    assert broken_at == ids[3] and f"does not follow #{ids[1]}" in problem and "deleted" in problem


def test_reordered_entries_break_the_chain(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    ids = _ids(journal)
    with db.write(journal.conn):
        journal.conn.execute("UPDATE requests SET id = -1 WHERE id = ?", (ids[1],))
        journal.conn.execute("UPDATE requests SET id = ? WHERE id = ?", (ids[1], ids[2]))
        journal.conn.execute("UPDATE requests SET id = ? WHERE id = -1", (ids[2],))
    broken_at, problem = _broken(journal)
    assert broken_at == ids[1] and "reordered" in problem


def test_deleting_the_newest_entries_is_seen(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    ids = _ids(journal)
    journal.conn.execute("DELETE FROM requests WHERE id >= ?", (ids[3],))
    broken_at, problem = _broken(journal)
    assert broken_at == ids[4] and f"after #{ids[2]} were deleted" in problem


def test_a_hash_removed_by_hand_is_seen(journal: Journal, clock: Clock) -> None:
    _fill(journal, clock)
    ids = _ids(journal)
    journal.conn.execute("UPDATE requests SET hash = NULL WHERE id = ?", (ids[4],))
    broken_at, problem = _broken(journal)
    assert broken_at == ids[4] and "no chain hash" in problem


def test_chains_are_per_profile(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path, profile="qa") as qa, Journal.open(path, profile="prod") as prod:
        for n in range(4):
            qa.record(sent(MethodName.CARD_INFO, f"q{n}", {}, clock(), changes_state=False))
            prod.record(sent(MethodName.CARD_INFO, f"p{n}", {}, clock(), changes_state=False))
        prod.conn.execute("UPDATE requests SET method = 'card.close' WHERE request_id = 'p1'")
        assert qa.verify().intact and qa.verify().chained == 4
        assert not prod.verify().intact


def test_a_journal_from_before_the_chain_gets_one_from_the_first_new_entry(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "journal.sqlite3"
    old, _ = db.open_database(path, MIGRATIONS[:1], label="request journal")
    for n in range(3):
        old.execute(
            "INSERT INTO requests (profile, request_id, method, outcome, sent_at, sent_ts, updated_at) "
            "VALUES ('qa', ?, 'card.info', 'success', '2025-03-01T09:00:00+00:00', 0, "
            "'2025-03-01T09:00:00+00:00')",
            (f"old{n}",),
        )
    old.close()
    with Journal.open(path, profile="qa", prune=False) as journal:
        assert journal.verify().intact and journal.verify().first_id is None
        _fill(journal, clock, 2)
        report = journal.verify()
        first_new = journal.entries(oldest_first=True)[3]
        assert report.intact and report.before_chain == 3 and report.chained == 2
        assert report.first_id == first_new.id and first_new.prev_hash == audit.GENESIS
        assert journal.entries(oldest_first=True)[0].operator is None  # not known then


def test_retention_keeps_the_chain_valid_and_says_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    now = datetime.now(UTC)
    with Journal.open(path, profile="qa") as journal:
        for n in range(30):
            at = now - timedelta(days=100 - n)  # the first 11 are older than 90 days
            journal.record(sent(MethodName.CARD_INFO, f"q{n}", {}, at, changes_state=False))
        removed_id = journal.entries(oldest_first=True, limit=20)[-1].id
        journal.prune(max_age_days=90, max_rows=10)
        report = journal.verify()
        assert report.intact and report.chained == 10 and report.pruned_before == removed_id
        journal.record(sent(MethodName.CARD_INFO, "later", {}, now, changes_state=False))
        assert journal.verify().intact
        # Retention's record is not a licence: deleting the first kept entry is still seen.
        first = journal.entries(oldest_first=True)[0].id
        journal.conn.execute("DELETE FROM requests WHERE id = ?", (first,))
        assert journal.verify().broken_at == first + 1


def test_everything_pruned_is_still_intact_and_the_next_entry_continues(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old = datetime.now(UTC) - timedelta(days=200)
    with Journal.open(path, profile="qa", prune=False) as journal:
        for n in range(3):
            journal.record(sent(MethodName.CARD_INFO, f"q{n}", {}, old, changes_state=False))
        journal.prune()
        assert journal.count() == 0 and journal.verify().intact
        journal.record(sent(MethodName.CARD_INFO, "new", {}, datetime.now(UTC), changes_state=False))
        assert journal.verify().intact


def _append(path: str, worker: int, count: int, start: Any) -> None:
    from store_events import sent as make_sent

    with Journal.open(Path(path), profile="qa", prune=False, operator=f"op{worker}@host") as journal:
        start.wait()  # both writers go at once, so their appends really interleave
        for n in range(count):
            rid = f"w{worker}-{n}"
            at = datetime.now(UTC)
            journal.record(make_sent(MethodName.CARD_BLOCK, rid, {"request_id": rid, "description": "x"}, at))
            journal.record(answered(MethodName.CARD_BLOCK, rid, {}, at))


@pytest.mark.slow
def test_two_processes_writing_at_once_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal.open(path, profile="qa").close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_append, args=(str(path), w, 150, start)) for w in range(2)]
    for worker in workers:
        worker.start()
    with Journal.open(path, profile="qa", prune=False) as journal:
        # Verified while they write: each verify reads a snapshot, so an entry appended
        # meanwhile is never taken for a broken tail.
        while any(worker.is_alive() for worker in workers):
            checked = journal.verify()
            assert checked.intact, checked.problem
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with Journal.open(path, profile="qa", prune=False) as journal:
        report = journal.verify()
        assert report.intact, report.problem
        assert report.chained == 300
        assert {e.operator for e in journal.entries(limit=300)} == {"op0@host", "op1@host"}


# Every stored column an edit could touch, but id and profile (which move an entry rather than
# change it: covered by the reorder and delete tests above).
EDITABLE = (
    "request_id",
    "method",
    "path",
    "target_ids",
    "request",
    "changes_state",
    "sent_at",
    "sent_ts",
    "operator",
    "reason",
    "prev_hash",
    "hash",
    "outcome",
    "error_code",
    "error_description",
    "latency_ms",
    "response",
    "updated_at",
    "changes",
    "state_hash",
)


def _other(value: object) -> object:
    if value is None:
        return "x"
    if isinstance(value, (int, float)):
        return value + 1
    return f"{value}x"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 6), pick=st.integers(0, 5), column=st.sampled_from(EDITABLE))
def test_any_edit_of_any_column_breaks_the_chain_at_that_entry(count: int, pick: int, column: str) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        Journal.open(Path(folder) / "j.sqlite3", profile="qa") as journal,
    ):
        _fill(journal, Clock(), count)
        target = _ids(journal)[pick % count]
        old = journal.conn.execute(f"SELECT {column} FROM requests WHERE id = ?", (target,)).fetchone()[0]
        journal.conn.execute(f"UPDATE requests SET {column} = ? WHERE id = ?", (_other(old), target))
        report = journal.verify()
        assert not report.intact and report.broken_at == target, (column, report.problem)
