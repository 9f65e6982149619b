"""Journal: what each event writes, reading it back, pending requests, retention, scrubbing."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from store_events import T0, Clock, answered, failed, sent, status_changed

from fpconsole.store.journal import Journal

PAN = "4400431234567894"  # passes Luhn


def test_a_request_with_its_timeline(journal: Journal, clock: Clock) -> None:
    body = {"request_id": "r1", "card_id": "7001", "description": "lost"}
    journal.record(sent("card.block", "r1", body, clock()))
    entry = journal.get("r1")
    assert entry is not None and entry.outcome == "sent" and entry.changes == []
    assert entry.method == "card.block" and entry.path == "/v5/card-api/card/block"
    assert entry.target_ids == {"card_id": "7001"} and entry.request == body and entry.changes_state

    journal.record(answered("card.block", "r1", {}, clock(), request_status="process"))
    journal.record(status_changed("r1", "success", {"cards": []}, clock(5), method="card.block"))
    entry = journal.get("r1")
    assert entry is not None
    assert entry.outcome == "success" and entry.latency_ms == 12.5
    assert [(c.status, c.at) for c in entry.changes] == [
        ("process", T0 + timedelta(seconds=2)),
        ("success", T0 + timedelta(seconds=7)),
    ]
    assert entry.sent_at == T0 + timedelta(seconds=1)
    assert entry.response == {"status": "ok", "request_status": "success", "cards": []}


def test_outcomes_for_errors_and_failures(journal: Journal, clock: Clock) -> None:
    journal.record(sent("card.activate", "a", {"request_id": "a", "card_id": "1"}, clock()))
    journal.record(
        answered(
            "card.activate",
            "a",
            {"error_code": "invalid_state"},
            clock(),
            status="error",
            request_status=None,
            error_code="invalid_state",
            error_description="card 1 is closed",
        )
    )
    journal.record(sent("card.close", "b", {"request_id": "b", "card_id": "1"}, clock()))
    journal.record(failed("card.close", "b", clock(), unknown=True))
    journal.record(sent("card.info", "c", {"request_id": "c", "card_id": "1"}, clock(), changes_state=False))
    journal.record(failed("card.info", "c", clock(), unknown=False))
    by_id = {e.request_id: e for e in journal.entries()}
    assert by_id["a"].outcome == "error" and by_id["a"].error_code == "invalid_state"
    assert by_id["a"].error_description == "card 1 is closed"
    assert by_id["b"].outcome == "unknown" and by_id["b"].error_code == "TimedOut"
    assert by_id["b"].latency_ms == 30000.0
    assert by_id["c"].outcome == "failed"


def test_entries_filters_and_paging(journal: Journal, clock: Clock) -> None:
    for n in range(30):
        method = "card.info" if n % 3 else "card.block"
        rid = f"req-{n:02d}"
        body = {"request_id": rid, "card_id": f"70{n:02d}"}
        journal.record(sent(method, rid, body, clock(60), changes_state=method == "card.block"))
        journal.record(answered(method, rid, {}, clock(), request_status="success" if n % 2 else "process"))
    everything = journal.entries(limit=100)
    assert [e.request_id for e in everything[:3]] == ["req-29", "req-28", "req-27"]  # newest first
    assert journal.count() == 30
    paged = [e.request_id for off in range(0, 30, 8) for e in journal.entries(limit=8, offset=off)]
    assert paged == [e.request_id for e in everything]
    assert {e.method for e in journal.entries(method="card.block")} == {"card.block"}
    assert journal.count(method="card.block") == 10
    assert journal.count(status="process") == 15
    since = T0 + timedelta(seconds=61 * 20)
    assert all(e.sent_at >= since for e in journal.entries(since=since)) and journal.count(since=since) == 10
    assert [e.request_id for e in journal.entries(query="7007")] == ["req-07"]  # a target id
    assert journal.count(query="req-1") == 10 and journal.count(query="block") == 10
    oldest = journal.entries(limit=2, oldest_first=True)
    assert [e.request_id for e in oldest] == ["req-00", "req-01"]
    # Changes only: the reads (card.info) left out, with paging and the other filters.
    changes = journal.entries(limit=100, changes_only=True)
    assert {e.method for e in changes} == {"card.block"} and journal.count(changes_only=True) == 10
    assert [e.request_id for e in journal.entries(limit=2, offset=1, changes_only=True)] == [
        "req-24",
        "req-21",
    ]
    assert journal.count(query="req-1", changes_only=True) == 3  # req-12, req-15, req-18


def test_pending_is_what_to_poll_again(journal: Journal, clock: Clock) -> None:
    def send(method: str, rid: str, changes: bool = True) -> None:
        journal.record(sent(method, rid, {"request_id": rid}, clock(), changes_state=changes))

    send("card.block", "in-process")
    journal.record(answered("card.block", "in-process", {}, clock(), request_status="process"))
    send("card.close", "timed-out")
    journal.record(failed("card.close", "timed-out", clock()))
    send("card.issue", "cut-off")  # the process died before an answer
    send("card.unblock", "done")
    journal.record(answered("card.unblock", "done", {}, clock(), request_status="process"))
    journal.record(status_changed("done", "success", {}, clock(), method="card.unblock"))
    send("card.info", "read", changes=False)
    # A retry with the same request_id that got its answer settles the earlier attempt.
    send("card.activate", "retried")
    journal.record(failed("card.activate", "retried", clock()))
    send("card.activate", "retried")
    journal.record(answered("card.activate", "retried", {}, clock()))
    assert sorted(e.request_id or "" for e in journal.pending()) == ["cut-off", "in-process", "timed-out"]
    # A manual request/status poll reports the original's end.
    send("request.status", "in-process", changes=False)
    journal.record(answered("request.status", "in-process", {}, clock(), request_status="success"))
    assert sorted(e.request_id or "" for e in journal.pending()) == ["cut-off", "timed-out"]
    original = journal.get("in-process")
    assert original is not None and original.method == "card.block" and original.outcome == "success"


def test_a_failed_poll_never_replaces_a_final_status(journal: Journal, clock: Clock) -> None:
    # QA: sent → unknown → success → error, where the last was request/status's own injected
    # error (status: error, request_status: error) overwriting the known success.
    journal.record(sent("card.activate", "act", {"request_id": "act", "card_id": "7001"}, clock()))
    journal.record(failed("card.activate", "act", clock(), unknown=True, error="ConnectionDropped"))
    journal.record(sent("request.status", "act", {"request_id": "act"}, clock(), changes_state=False))
    journal.record(answered("request.status", "act", {}, clock(), request_status="success"))
    injected = {"error_code": "injected_error"}
    for _ in range(2):  # later polls from the CLI, answered by the fault injector
        journal.record(sent("request.status", "act", {"request_id": "act"}, clock(), changes_state=False))
        journal.record(
            answered(
                "request.status",
                "act",
                injected,
                clock(),
                status="error",
                request_status="error",
                error_code="injected_error",
                error_description="injected error: the request was not applied",
            )
        )
    original = journal.get("act")
    assert original is not None and original.method == "card.activate"
    assert original.outcome == "success"
    assert [c.status for c in original.changes] == ["unknown", "success"]
    assert original.error_description != "injected error: the request was not applied"
    polls = journal.entries(method="request.status")
    assert [p.outcome for p in polls] == ["error", "error", "success"]  # each poll keeps its own
    assert journal.pending() == []


def test_a_final_status_wins_over_a_later_one_that_disagrees(
    journal: Journal, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    journal.record(sent("card.block", "b", {"request_id": "b", "card_id": "7001"}, clock()))
    journal.record(answered("card.block", "b", {}, clock(), request_status="process"))
    journal.record(status_changed("b", "success", {"cards": []}, clock(), method="card.block"))
    with caplog.at_level("WARNING", logger="fpconsole.store.journal"):
        journal.record(status_changed("b", "error", {}, clock(), method="card.block", previous="success"))
        journal.record(status_changed("b", "process", {}, clock(), method="card.block"))
        journal.record(failed("card.block", "b", clock()))
    entry = journal.get("b")
    assert entry is not None and entry.outcome == "success"
    assert [c.status for c in entry.changes] == ["process", "success"]
    assert entry.response == {"status": "ok", "request_status": "success", "cards": []}
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 3 and all("card.block b already ended success" in line for line in logged)
    assert "a later error is ignored" in logged[0]
    # The same final status again is no disagreement, and no new step of the timeline.
    journal.record(sent("request.status", "b", {"request_id": "b"}, clock(), changes_state=False))
    journal.record(answered("request.status", "b", {}, clock(), request_status="success"))
    assert len(caplog.records) == 3
    entry = journal.get("b")
    assert entry is not None and [c.status for c in entry.changes] == ["process", "success"]


def test_an_error_outcome_is_not_replaced_by_a_later_success(journal: Journal, clock: Clock) -> None:
    journal.record(sent("card.close", "c", {"request_id": "c", "card_id": "7001"}, clock()))
    journal.record(answered("card.close", "c", {}, clock(), request_status="error", error_code="limit"))
    journal.record(sent("request.status", "c", {"request_id": "c"}, clock(), changes_state=False))
    journal.record(answered("request.status", "c", {}, clock(), request_status="success"))
    entry = journal.get("c")
    assert entry is not None and entry.outcome == "error" and entry.error_code == "limit"


def test_cancelled_calls(journal: Journal, clock: Clock) -> None:
    # A read cancelled after sending (the Cards screen's cursor moved on): nothing to poll.
    journal.record(sent("card.info", "read", {"request_id": "read"}, clock(), changes_state=False))
    journal.record(failed("card.info", "read", clock(), unknown=False, error="Cancelled"))
    # A state change cancelled after sending: its outcome is unknown, poll it again.
    journal.record(sent("card.block", "block", {"request_id": "block"}, clock()))
    journal.record(failed("card.block", "block", clock(), unknown=True, error="Cancelled"))
    read, block = journal.get("read"), journal.get("block")
    assert read is not None and read.outcome == "cancelled" and read.error_code == "Cancelled"
    assert [c.status for c in read.changes] == ["cancelled"]
    assert block is not None and block.outcome == "unknown" and block.error_code == "Cancelled"
    assert [e.request_id for e in journal.pending()] == ["block"]
    assert journal.count(status="sent") == 0


def test_status_after_a_restart_finds_the_row(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path, profile="qa") as first:
        first.record(sent("card.block", "r1", {"request_id": "r1"}, clock()))
        first.record(answered("card.block", "r1", {}, clock(), request_status="process"))
    with Journal.open(path, profile="qa") as second:
        assert [e.request_id for e in second.pending()] == ["r1"]
        second.record(status_changed("r1", "success", {}, clock()))  # the tracker lost the method
        assert second.pending() == [] and second.count() == 1
        second.record(status_changed("ghost", "error", {}, clock()))  # never seen: still recorded
        ghost = second.get("ghost")
        assert ghost is not None and ghost.outcome == "error"


def test_profiles_are_separate(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path, profile="qa") as qa, Journal.open(path, profile="prod") as prod:
        qa.record(sent("card.block", "same-id", {"request_id": "same-id"}, clock()))
        prod.record(sent("card.block", "same-id", {"request_id": "same-id"}, clock()))
        prod.record(answered("card.block", "same-id", {}, clock()))
        qa_entry, prod_entry = qa.get("same-id"), prod.get("same-id")
        assert qa_entry is not None and prod_entry is not None
        assert qa_entry.outcome == "sent" and prod_entry.outcome == "success"


def test_last_scrub_before_writing(journal: Journal, clock: Clock) -> None:
    request = {
        "request_id": "r1",
        "card_id": "7001",
        "pin": "1234",
        "nested": {"CVV": "123", "note": f"card {PAN} lost", "pan": "440043******7894"},
        "number": int(PAN),
    }
    journal.record(sent("card.set_pin", "r1", request, clock()))
    journal.record(
        answered(
            "card.set_pin",
            "r1",
            {"data": {"secret": "x", "cvc": "999"}},
            clock(),
            status="error",
            error_description=f"bad card {PAN}",
        )
    )
    stored = journal.conn.execute("SELECT request, response, error_description FROM requests").fetchone()
    text = " ".join(stored)
    assert PAN not in text and '1234"' not in text and '"123"' not in text and "999" not in text
    entry = journal.get("r1")
    assert entry is not None and entry.request is not None
    assert entry.request["pin"] == "[redacted]" and entry.request["nested"]["CVV"] == "[redacted]"
    assert entry.request["nested"]["note"] == "card 440043******7894 lost"
    assert entry.request["number"] == "440043******7894"
    assert entry.error_description == "bad card 440043******7894"


def test_retention_by_age_and_size(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    now = datetime.now(UTC)
    with Journal.open(path, profile="qa") as qa, Journal.open(path, profile="prod") as prod:
        for n in range(50):
            at = now - timedelta(days=100 - n)  # the first 11 are older than 90 days
            qa.record(sent("card.info", f"q{n}", {}, at, changes_state=False))
        for n in range(30):
            prod.record(sent("card.info", f"p{n}", {}, now, changes_state=False))
        removed = qa.prune(max_age_days=90, max_rows=20)
        assert qa.count() == 20 and prod.count() == 20
        assert removed == 50 - 20 + 30 - 20
        assert [e.request_id for e in qa.entries(limit=1)] == ["q49"]
        assert [e.request_id for e in prod.entries(oldest_first=True, limit=1)] == ["p10"]


def test_prune_runs_at_open_at_most_hourly(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    old = datetime.now(UTC) - timedelta(days=200)
    with Journal.open(path, profile="qa") as journal:  # prunes now, stamps the time
        journal.record(sent("card.info", "old", {}, old, changes_state=False))
    with Journal.open(path, profile="qa") as journal:  # not due yet: kept
        assert journal.count() == 1
        journal.conn.execute("UPDATE meta SET value = '0' WHERE key = 'pruned_at'")
    with Journal.open(path, profile="qa") as journal:
        assert journal.count() == 0


def test_to_json_round_trips(journal: Journal, clock: Clock) -> None:
    journal.record(sent("card.block", "r1", {"request_id": "r1", "card_id": "1"}, clock()))
    journal.record(answered("card.block", "r1", {}, clock()))
    entry = journal.get("r1")
    assert entry is not None
    data = json.loads(json.dumps(entry.to_json()))
    assert data["outcome"] == "success" and data["changes"][0]["status"] == "success"
    assert data["sent_at"].startswith("2025-03-01T09:00:01")


def _append(path: str, worker: int, count: int, start: Any) -> None:
    from store_events import sent as make_sent

    with Journal.open(Path(path), profile="qa", prune=False) as journal:
        start.wait()  # both writers go at once, so their appends really interleave
        for n in range(count):
            rid = f"w{worker}-{n}"
            journal.record(
                make_sent("card.info", rid, {"request_id": rid}, datetime.now(UTC), changes_state=False)
            )


@pytest.mark.slow
def test_two_processes_appending_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal.open(path, profile="qa").close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_append, args=(str(path), w, 500, start)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*), count(DISTINCT request_id) FROM requests").fetchone() == (
        1000,
        1000,
    )
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_a_poll_under_either_name_of_request_status_is_a_poll(journal: Journal, clock: Clock) -> None:
    # transaction.request_status is request/status under its other name (the registry's entry):
    # its row (an older journal's, say) is a poll, never the request it asks about.
    journal.record(sent("transaction.refund", "r1", {"request_id": "r1"}, clock()))
    journal.record(answered("transaction.refund", "r1", {}, clock(), request_status="process"))
    journal.record(answered("transaction.request_status", "r1", {}, clock(), request_status="success"))
    entry = journal.get("r1")
    assert entry is not None and entry.method == "transaction.refund" and entry.outcome == "success"
    assert journal.pending() == []


def test_an_answer_without_status_that_its_model_took_is_a_success(journal: Journal, clock: Clock) -> None:
    # statement_extended's envelope may leave `status` out (vendor docs): a read that answered.
    journal.record(sent("card.statement_extended", "r1", {"request_id": "r1"}, clock()))
    journal.record(answered("card.statement_extended", "r1", {}, clock(), request_status=None, status=None))
    entry = journal.get("r1")
    assert entry is not None and entry.outcome == "success"
