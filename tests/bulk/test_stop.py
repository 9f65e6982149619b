"""A run stops promptly — when the server dies, and on cancel — with what every row is known to
be: requests that went out unanswered are `unknown` (the rerun asks request/status, never sends
them again), the others `pending`; and the rerun finishes without a duplicate.

Each run here would wait for PollPolicy.total (600 s) before the fix; the generous deadline
only turns a hang into a failure."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from fpconsole.api.client import CardApiClient, ClientOptions, PollPolicy
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.bulk.calls import RetryPolicy
from fpconsole.bulk.csvfile import read_bulk_file
from fpconsole.bulk.progress import Progress
from fpconsole.bulk.runner import BulkRunner, RowResult
from fpconsole.bulk.watch import ServerWatch

HANG = 60.0  # a run that outlives this hangs: the bug
# The client's own polling, as a real server gets it: ten minutes before giving up.
PATIENT = RetryPolicy(poll=PollPolicy(first_delay=0.05, factor=1.6, max_delay=5.0, total=600.0))


class KillableServer(httpx.AsyncBaseTransport):
    """The sandbox behind a switch. `kill_after(n)`: the n-th client.add is applied, its answer
    lost, and from then on every connection is refused — a server that died mid-run."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.dead = False
        self.adds = 0
        self._kill_at: int | None = None

    def kill_after(self, adds: int) -> None:
        self._kill_at = adds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dead:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/client/add"):
            self.adds += 1
            if self._kill_at is not None and self.adds >= self._kill_at:
                self.dead = True
                raise httpx.RemoteProtocolError("peer closed connection", request=request)
        return response


def client_on(transport: httpx.AsyncBaseTransport) -> CardApiClient:
    return CardApiClient(
        base_url="http://sandbox.test",
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        transport=transport,
        options=ClientOptions(retry_backoff=0.002),
    )


def quick_watch(client: CardApiClient, changed: Any) -> ServerWatch:
    return ServerWatch(client, probe_delays=(0.05, 0.05, 0.05), on_change=changed)


def statuses(results: list[RowResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


async def test_a_server_that_dies_stops_the_run_and_the_rerun_duplicates_nothing(
    harness: Any, bulk_csv: Any
) -> None:
    path = bulk_csv(40, bad=False)
    bulk_file = read_bulk_file(path)
    server = KillableServer(harness.sandbox.transport)
    server.kill_after(12)
    client = client_on(server)
    notes: list[str] = []

    def seen(progress: Progress) -> None:
        if progress.note:
            notes.append(progress.note)

    with harness.state(bulk_file) as state:
        runner = harness.runner(
            bulk_file, state, client=client, policy=PATIENT, in_flight=8, watch=quick_watch, on_progress=seen
        )
        results = await asyncio.wait_for(runner.run(), HANG)
        stored = state.rows()
    await client.aclose()
    counts = statuses(results)
    assert runner.unreachable and runner.stop_reason
    assert "cannot be reached" in runner.stop_reason and "Connection refused" in runner.stop_reason
    assert "server unreachable, retrying 1/3" in notes and "server unreachable, retrying 3/3" in notes
    assert counts.get("failed", 0) == 0, "a dead server fails no row: they are left for the rerun"
    assert counts.get("unknown", 0) >= 1  # at least the client.add whose answer was lost
    for result in results:
        if result.status == "unknown":
            record = stored[result.line]
            assert record.status == "unknown" and "request/status" in (result.error or "")
            sent = (record.client_request_id, record.card_request_id)
            assert any(rid and rid in (result.error or "") for rid in sent)

    # The server is back: the rerun asks about the unknown ones and sends nothing twice.
    results, _ = await harness.run(path)
    assert [r.status for r in results] == ["done"] * 40
    assert harness.sandbox.counts() == (40, 40)  # the lost client.add was found, not sent again


async def test_cancel_stops_polling_at_once_and_leaves_the_outcomes_for_the_rerun(
    harness: Any, bulk_csv: Any
) -> None:
    path = bulk_csv(30, bad=False)
    bulk_file = read_bulk_file(path)
    # The first poll of every request comes after ten minutes: cancel must not wait for it.
    slow = RetryPolicy(poll=PollPolicy(first_delay=600.0, total=3600.0))
    with harness.state(bulk_file) as state:
        runner = harness.runner(bulk_file, state, policy=slow, in_flight=6)
        task = asyncio.create_task(runner.run())
        while len(harness.sandbox.sent_of("client.add")) < 6:
            await asyncio.sleep(0.005)
        runner.cancel()
        results = await asyncio.wait_for(task, HANG)
        stored = state.rows()
    counts = statuses(results)
    assert counts == {"unknown": 6, "pending": 24}, counts
    for result in results:
        if result.status == "unknown":
            rid = stored[result.line].client_request_id
            assert rid and f"request_id {rid}" in (result.error or "")
            assert "polling stopped: cancelled" in (result.error or "")
    assert runner.progress.unknown == 6 and runner.progress.in_flight == 0

    results, _ = await harness.run(path)
    assert [r.status for r in results] == ["done"] * 30
    assert harness.sandbox.counts() == (30, 30)
    assert len(harness.sandbox.sent_of("client.add")) == 30  # the 6 were asked about, not resent


async def test_a_request_on_the_wire_is_cut_after_the_grace(
    harness: Any, bulk_csv: Any, tmp_path: Path
) -> None:
    """A hung server answers nothing: the cancel waits `stop_grace`, then cuts the request."""
    path = bulk_csv(4, bad=False)
    bulk_file = read_bulk_file(path)
    await harness.sandbox.set_faults({"methods": {"client.add": {"timeout_rate": 1}}, "hold_s": 600})
    with harness.state(bulk_file) as state:
        runner = harness.runner(bulk_file, state, in_flight=4, stop_grace=0.05)
        task = asyncio.create_task(runner.run())
        while len(harness.sandbox.sent_of("client.add")) < 4:
            await asyncio.sleep(0.005)
        runner.cancel()
        results = await asyncio.wait_for(task, HANG)
    assert [r.status for r in results] == ["unknown"] * 4
    assert all((r.error or "").startswith("interrupted; a rerun asks request/status about ") for r in results)
    await harness.sandbox.set_faults({})
    results, _ = await harness.run(path)
    assert [r.status for r in results] == ["done"] * 4
    assert harness.sandbox.counts() == (4, 4)  # the held requests were applied once, and only once


async def test_a_short_outage_is_ridden_out(harness: Any, bulk_csv: Any) -> None:
    """The server refuses connections for a moment and comes back before the probes run out:
    the run holds new rows, then finishes every row."""
    path = bulk_csv(30, bad=False)
    bulk_file = read_bulk_file(path)
    server = KillableServer(harness.sandbox.transport)
    client = client_on(server)
    notes: list[str] = []

    def outage(progress: Progress) -> None:
        if progress.note:
            notes.append(progress.note)
            server.dead = False  # back up as soon as the runner noticed
        elif progress.done >= 10 and not notes:
            server.dead = True

    def patient_watch(c: CardApiClient, changed: Any) -> ServerWatch:
        return ServerWatch(c, probe_delays=(0.05, 0.5, 1.0), on_change=changed)

    with harness.state(bulk_file) as state:
        runner = BulkRunner(
            client,
            bulk_file.rows,
            store=state,
            in_flight=4,
            policy=harness_policy(),
            on_progress=outage,
            watch=patient_watch,
        )
        results = await asyncio.wait_for(runner.run(), HANG)
    await client.aclose()
    assert notes and notes[0] == "server unreachable, retrying 1/3"
    assert [r.status for r in results] == ["done"] * 30
    assert harness.sandbox.counts() == (30, 30)


def harness_policy() -> RetryPolicy:
    return RetryPolicy(
        poll=PollPolicy(first_delay=0.001, factor=2.0, max_delay=0.02, total=10.0),
        first_backoff=0.002,
        max_backoff=0.02,
    )


async def test_cancel_while_the_server_is_being_checked_ends_the_run(harness: Any, bulk_csv: Any) -> None:
    """New rows are held while the watch probes (here for ten minutes); a cancel releases them."""
    path = bulk_csv(20, bad=False)
    bulk_file = read_bulk_file(path)
    server = KillableServer(harness.sandbox.transport)
    server.dead = True
    client = client_on(server)
    notes: list[str] = []

    def slow_watch(c: CardApiClient, changed: Any) -> ServerWatch:
        return ServerWatch(c, probe_delays=(600.0, 600.0, 600.0), on_change=changed)

    with harness.state(bulk_file) as state:
        runner = harness.runner(
            bulk_file,
            state,
            client=client,
            in_flight=4,
            watch=slow_watch,
            on_progress=lambda p: notes.append(p.note or ""),
        )
        task = asyncio.create_task(runner.run())
        while "server unreachable, retrying 1/3" not in notes:
            await asyncio.sleep(0.005)
        runner.cancel()
        results = await asyncio.wait_for(task, HANG)
    await client.aclose()
    assert [r.status for r in results] == ["pending"] * 20  # nothing reached the server
    assert harness.sandbox.counts() == (0, 0)
