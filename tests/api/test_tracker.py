"""The request tracker (SPEC §2): backoff, one yield per status change, final statuses, the
total time bound, transient poll failures, and prompt cancellation. Time is fake throughout."""

from __future__ import annotations

import asyncio
from itertools import islice
from typing import Any

import httpx
import pytest

from fpconsole.api import errors, outcome
from fpconsole.api.client import CardApiClient, PollPolicy
from fpconsole.api.events import ClientEvent, RequestFailed, StatusChanged
from fpconsole.api.models import RequestStatusResponse
from fpconsole.api.names import MethodName
from fpconsole.api.outcome import Outcome

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"


async def collect(client: CardApiClient, **kwargs: Any) -> list[RequestStatusResponse]:
    return [status async for status in client.track(RID, **kwargs)]


def status_changes(client: CardApiClient) -> list[StatusChanged]:
    """A list the client's StatusChanged events are appended to as they are emitted."""
    changes: list[StatusChanged] = []

    def keep(event: ClientEvent) -> None:
        assert isinstance(event, StatusChanged), event  # status polls emit nothing else
        changes.append(event)

    client.subscribe(keep)
    return changes


async def test_backoff_starts_at_half_a_second_and_grows_to_max_delay(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on("request/status", *[kit.ok("process")] * 8, kit.ok("success"))
    client = make_client(read_retries=0)
    policy = client.options.poll
    assert policy == PollPolicy()
    statuses = await collect(client)
    assert [s.request_status for s in statuses] == ["success"]
    assert len(fake_time.delays) == 9 == len(fake_api.seen)
    assert fake_time.delays == list(islice(policy.delays(), 9))
    assert fake_time.delays[0] == 0.5
    grown = fake_time.delays[: fake_time.delays.index(policy.max_delay)]
    assert grown == sorted(set(grown))  # strictly growing until the cap
    assert all(d <= policy.max_delay for d in fake_time.delays)
    assert fake_time.delays[-3:] == [policy.max_delay] * 3


async def test_custom_policy_delays(make_client: Any, fake_api: Any, fake_time: Any, kit: Any) -> None:
    fake_api.on("request/status", *[kit.ok("process")] * 5, kit.ok("success"))
    client = make_client(read_retries=0)
    await collect(client, policy=PollPolicy(first_delay=0.5, factor=2.0, max_delay=4.0))
    assert fake_time.delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


async def test_yields_each_change_once(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("request/status", kit.ok("process"), kit.ok("process"), kit.ok("success", client_id="CL-1"))
    client = make_client(read_retries=0)
    events = status_changes(client)
    statuses = await collect(client, method="client.add")  # initial: process
    assert [s.request_status for s in statuses] == ["success"]
    assert statuses[0].client_id == "CL-1"
    assert len(fake_api.seen) == 3
    assert [(e.previous, e.request_status, e.method) for e in events] == [
        ("process", "success", "client.add")
    ]
    assert all(e.request_id == RID for e in events)


async def test_without_an_initial_status_the_first_answer_is_a_change(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("request/status", kit.ok("process"), kit.ok("process"), kit.ok("process"), kit.ok("success"))
    client = make_client(read_retries=0)
    events = status_changes(client)
    statuses = await collect(client, initial=None)
    assert [s.request_status for s in statuses] == ["process", "success"]
    assert [(e.previous, e.request_status) for e in events] == [(None, "process"), ("process", "success")]


@pytest.mark.parametrize("final", ["success", "error"])
async def test_stops_at_a_final_status(make_client: Any, fake_api: Any, kit: Any, final: str) -> None:
    fake_api.on(
        "request/status",
        kit.ok("process"),
        kit.ok(final, error_code="e1" if final == "error" else None),
        kit.ok("process"),  # never asked for
    )
    client = make_client(read_retries=0)
    events = status_changes(client)
    statuses = await collect(client, initial=None)
    assert [s.request_status for s in statuses] == ["process", final]
    assert len(fake_api.seen) == 2
    if final == "error":
        assert statuses[-1].error_code == "e1"
        assert events[-1].error_code == "e1"


async def test_every_poll_asks_about_the_same_request_id(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("request/status", kit.ok("process"), kit.ok("success"))
    await collect(make_client(read_retries=0))
    assert [s.json for s in fake_api.seen] == [{"request_id": RID}, {"request_id": RID}]
    assert all(s.signature_error is None for s in fake_api.seen)


async def test_gives_up_after_the_policy_total(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on("request/status", kit.ok("process"))
    client = make_client(read_retries=0)
    policy = PollPolicy(first_delay=0.5, factor=2.0, max_delay=4.0, total=20.0)
    started = fake_time.now
    with pytest.raises(errors.TrackingTimedOut) as caught:
        await collect(client, policy=policy, method="card.block")
    assert fake_time.now - started <= policy.total
    assert sum(fake_time.delays) <= policy.total
    assert sum(fake_time.delays) + policy.max_delay > policy.total  # it used the time it had
    assert fake_time.delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert len(fake_api.seen) == len(fake_time.delays)
    assert caught.value.outcome_unknown is True
    assert (caught.value.request_id, caught.value.method) == (RID, "card.block")
    assert "process" in caught.value.message and "20 s" in caught.value.message


async def test_transient_poll_failures_are_absorbed(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on(
        "request/status",
        kit.ok("process"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(503, text="busy"),
        httpx.Response(200, content=b"not json"),
        kit.ok("success"),
    )
    client = make_client(read_retries=0)
    statuses = await collect(client, initial=None)
    assert [s.request_status for s in statuses] == ["process", "success"]
    assert len(fake_api.seen) == 6
    assert len(fake_time.delays) == 6  # one backoff before each poll, failures included


@pytest.mark.parametrize("code", ["unknown_request_id", "not_found"])
async def test_no_such_request_from_request_status_is_raised(
    make_client: Any, fake_api: Any, kit: Any, code: str
) -> None:
    # The one refusal that speaks about the request: it never arrived.
    fake_api.on("request/status", kit.api_error(code, "no such request"))
    with pytest.raises(errors.ApiError) as caught:
        await collect(make_client(read_retries=0))
    assert caught.value.error_code == code
    assert len(fake_api.seen) == 1


async def test_no_such_request_settles_the_followed_request_as_not_received(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    # QA finding 6: the journal kept such a request `unknown` forever (the poll emits no event of
    # its own), and the console made it an `error` whose next send got a fresh request_id.
    fake_api.on("request/status", kit.api_error("unknown_request_id", "no request with this request_id"))
    client = make_client(read_retries=0)
    seen: list[ClientEvent] = []
    client.subscribe(seen.append)
    with pytest.raises(errors.ApiError):
        await collect(client, method=MethodName.TRANSACTION_CREATE)
    [event] = seen
    assert isinstance(event, RequestFailed)
    assert (event.method, event.request_id, event.error) == (
        MethodName.TRANSACTION_CREATE,
        RID,
        "unknown_request_id",
    )
    assert outcome.of_event(event) is Outcome.FAILED  # nothing applied: the same request_id may go again
    assert RID in event.message and "not received" in event.message


async def test_an_error_answer_to_the_poll_itself_is_a_failed_poll_not_the_outcome(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    # QA: card.activate was applied, a poll got the sandbox's injected fault (status: error,
    # request_status: error) and the activation was reported as failed. That envelope answers
    # the poll; polling goes on with backoff and the request's own status wins.
    injected = kit.api_error("injected_error", "injected error: the request was not applied")
    fake_api.on("request/status", kit.ok("process"), injected, injected, kit.ok("success"), kit.ok("error"))
    client = make_client(read_retries=0)
    events = status_changes(client)
    statuses = await collect(client, method="card.activate", initial=None)
    assert [s.request_status for s in statuses] == ["process", "success"]
    assert [(e.previous, e.request_status) for e in events] == [(None, "process"), ("process", "success")]
    assert not any(e.error_code for e in events)
    assert len(fake_api.seen) == 4
    assert fake_time.delays == list(islice(PollPolicy().delays(), 4))  # backed off as usual


async def test_polls_that_keep_failing_end_unknown_to_poll_again_later(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on(
        "request/status",
        kit.api_error("injected_error", "injected error: the request was not applied"),
    )
    client = make_client(read_retries=0)
    events = status_changes(client)
    policy = PollPolicy(first_delay=0.5, factor=2.0, max_delay=4.0, total=20.0)
    with pytest.raises(errors.TrackingTimedOut) as caught:
        await collect(client, policy=policy, method="card.activate", initial="unknown")
    assert caught.value.outcome_unknown is True
    assert (caught.value.request_id, caught.value.method) == (RID, "card.activate")
    message = caught.value.message
    assert "still 'unknown'" in message and "poll it again later" in message
    assert "injected_error" in message and "not applied" not in message  # the poll's words stay its own
    assert len(fake_api.seen) == len(fake_time.delays) == 7
    assert events == []


async def test_request_status_error_with_status_ok_is_the_requests_outcome(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on(
        "request/status",
        kit.ok("process"),
        kit.ok("error", error_code="insufficient_funds", error_description="not enough"),
    )
    client = make_client(read_retries=0)
    events = status_changes(client)
    statuses = await collect(client, method="card.activate")
    assert [(s.request_status, s.error_code) for s in statuses] == [("error", "insufficient_funds")]
    assert [(e.request_status, e.error_code) for e in events] == [("error", "insufficient_funds")]


async def test_cancellation_while_sleeping_propagates_and_stops_polling(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on("request/status", kit.ok("process"))
    fake_time.block_from = 1  # the first sleep passes, the second parks
    client = make_client(read_retries=0)
    seen: list[str | None] = []

    async def consume() -> None:
        async for status in client.track(RID, initial=None):
            seen.append(status.request_status)

    task = asyncio.create_task(consume())
    await asyncio.wait_for(fake_time.sleeping.wait(), timeout=10)
    assert len(fake_api.seen) == 1 and seen == ["process"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
    assert task.cancelled()
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(fake_api.seen) == 1  # no poll after the cancellation
    assert len(fake_time.delays) == 2


async def test_each_failed_poll_is_told_to_whoever_follows_the_request(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    # The console shows the link broken while it waits (a server gone down mid-request left the
    # form and the top bar silent for up to the policy's total): the tracker says each failure.
    fake_api.on(
        "request/status",
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        kit.ok("success"),
    )
    client = make_client(read_retries=0)
    failures: list[errors.TransportError] = []
    statuses = await collect(
        client, initial=None, method=MethodName.CARD_BLOCK, on_poll_failed=failures.append
    )
    assert [s.request_status for s in statuses] == ["success"]
    assert [type(f).__name__ for f in failures] == ["CannotConnect", "CannotConnect"]
