"""RequestCalls against a scripted Card API: a request is only ever sent with its own
request_id, lost answers are resolved through request/status, and every bound holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fpconsole.api.client import CardApiClient, ClientOptions, PollPolicy
from fpconsole.api.methods import CARD_INFO, CLIENT_ADD
from fpconsole.bulk.calls import RequestCalls, RetryPolicy

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
BODY = {
    "request_id": RID,
    "product_id": 2000,
    "client": {
        "phone": 77011234567,
        "type": 1,
        "resident": 1,
        "first_name": "ALIYA",
        "last_name": "SERIKOVA",
    },
}
DT = "2025-05-01T09:30:00+05:00"


def ok(request_status: str = "success", **fields: Any) -> dict[str, Any]:
    return {"status": "ok", "request_status": request_status, "dt": DT, **fields}


def refused(code: str) -> dict[str, Any]:
    return {
        "status": "error",
        "request_status": "error",
        "dt": DT,
        "error_code": code,
        "error_description": code,
    }


Answer = dict[str, Any] | httpx.Response | Exception


class ScriptedApi:
    """Answers each path from its own queue (the last answer repeats); records what arrived."""

    def __init__(self, **script: list[Answer]) -> None:
        self.script = {path.replace("__", "/"): list(answers) for path, answers in script.items()}
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v5/card-api/")
        self.seen.append((path, json.loads(request.content)))
        queue = self.script[path]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def count(self, path: str) -> int:
        return sum(1 for seen, _ in self.seen if seen == path)

    def request_ids(self, path: str) -> set[str]:
        return {body["request_id"] for seen, body in self.seen if seen == path}


async def no_sleep(_: float) -> None:
    return None


def calls_for(api: ScriptedApi, **policy: Any) -> RequestCalls:
    client = CardApiClient(
        base_url="http://card-api.test",
        auth_id="100500",
        secret="s",
        transport=httpx.MockTransport(api),
        options=ClientOptions(read_retries=0),
        sleep=no_sleep,
    )
    poll = PollPolicy(first_delay=0.01, factor=1, max_delay=0.01, total=0.5)
    return RequestCalls(client, RetryPolicy(poll=poll, **policy), sleep=no_sleep)


def drop() -> Exception:
    return httpx.RemoteProtocolError("peer closed connection")


async def test_process_is_followed_to_success() -> None:
    api = ScriptedApi(client__add=[ok("process")], request__status=[ok("process"), ok(client_id="CL-1")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY, expect="client_id")
    assert (settled.state, settled.client_id) == ("success", "CL-1")
    assert api.request_ids("request/status") == {RID}


async def test_a_success_without_the_id_asks_request_status() -> None:
    api = ScriptedApi(client__add=[ok()], request__status=[ok(client_id="CL-9")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY, expect="client_id")
    assert settled.client_id == "CL-9"


async def test_a_duplicate_means_it_arrived_earlier() -> None:
    api = ScriptedApi(client__add=[refused("duplicate_request_id")], request__status=[ok(client_id="CL-1")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY, expect="client_id")
    assert settled.ok and api.count("client/add") == 1


async def test_a_503_the_server_never_saw_is_sent_again_with_the_same_id() -> None:
    api = ScriptedApi(
        client__add=[httpx.Response(503, json=refused("injected_error")), ok("process")],
        request__status=[refused("unknown_request_id"), ok(client_id="CL-1")],
    )
    calls = calls_for(api)
    settled = await calls.submit(CLIENT_ADD, BODY, expect="client_id")
    assert settled.client_id == "CL-1"
    assert api.count("client/add") == 2 and api.request_ids("client/add") == {RID}
    assert calls.reached_server


async def test_a_dropped_answer_is_resolved_without_sending_again() -> None:
    api = ScriptedApi(client__add=[drop()], request__status=[ok(client_id="CL-1")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY, expect="client_id")
    assert settled.client_id == "CL-1" and api.count("client/add") == 1


async def test_an_unknown_outcome_is_polled_a_bounded_number_of_times() -> None:
    api = ScriptedApi(client__add=[drop()], request__status=[drop()])
    settled = await calls_for(api, unknown_polls=3).submit(CLIENT_ADD, BODY)
    assert settled.state == "unknown"
    assert f"outcome unknown, request_id {RID}" in settled.reason
    assert api.count("client/add") == 1  # never sent again while its fate is unknown


async def test_still_in_process_after_the_poll_budget_is_unknown() -> None:
    api = ScriptedApi(client__add=[ok("process")], request__status=[ok("process")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY)
    assert settled.state == "unknown" and "process" in settled.reason


async def test_a_final_error_carries_its_code() -> None:
    api = ScriptedApi(
        client__add=[ok("process")],
        request__status=[ok("error", error_code="validation_error", error_description="client.phone: taken")],
    )
    settled = await calls_for(api).submit(CLIENT_ADD, BODY)
    assert (settled.state, settled.reason) == ("error", "validation_error: client.phone: taken")


async def test_an_api_refusal_is_not_retried() -> None:
    api = ScriptedApi(client__add=[refused("validation_error")])
    settled = await calls_for(api).submit(CLIENT_ADD, BODY)
    assert settled.state == "error" and api.count("client/add") == 1


async def test_an_unreachable_server_gives_not_received() -> None:
    api = ScriptedApi(client__add=[httpx.ConnectError("refused")])
    calls = calls_for(api, send_attempts=3)
    settled = await calls.submit(CLIENT_ADD, BODY)
    assert settled.state == "not_received" and "could not be sent" in settled.reason
    assert api.count("client/add") == 3 and api.request_ids("client/add") == {RID}
    assert calls.attempted and not calls.reached_server


async def test_resolve_of_an_id_the_server_does_not_know() -> None:
    api = ScriptedApi(request__status=[refused("unknown_request_id")])
    settled = await calls_for(api).resolve(CLIENT_ADD, RID)
    assert settled.state == "not_received"


async def test_an_error_answer_to_a_poll_is_asked_again() -> None:
    api = ScriptedApi(request__status=[refused("injected_error"), ok(client_id="CL-1")])
    settled = await calls_for(api).resolve(CLIENT_ADD, RID)
    assert settled.client_id == "CL-1"


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ([refused("injected_error"), ok(card={"card_id": "7001", "card_mask": "440043******1234"})], "ok"),
        ([refused("injected_error")], "raises"),
    ],
)
async def test_reads_are_retried_a_few_times(answers: list[Answer], outcome: str) -> None:
    api = ScriptedApi(card__info=answers)
    calls = calls_for(api, read_attempts=3)
    read: Callable[[], Any] = lambda: calls.read(CARD_INFO, {"request_id": RID, "card_id": "7001"})  # noqa: E731
    if outcome == "ok":
        result = await read()
        assert result.raw["card"]["card_mask"] == "440043******1234"
    else:
        with pytest.raises(Exception, match="injected_error"):
            await read()
        assert api.count("card/info") == 3
