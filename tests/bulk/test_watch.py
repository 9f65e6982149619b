"""ServerWatch: one verdict on the server for the whole run, from every exchange of the client."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient, ClientOptions
from fpconsole.bulk.watch import ServerWatch, wait_any

REFUSED = errors.CannotConnect("cannot connect to http://card-api.test: [Errno 111] Connection refused")
DROPPED = errors.ConnectionDropped("the connection broke")
UNKNOWN = {
    "status": "error",
    "request_status": "error",
    "dt": "2025-05-01T09:30:00+05:00",
    "error_code": "unknown_request_id",
    "error_description": "no such request",
}


class Switch:
    def __init__(self) -> None:
        self.up = False
        self.probes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.probes += 1
        if not self.up:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, json=UNKNOWN)


def watched(switch: Switch, changes: list[str], **kwargs: object) -> tuple[CardApiClient, ServerWatch]:
    client = CardApiClient(
        base_url="http://card-api.test",
        auth_id="100500",
        secret="s",
        transport=httpx.MockTransport(switch),
        options=ClientOptions(read_retries=0),
    )
    watch: ServerWatch

    def changed() -> None:
        changes.append(watch.note() or watch.state)

    watch = ServerWatch(client, probe_delays=(0.001, 0.001, 0.001), on_change=changed, **kwargs)  # type: ignore[arg-type]
    return client, watch


async def settle(watch: ServerWatch) -> None:
    await asyncio.wait_for(wait_any(watch.ok, watch.down), 30)


async def test_a_refused_connection_is_probed_three_times_then_the_server_is_down() -> None:
    switch, changes = Switch(), list[str]()
    client, watch = watched(switch, changes)
    watch.observe(REFUSED)
    assert watch.state == "checking" and not watch.ok.is_set()
    await settle(watch)
    assert watch.state == "down" and watch.down.is_set()
    assert switch.probes == 3
    assert changes == [
        "server unreachable, retrying 1/3",
        "server unreachable, retrying 1/3",
        "server unreachable, retrying 2/3",
        "server unreachable, retrying 3/3",
        "server unreachable, stopping",
    ]
    assert "Connection refused" in watch.reason
    watch.observe(None)  # down is final for the run: the runner has stopped already
    assert watch.state == "down"
    await watch.close()
    await client.aclose()


async def test_an_answer_to_a_probe_means_the_server_is_back() -> None:
    switch, changes = Switch(), list[str]()
    client, watch = watched(switch, changes)
    watch.observe(REFUSED)
    switch.up = True  # restarted: the first probe gets unknown_request_id, which is an answer
    await settle(watch)
    assert watch.state == "ok" and watch.ok.is_set() and switch.probes == 1
    assert changes[-1] == "ok"
    await watch.close()
    await client.aclose()


async def test_one_dropped_connection_is_not_an_outage_three_in_a_row_are_checked() -> None:
    switch, changes = Switch(), list[str]()
    client, watch = watched(switch, changes)
    watch.observe(DROPPED)
    watch.observe(None)  # other rows get answers: the streak starts over
    watch.observe(DROPPED)
    watch.observe(DROPPED)
    assert watch.state == "ok" and switch.probes == 0
    watch.observe(DROPPED)
    assert watch.state == "checking"
    switch.up = True
    await settle(watch)
    assert watch.state == "ok"
    await watch.close()
    await client.aclose()


async def test_the_watch_hears_the_clients_own_calls() -> None:
    switch, changes = Switch(), list[str]()
    client, watch = watched(switch, changes)
    with contextlib.suppress(errors.CannotConnect):
        await client.call("request.status", {"request_id": str(uuid.uuid4())})
    assert watch.state == "checking"
    await watch.close()  # closing stops its probing and its listening
    assert switch.probes == 1
    await client.aclose()
