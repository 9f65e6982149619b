"""BulkRunner against the real sandbox engine: every row ends done or failed with its reason,
reruns never create a second client or card, and the pause/cancel/abort controls hold."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from fpconsole.api.methods import CLIENT_ADD
from fpconsole.bulk.csvfile import read_bulk_file
from fpconsole.bulk.progress import Progress
from fpconsole.bulk.runner import BulkRunner, RowResult
from fpconsole.bulk.state import RowRecord
from fpconsole.bulk.watch import ServerWatch


def quick_watch(client: Any, changed: Any) -> ServerWatch:
    """The runner's ServerWatch, with its probes a few milliseconds apart instead of seconds."""
    return ServerWatch(client, probe_delays=(0.01, 0.01, 0.01), on_change=changed)


def by_status(results: list[RowResult]) -> dict[str, list[RowResult]]:
    grouped: dict[str, list[RowResult]] = {"done": [], "failed": [], "pending": [], "unknown": []}
    for result in results:
        grouped[result.status].append(result)
    return grouped


def assert_all_linked(sandbox: Any, results: list[RowResult]) -> None:
    """Each done row's card belongs to that row's client, and no card or client is shared."""
    cards = {card["card_id"]: card for card in sandbox.snapshot()["cards"]}
    done = [r for r in results if r.status == "done"]
    for result in done:
        assert cards[result.card_id]["client_id"] == result.client_id
        assert result.masked_pan == cards[result.card_id]["card_mask"]
    assert len({r.client_id for r in done}) == len(done)
    assert len({r.card_id for r in done}) == len(done)


def assert_consistent(snapshots: list[Progress]) -> None:
    """Every progress a listener saw adds up: no row counted both finished and in flight."""
    assert snapshots
    for progress in snapshots:
        assert progress.finished + progress.in_flight <= progress.total, progress
        assert progress.in_flight >= 0


async def test_200_rows_5_bad_gives_195_clients_with_cards(harness: Any, bulk_csv: Any, kit: Any) -> None:
    before = harness.sandbox.counts()
    snapshots: list[Progress] = []
    results, runner = await harness.run(bulk_csv(200), on_progress=snapshots.append)
    assert_consistent(snapshots)
    assert max(p.in_flight for p in snapshots) > 1  # rows did run side by side
    grouped = by_status(results)
    assert len(results) == 200
    assert len(grouped["done"]) == 195 and not grouped["pending"]
    assert {r.line for r in grouped["failed"]} == set(kit.BAD_ROWS)
    for failed in grouped["failed"]:
        assert kit.BAD_ROWS[failed.line] in failed.error, failed
    clients, cards = harness.sandbox.counts()
    assert (clients - before[0], cards - before[1]) == (195, 195)
    assert_all_linked(harness.sandbox, results)
    progress = runner.progress
    assert (progress.total, progress.done, progress.failed, progress.in_flight) == (200, 195, 5, 0)
    assert progress.skipped == 0 and progress.remaining == 0 and progress.rate > 0


async def test_the_same_file_again_creates_nothing(harness: Any, bulk_csv: Any) -> None:
    path = bulk_csv(200)
    first, _ = await harness.run(path)
    counts = harness.sandbox.counts()
    sent = len(harness.sandbox.sent)
    second, runner = await harness.run(path)
    assert harness.sandbox.counts() == counts
    assert len(harness.sandbox.sent) == sent  # not even a status poll: done rows are skipped
    assert second == first
    assert runner.progress.skipped == 195 and runner.progress.done == 195


async def test_fixing_a_bad_row_in_place_sends_only_that_row(harness: Any, bulk_csv: Any, kit: Any) -> None:
    """Editing the file changes its fingerprint; its unchanged rows are recognised by content
    and not sent again — the natural "fix line 7 and rerun" must not duplicate 195 clients."""
    path = bulk_csv(200)
    await harness.run(path)
    text = path.read_text().replace("+7 701 123 45 67", "77019999999")  # fix line 7
    path.write_text(text)
    results, runner = await harness.run(path)
    grouped = by_status(results)
    assert len(grouped["done"]) == 196 and {r.line for r in grouped["failed"]} == set(kit.BAD_ROWS) - {7}
    assert runner.progress.skipped == 195 and len(runner.adopted) == 195
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 196 and len(snap["cards"]) == 196
    assert [e.request["client"]["phone"] for e in harness.sandbox.sent_of("client.add")][-1] == 77019999999


async def test_an_edited_file_continues_rows_the_old_one_left_unfinished(
    harness: Any, bulk_csv: Any, kit: Any
) -> None:
    """Rows moved (a row inserted above them) and an unknown outcome left behind: the edited
    file picks up each row's request by content, so nothing is created twice."""
    path = bulk_csv(6, bad=False)
    await harness.sandbox.set_faults(
        {"methods": {"card.issue": {"drop_rate": 1}, "request.status": {"error_rate": 1}}}
    )
    first, _ = await harness.run(path)
    assert all("outcome unknown" in r.error for r in first)
    await harness.sandbox.set_faults({})
    header, *rows = path.read_text().splitlines()
    extra = kit.render_csv([kit.good_row(77)]).splitlines()[1]
    path.write_text("\n".join([header, extra, *rows]) + "\n")
    results, runner = await harness.run(path)
    assert [r.status for r in results] == ["done"] * 7
    assert len(runner.adopted) == 6 and 2 not in runner.adopted
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 7 and len(snap["cards"]) == 7
    assert_all_linked(harness.sandbox, results)


async def test_cancel_in_the_middle_then_resume(harness: Any, bulk_csv: Any) -> None:
    path = bulk_csv(200)
    bulk_file = read_bulk_file(path)
    with harness.state(bulk_file) as state:
        runner: BulkRunner

        def cancel_at_50(progress: Progress) -> None:
            if progress.done >= 50 and not progress.cancelled:
                runner.cancel()

        runner = harness.runner(bulk_file, state, on_progress=cancel_at_50, in_flight=8)
        partial = await runner.run()
    grouped = by_status(partial)
    assert runner.cancelled
    assert 50 <= len(grouped["done"]) < 195
    # Rows in flight stopped polling: those with a request out are unknown (asked about by the
    # rerun), the others pending.
    assert len(grouped["pending"]) + len(grouped["unknown"]) == 195 - len(grouped["done"])
    assert all("rerun" in r.error for r in grouped["pending"] + grouped["unknown"])
    # Every client the sandbox holds is one a row knows (done, or pending with its card still to
    # come: cancelled between client.add and card.issue), or one whose client.add is unknown.
    known_clients = {r.client_id for r in partial if r.client_id is not None}
    asked_about = [r for r in grouped["unknown"] if r.client_id is None]
    assert harness.sandbox.counts()[0] <= len(known_clients) + len(asked_about)

    results, second = await harness.run(path)
    assert len(by_status(results)["done"]) == 195
    assert second.progress.skipped == len(grouped["done"])
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 195 and len(snap["cards"]) == 195
    assert_all_linked(harness.sandbox, results)


async def test_abort_leaves_in_flight_rows_pollable(harness: Any, bulk_csv: Any) -> None:
    """abort() stops waiting for rows in flight; their request_ids are stored, so the rerun
    asks request/status instead of sending them again."""
    path = bulk_csv(60, bad=False)
    bulk_file = read_bulk_file(path)
    # card.issue answers slowly, so aborting once 8 are out catches 8 rows mid-request.
    await harness.sandbox.set_faults({"methods": {"card.issue": {"latency_ms": 300}}})
    with harness.state(bulk_file) as state:
        runner = harness.runner(bulk_file, state, in_flight=8)
        task = asyncio.create_task(runner.run())
        while len(harness.sandbox.sent_of("card.issue")) < 8:
            await asyncio.sleep(0.005)
        runner.abort()
        partial = await task
        interrupted = [r for r in partial if r.error and r.error.startswith("interrupted")]
        assert len(interrupted) == 8
        stored = state.rows()
        for result in interrupted:
            record = stored[result.line]
            assert record.status == "unknown" and record.client_id and record.card_request_id
            assert result.error == f"interrupted; a rerun asks request/status about {record.card_request_id}"
    await harness.sandbox.set_faults({})
    results, _ = await harness.run(path)
    assert len(by_status(results)["done"]) == 60
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 60 and len(snap["cards"]) == 60


async def test_a_request_sent_before_a_crash_is_polled_not_resent(harness: Any, bulk_csv: Any) -> None:
    """The crash case itself: request_id stored, request received, process killed before the
    answer was recorded. The rerun must find the client through request/status."""
    path = bulk_csv(3, bad=False)
    bulk_file = read_bulk_file(path)
    row = bulk_file.rows[1]
    request_id = "5b0f1a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
    await harness.sandbox.client.call(CLIENT_ADD, row.client_add_body(request_id))
    with harness.state(bulk_file) as state:
        state.save(RowRecord(row.line, client_request_id=request_id))
    results, _ = await harness.run(path)
    assert len(harness.sandbox.snapshot()["clients"]) == 3
    assert [r.status for r in results] == ["done"] * 3
    adds = harness.sandbox.sent_of("client.add")
    assert sum(1 for event in adds if event.request_id == request_id) == 1  # only ours, before the run


async def test_faults_every_row_ends_with_a_reason_and_a_rerun_finishes(
    harness: Any, bulk_csv: Any, kit: Any
) -> None:
    """10% of calls fail (API errors, 503s, dropped connections — on request/status too)."""
    path = bulk_csv(200)
    await harness.sandbox.set_faults(
        {"error_rate": 0.04, "http5xx_rate": 0.03, "drop_rate": 0.03, "seed": 11}
    )
    seen: list[RowResult] = []
    snapshots: list[Progress] = []
    first, _ = await harness.run(path, on_row=seen.append, on_progress=snapshots.append)
    assert_consistent(snapshots)
    grouped = by_status(first)
    assert not grouped["pending"], "no row is lost"
    assert len(grouped["done"]) + len(grouped["failed"]) == 200
    assert len(grouped["failed"]) > 5, "the faults did bite"
    assert all(r.error for r in grouped["failed"])
    assert {r.line for r in seen if r.status == "failed"} == {r.line for r in grouped["failed"]}

    await harness.sandbox.set_faults({})
    results, runner = await harness.run(path)
    grouped = by_status(results)
    assert len(grouped["done"]) == 195
    assert {r.line for r in grouped["failed"]} == set(kit.BAD_ROWS)
    assert runner.progress.skipped == len(by_status(first)["done"])
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 195 and len(snap["cards"]) == 195, "no duplicates"
    assert_all_linked(harness.sandbox, results)


async def test_timeouts_are_resolved_through_request_status(harness: Any, bulk_csv: Any, kit: Any) -> None:
    """A timed-out card.issue was applied: the runner must learn its card from request/status,
    never issue a second one."""
    client = kit.make_client(harness.sandbox.transport, read_timeout=0.3, connect_timeout=0.1)
    await harness.sandbox.set_faults(
        {"methods": {"card.issue": {"timeout_rate": 0.3}}, "seed": 3, "hold_s": 1}
    )
    # Not closed: closing a client closes its transport, and this one shares the sandbox's.
    results, _ = await harness.run(bulk_csv(20, bad=False), client=client)
    assert [r.status for r in results] == ["done"] * 20
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 20 and len(snap["cards"]) == 20


async def test_unknown_outcome_ends_unknown_with_its_request_id_and_a_rerun_resolves_it(
    harness: Any, bulk_csv: Any, kit: Any
) -> None:
    # client.add is applied but its answer is lost, and request/status refuses to say: the
    # outcome stays unknown through every bounded retry.
    await harness.sandbox.set_faults(
        {"methods": {"client.add": {"drop_rate": 1}, "request.status": {"error_rate": 1}}}
    )
    path = bulk_csv(4, bad=False)
    first, _ = await harness.run(path)
    assert [r.status for r in first] == ["unknown"] * 4  # not 'failed': it may have been applied
    bulk_file = read_bulk_file(path)
    with harness.state(bulk_file) as state:
        stored = state.rows()
    assert {record.status for record in stored.values()} == {"unknown"}
    for result in first:
        assert "outcome unknown" in result.error
        assert stored[result.line].client_request_id in result.error
    assert len(harness.sandbox.snapshot()["clients"]) == 4  # applied, though nobody heard back

    await harness.sandbox.set_faults({})
    results, _ = await harness.run(path)
    assert [r.status for r in results] == ["done"] * 4
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 4 and len(snap["cards"]) == 4


async def test_bulk_mode_issues_one_batch_and_links_each_card(harness: Any, bulk_csv: Any) -> None:
    path = bulk_csv(200)
    snapshots: list[Progress] = []
    results, _ = await harness.run(path, cards="bulk", on_progress=snapshots.append)
    assert_consistent(snapshots)
    grouped = by_status(results)
    assert len(grouped["done"]) == 195 and len(grouped["failed"]) == 5
    batches = harness.sandbox.sent_of("card.bulk_issue")
    assert len(batches) == 1 and batches[0].request["count"] == 195
    assert not harness.sandbox.sent_of("card.issue")
    assert len(harness.sandbox.sent_of("card.link")) == 195
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 195 and len(snap["cards"]) == 195
    assert_all_linked(harness.sandbox, results)


async def test_bulk_mode_batches_per_product_and_at_most_the_limit(
    harness: Any, tmp_path: Path, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fpconsole.bulk.runner.MAX_BULK_COUNT", 10)
    rows = [kit.good_row(i, product_id=2000 if i % 2 else 3000) for i in range(30)]
    path = tmp_path / "mixed.csv"
    path.write_text(kit.render_csv(rows))
    results, _ = await harness.run(path, cards="bulk")
    assert [r.status for r in results] == ["done"] * 30
    counts = sorted(
        (e.request["product_id"], e.request["count"]) for e in harness.sandbox.sent_of("card.bulk_issue")
    )
    assert counts == [(2000, 5), (2000, 10), (3000, 5), (3000, 10)]
    cards = {c["card_id"]: c for c in harness.sandbox.snapshot()["cards"]}
    clients = {c["client_id"]: c for c in harness.sandbox.snapshot()["clients"]}
    for result in results:
        assert cards[result.card_id]["product_id"] == clients[result.client_id]["product_id"]


async def test_bulk_mode_resumes_a_batch_without_issuing_again(harness: Any, bulk_csv: Any) -> None:
    """Cancel after the batch was issued but before every card was linked: the rerun links
    the cards it already has."""
    path = bulk_csv(40, bad=False)
    bulk_file = read_bulk_file(path)
    with harness.state(bulk_file) as state:
        runner: BulkRunner

        def cancel_after_10_links(progress: Progress) -> None:
            if progress.done >= 10 and not progress.cancelled:
                runner.cancel()

        runner = harness.runner(
            bulk_file, state, cards="bulk", in_flight=4, on_progress=cancel_after_10_links
        )
        partial = await runner.run()
    assert 10 <= len(by_status(partial)["done"]) < 40
    results, _ = await harness.run(path, cards="bulk")
    assert [r.status for r in results] == ["done"] * 40
    assert len(harness.sandbox.sent_of("card.bulk_issue")) == 1
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 40 and len(snap["cards"]) == 40
    assert_all_linked(harness.sandbox, results)


async def test_bulk_mode_with_faults_then_a_clean_rerun(harness: Any, bulk_csv: Any) -> None:
    path = bulk_csv(60, bad=False)
    await harness.sandbox.set_faults({"error_rate": 0.05, "http5xx_rate": 0.03, "drop_rate": 0.03, "seed": 5})
    first, _ = await harness.run(path, cards="bulk")
    assert not by_status(first)["pending"]
    await harness.sandbox.set_faults({})
    results, _ = await harness.run(path, cards="bulk")
    assert [r.status for r in results] == ["done"] * 60, [(r.line, r.error) for r in results if r.error]
    snap = harness.sandbox.snapshot()
    assert len(snap["clients"]) == 60
    # A batch is all or nothing and only rows with a client join one, so no card is left over.
    assert len(snap["cards"]) == 60
    assert_all_linked(harness.sandbox, results)


async def test_requests_in_flight_stay_within_the_bound(harness: Any, bulk_csv: Any, kit: Any) -> None:
    inner = harness.sandbox.transport
    live = peak = 0

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal live, peak
            live += 1
            peak = max(peak, live)
            try:
                await asyncio.sleep(0.001)  # let the others pile up if they can
                return await inner.handle_async_request(request)
            finally:
                live -= 1

    client = kit.make_client(inner)
    client._http._transport = Counting()  # the client's own httpx pool, wrapped
    results, _ = await harness.run(bulk_csv(60, bad=False), client=client, in_flight=5)
    assert [r.status for r in results] == ["done"] * 60
    assert 1 < peak <= 5


async def test_pause_starts_nothing_new_until_resume(harness: Any, bulk_csv: Any) -> None:
    path = bulk_csv(40, bad=False)
    bulk_file = read_bulk_file(path)
    with harness.state(bulk_file) as state:
        runner: BulkRunner
        paused_at: list[Progress] = []

        def pause_at_10(progress: Progress) -> None:
            if progress.done >= 10 and not paused_at:
                runner.pause()
                paused_at.append(progress)

        runner = harness.runner(bulk_file, state, on_progress=pause_at_10, in_flight=4)
        task = asyncio.create_task(runner.run())
        while not paused_at or runner.progress.in_flight:
            await asyncio.sleep(0.01)
        settled = runner.progress.done
        sent = len(harness.sandbox.sent)
        await asyncio.sleep(0.2)
        assert (
            runner.progress.paused and runner.progress.done == settled and len(harness.sandbox.sent) == sent
        )
        assert not task.done()
        runner.resume()
        results = await task
    assert [r.status for r in results] == ["done"] * 40


async def test_cancel_while_paused_finishes_the_run(harness: Any, bulk_csv: Any) -> None:
    bulk_file = read_bulk_file(bulk_csv(10, bad=False))
    with harness.state(bulk_file) as state:
        runner = harness.runner(bulk_file, state)
        runner.pause()
        task = asyncio.create_task(runner.run())
        await asyncio.sleep(0.05)
        assert runner.progress.done == 0
        runner.cancel()
        results = await asyncio.wait_for(task, 5)
    assert [r.status for r in results] == ["pending"] * 10
    assert harness.sandbox.counts() == (0, 0)


async def test_an_unreachable_server_stops_the_run(tmp_path: Path, harness: Any, bulk_csv: Any) -> None:
    from fpconsole.api.client import CardApiClient, ClientOptions
    from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET

    dead = CardApiClient(
        base_url="http://127.0.0.1:9",  # discard port: nothing listens on loopback
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        options=ClientOptions(retry_backoff=0.001, read_retries=0),
    )
    results, runner = await harness.run(bulk_csv(50, bad=False), client=dead, in_flight=4, watch=quick_watch)
    await dead.aclose()
    grouped = by_status(results)
    assert runner.unreachable and runner.cancelled
    # Nothing reached the server: every row is left for the rerun to send, none failed.
    assert len(grouped["pending"]) == 50
    assert all("server unreachable" in (r.error or "") for r in grouped["pending"])
    assert runner.stop_reason and "cannot be reached" in runner.stop_reason


async def test_a_runner_runs_once(harness: Any, bulk_csv: Any) -> None:
    bulk_file = read_bulk_file(bulk_csv(2, bad=False))
    with harness.state(bulk_file) as state:
        runner = harness.runner(bulk_file, state)
        await runner.run()
        with pytest.raises(RuntimeError):
            await runner.run()


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"in_flight": 0}, "in_flight"), ({"cards": "all"}, "cards")]
)
def test_bad_options_are_refused(harness: Any, kwargs: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        BulkRunner(harness.sandbox.client, [], store=None, **kwargs)  # type: ignore[arg-type]


async def test_a_bulk_cards_run_reports_its_phases_each_with_its_own_eta(harness: Any, bulk_csv: Any) -> None:
    """`--cards bulk`: client.add for every row, the batch, then card.link; the ETA of each
    snapshot is its phase's (items of the phase over the phase's time), never the rate of rows
    finished, which is nil until the last phase."""
    ticks = [0.0]

    def clock() -> float:
        ticks[0] += 0.01  # every look at the clock is 10 ms later: rates are exact and non-zero
        return ticks[0]

    snapshots: list[Progress] = []
    results, _ = await harness.run(
        bulk_csv(40), cards="bulk", in_flight=4, on_progress=snapshots.append, monotonic=clock
    )
    assert sum(1 for r in results if r.status == "done") == 40 - 2  # lines 7 and 40 are bad
    phases = [p.phase for p in snapshots if p.phase is not None]
    assert list(dict.fromkeys(phases)) == ["client.add", "card.bulk_issue", "card.link"]
    adding = [p for p in snapshots if p.phase == "client.add"]
    assert all(p.done == 0 for p in adding)  # no row finishes while clients are added...
    assert any(p.eta_seconds is not None for p in adding)  # ...yet the phase has an ETA
    for progress in adding:
        if progress.phase_done == 0:
            assert progress.eta_seconds is None, progress
        else:  # the ETA is at most the phase's remaining items at its slowest observed rate
            left = progress.phase_total - progress.phase_done
            assert progress.eta_seconds is not None and progress.eta_seconds <= left * ticks[0], progress
