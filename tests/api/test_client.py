"""The async client through `httpx.MockTransport`: what goes on the wire, and every error class
with the retry and recovery rules (SPEC §2: a state-changing call is never resent; after an
unknown outcome it asks request/status about the same request_id)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from fpconsole.api import errors
from fpconsole.api.client import CallResult, CardApiClient
from fpconsole.api.events import CANCELLED, ClientEvent, RequestFailed, RequestSent, ResponseReceived
from fpconsole.api.methods import REGISTRY
from fpconsole.api.models import CardInfoResponse, RequestStatusResponse
from fpconsole.api.signing import HEADER_NAME, b64url_decode, verify

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
CARD_INFO = {"card_id": "7001234"}
BLOCK = {"request_id": RID, "card_id": "7001234", "description": "lost"}


def record(client: CardApiClient) -> list[ClientEvent]:
    events: list[ClientEvent] = []
    client.subscribe(events.append)
    return events


# --- the wire ---------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS512", "HS256"])
async def test_body_on_the_wire_is_the_signed_payload(
    make_client: Any, fake_api: Any, kit: Any, alg: str
) -> None:
    fake_api.on("card/block", kit.ok("process"))
    client = make_client(alg=alg)
    prepared = client.prepare("card.block", BLOCK)
    result = await client.call("card.block", BLOCK)
    assert result.request_status == "process"
    [seen] = fake_api.seen
    assert seen.body == prepared.body  # exactly the bytes that were signed
    assert seen.body == json.dumps(seen.json, separators=(",", ":")).encode()  # compact JSON
    header = verify(
        seen.headers[HEADER_NAME],
        seen.body,
        uri="/v5/card-api/card/block",
        method="POST",
        secrets={kit.AUTH_ID: kit.SECRET},
    )
    assert (header.alg, header.auth_id, header.params) == (alg, kit.AUTH_ID, "")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["accept"] == "application/json"
    assert str(seen.json["request_id"]) == RID


async def test_every_request_the_fake_saw_was_signed_correctly(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/info", kit.ok(card={"card_id": "7001234"}))
    fake_api.on("client/add", kit.ok("process"))
    client = make_client()
    await client.call("card.info", CARD_INFO)
    await client.call(
        "client.add",
        {
            "product_id": 2000,
            "client": {
                "phone": "77011234567",
                "type": "1",
                "resident": "1",
                "first_name": "A",
                "last_name": "B",
            },
        },
    )
    assert [s.signature_error for s in fake_api.seen] == [None, None]
    sent = fake_api.seen[1].json
    assert sent["client"]["phone"] == 77011234567 and sent["product_id"] == 2000  # converted, not text


async def test_missing_request_id_is_generated_uuid4_each_time(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/info", kit.ok(card={"card_id": "7001234"}))
    client = make_client()
    first = await client.call("card.info", CARD_INFO)
    second = await client.call("card.info", {"card_id": "7001234", "request_id": ""})
    ids = [s.json["request_id"] for s in fake_api.seen]
    assert ids == [first.request_id, second.request_id]
    assert ids[0] != ids[1]
    assert all(uuid.UUID(i).version == 4 for i in ids)


async def test_given_request_id_is_kept(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/info", kit.ok(card={"card_id": "7001234"}))
    client = make_client()
    result = await client.call("card.info", {**CARD_INFO, "request_id": RID})
    assert result.request_id == RID
    assert fake_api.seen[0].json["request_id"] == RID


async def test_success_returns_parsed_and_raw(make_client: Any, fake_api: Any, kit: Any) -> None:
    answer = kit.ok(card={"card_id": "7001234", "card_mask": "440043******1237", "shiny": True}, extra=1)
    fake_api.on("card/info", answer)
    client = make_client()
    events = record(client)
    result = await client.call(REGISTRY.resolve("card.info"), CARD_INFO)
    assert isinstance(result, CallResult) and not result.recovered
    assert isinstance(result.response, CardInfoResponse)
    assert result.response.card is not None and result.response.card.card_mask == "440043******1237"
    assert result.response.card.model_extra == {"shiny": True}
    assert result.raw == answer
    assert [type(e) for e in events] == [RequestSent, ResponseReceived]
    sent, answered = events
    assert isinstance(sent, RequestSent) and sent.target_ids == {"card_id": "7001234"}
    assert sent.changes_state is False and sent.path == "/v5/card-api/card/info"
    assert isinstance(answered, ResponseReceived) and answered.request_status == "success"


async def test_invalid_request_raises_before_anything_is_sent(make_client: Any, fake_api: Any) -> None:
    client = make_client()
    events = record(client)
    with pytest.raises(errors.InvalidRequest) as caught:
        await client.call("card.block", {"card_id": "7001234"})
    assert [e.field for e in caught.value.errors] == ["description"]
    assert caught.value.method == "card.block"
    assert "description: is required" in caught.value.message
    assert fake_api.seen == [] and events == []


# --- CannotConnect ----------------------------------------------------------------------


@pytest.mark.parametrize("name,body", [("card.info", CARD_INFO), ("card.block", BLOCK)])
async def test_cannot_connect_is_retried_then_raised(
    make_client: Any, fake_api: Any, fake_time: Any, name: str, body: dict[str, Any]
) -> None:
    # The server never saw a refused connection, so even a state-changing call may be retried.
    fake_api.on(REGISTRY.resolve(name).short_path, httpx.ConnectError("connection refused"))
    client = make_client(read_retries=2, retry_backoff=0.25)
    events = record(client)
    with pytest.raises(errors.CannotConnect) as caught:
        await client.call(name, body)
    assert len(fake_api.seen) == 3  # first try + read_retries
    assert fake_time.delays == [0.25, 0.5]
    assert caught.value.outcome_unknown is False
    assert caught.value.method == name
    assert caught.value.request_id == fake_api.seen[0].json["request_id"]
    assert fake_api.requests_to("request/status") == []
    failed = events[-1]
    assert isinstance(failed, RequestFailed)
    assert (failed.error, failed.outcome_unknown) == ("CannotConnect", False)


# --- TimedOut ---------------------------------------------------------------------------


@pytest.mark.parametrize("retries", [0, 1, 3])
async def test_read_timeout_on_a_read_is_retried_read_retries_times(
    make_client: Any, fake_api: Any, fake_time: Any, retries: int
) -> None:
    fake_api.on("card/info", httpx.ReadTimeout("slow"))
    client = make_client(read_retries=retries)
    with pytest.raises(errors.TimedOut) as caught:
        await client.call("card.info", CARD_INFO)
    assert len(fake_api.requests_to("card/info")) == retries + 1
    assert len(fake_time.delays) == retries
    assert caught.value.outcome_unknown is True
    assert caught.value.method == "card.info"
    assert caught.value.request_id == fake_api.seen[0].json["request_id"]


async def test_read_recovers_when_a_retry_answers(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/info", httpx.ReadTimeout("slow"), kit.ok(card={"card_id": "7001234"}))
    client = make_client(read_retries=2)
    result = await client.call("card.info", CARD_INFO)
    assert result.request_status == "success"
    attempts = fake_api.requests_to("card/info")
    assert len(attempts) == 2
    assert attempts[0].body == attempts[1].body  # the same request, same request_id


async def test_timeout_on_a_state_change_is_not_resent_and_recovers_from_request_status(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.ok("success", cards=[], client_id=None))
    client = make_client(read_retries=2)
    events = record(client)
    result = await client.call("card.block", BLOCK)
    assert len(fake_api.requests_to("card/block")) == 1  # the mutation went out exactly once
    [poll] = fake_api.requests_to("request/status")
    assert poll.json == {"request_id": RID}
    assert poll.signature_error is None
    assert result.recovered is True
    assert result.method.name == "card.block" and result.request_id == RID
    assert isinstance(result.response, RequestStatusResponse)
    assert result.request_status == "success"
    # The poll itself is quiet (no RequestSent of its own); its answer is reported as the
    # block's answer, so the journal learns the status.
    assert [type(e) for e in events] == [RequestSent, ResponseReceived]
    assert events[1].method == "card.block" and events[1].request_status == "success"


async def test_recovered_result_may_still_be_in_process(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.ok("process"))
    result = await make_client().call("card.block", BLOCK)
    assert result.recovered and result.in_process


async def test_timeout_then_unknown_request_id_means_not_received(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.api_error("unknown_request_id", f"no request with request_id {RID}"))
    client = make_client()
    events = record(client)
    with pytest.raises(errors.TimedOut) as caught:
        await client.call("card.block", BLOCK)
    assert caught.value.outcome_unknown is False  # known: the server never received it
    assert "not received" in caught.value.message and RID in caught.value.message
    assert caught.value.request_id == RID
    assert len(fake_api.requests_to("card/block")) == 1
    assert [s.json["request_id"] for s in fake_api.requests_to("request/status")] == [RID]
    failed = events[-1]
    assert isinstance(failed, RequestFailed) and failed.outcome_unknown is False


async def test_timeout_then_another_refusal_of_the_poll_stays_unknown(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    # Only "no such request" proves the request never arrived; any other refusal proves nothing.
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", kit.api_error("invalid_signature", "bad signature"))
    with pytest.raises(errors.TimedOut) as caught:
        await make_client().call("card.block", BLOCK)
    assert caught.value.outcome_unknown is True
    assert "not received" not in caught.value.message


async def test_timeout_when_request_status_also_fails_stays_unknown(
    make_client: Any, fake_api: Any, fake_time: Any
) -> None:
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", httpx.ReadTimeout("still slow"))
    client = make_client(read_retries=1)
    events = record(client)
    with pytest.raises(errors.TimedOut) as caught:
        await client.call("card.block", BLOCK)
    assert caught.value.outcome_unknown is True
    assert len(fake_api.requests_to("card/block")) == 1
    # The status poll is a read: it is retried, always about the same request_id.
    assert [s.json["request_id"] for s in fake_api.requests_to("request/status")] == [RID, RID]
    failed = events[-1]
    assert isinstance(failed, RequestFailed) and failed.outcome_unknown is True


# --- ConnectionDropped ------------------------------------------------------------------


@pytest.mark.parametrize(
    "drop", [httpx.RemoteProtocolError("peer closed"), httpx.ReadError("reset"), httpx.WriteError("pipe")]
)
async def test_dropped_connection_on_a_read_is_retried_then_raised(
    make_client: Any, fake_api: Any, drop: Exception
) -> None:
    fake_api.on("card/info", drop)
    client = make_client(read_retries=2)
    with pytest.raises(errors.ConnectionDropped) as caught:
        await client.call("card.info", CARD_INFO)
    assert len(fake_api.seen) == 3
    assert caught.value.outcome_unknown is True


async def test_dropped_connection_on_a_state_change_polls_request_status(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.RemoteProtocolError("peer closed"))
    fake_api.on("request/status", kit.ok("success"))
    result = await make_client().call("card.block", BLOCK)
    assert result.recovered
    assert len(fake_api.requests_to("card/block")) == 1
    assert [s.json for s in fake_api.requests_to("request/status")] == [{"request_id": RID}]


# --- HttpStatusError --------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_on_a_read_is_retried_then_raised(
    make_client: Any, fake_api: Any, fake_time: Any, status: int
) -> None:
    fake_api.on("card/info", httpx.Response(status, text="upstream trouble"))
    client = make_client(read_retries=2)
    with pytest.raises(errors.HttpStatusError) as caught:
        await client.call("card.info", CARD_INFO)
    assert len(fake_api.seen) == 3
    assert caught.value.status_code == status
    assert caught.value.body == b"upstream trouble"
    assert caught.value.outcome_unknown is True
    assert f"HTTP {status}" in caught.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_4xx_is_not_retried(make_client: Any, fake_api: Any, fake_time: Any, status: int) -> None:
    fake_api.on("card/info", httpx.Response(status, json={"detail": "no"}))
    client = make_client(read_retries=2)
    with pytest.raises(errors.HttpStatusError) as caught:
        await client.call("card.info", CARD_INFO)
    assert len(fake_api.seen) == 1
    assert fake_time.delays == []
    assert caught.value.status_code == status
    assert caught.value.outcome_unknown is False


async def test_4xx_on_a_state_change_is_raised_without_polling(make_client: Any, fake_api: Any) -> None:
    fake_api.on("card/block", httpx.Response(401, text="bad signature"))
    with pytest.raises(errors.HttpStatusError):
        await make_client().call("card.block", BLOCK)
    assert len(fake_api.requests_to("card/block")) == 1
    assert fake_api.requests_to("request/status") == []


async def test_5xx_on_a_state_change_is_not_resent_but_polled(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", httpx.Response(503, text="busy"))
    fake_api.on("request/status", kit.ok("success"))
    result = await make_client(read_retries=2).call("card.block", BLOCK)
    assert result.recovered
    assert len(fake_api.requests_to("card/block")) == 1


# --- ApiError ---------------------------------------------------------------------------


async def test_status_error_raises_api_error_with_code_and_description(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    answer = kit.api_error("invalid_state", "card 7001234 is closed")
    fake_api.on("card/block", answer)
    client = make_client()
    events = record(client)
    with pytest.raises(errors.ApiError) as caught:
        await client.call("card.block", BLOCK)
    error = caught.value
    assert (error.error_code, error.error_description) == ("invalid_state", "card 7001234 is closed")
    assert error.message == "invalid_state: card 7001234 is closed"
    assert error.response == answer
    assert (error.method, error.request_id) == ("card.block", RID)
    assert len(fake_api.seen) == 1  # an answer, not a transport problem: never retried
    answered = events[-1]
    assert isinstance(answered, ResponseReceived)
    assert (answered.status, answered.error_code) == ("error", "invalid_state")


async def test_api_error_without_details_still_says_error(make_client: Any, fake_api: Any) -> None:
    fake_api.on("card/info", {"status": "error"})
    with pytest.raises(errors.ApiError) as caught:
        await make_client().call("card.info", CARD_INFO)
    assert caught.value.error_code is None
    assert caught.value.message == "error: the API reported an error"


async def test_final_request_status_error_with_status_ok_is_a_result(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/block", kit.ok("error", error_code="limit", error_description="too many"))
    result = await make_client().call("card.block", BLOCK)
    assert result.request_status == "error"
    assert result.response.error_code == "limit"


# --- BadResponse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>gateway</html>", "not JSON"),
        (b"", "not JSON"),
        (b'["status", "ok"]', "not a JSON object"),
        (b'"ok"', "not a JSON object"),
        (b'{"request_status": "success"}', "does not match card.info's response"),
        (b'{"status": "ok", "card": {"card_mask": "x"}}', "does not match card.info's response"),
        (b'{"status": 7}', "does not match"),
        (b'{"status": "ok", "card": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ],
    ids=["html", "empty", "array", "string", "no-status", "card-without-id", "status-not-text", "too-deep"],
)
async def test_bad_response_keeps_the_raw_body(
    make_client: Any, fake_api: Any, body: bytes, says: str
) -> None:
    fake_api.on("card/info", httpx.Response(200, content=body))
    client = make_client(read_retries=2)
    events = record(client)
    with pytest.raises(errors.BadResponse) as caught:
        await client.call("card.info", CARD_INFO)
    assert caught.value.body == body
    assert says in caught.value.message
    assert caught.value.method == "card.info"
    assert len(fake_api.seen) == 1
    failed = events[-1]
    assert isinstance(failed, RequestFailed) and failed.error == "BadResponse"


async def test_bad_response_names_the_field_that_did_not_match(make_client: Any, fake_api: Any) -> None:
    fake_api.on("card/info", {"status": "ok", "card": {"card_mask": "x"}})
    with pytest.raises(errors.BadResponse) as caught:
        await make_client().call("card.info", CARD_INFO)
    assert "card.card_id" in caught.value.message


# --- cancellation -------------------------------------------------------------------------


def parked_client(kit: Any, fake_time: Any, arrived: asyncio.Event) -> CardApiClient:
    """A client whose server takes every request and never answers, until the call is cancelled."""

    async def handler(request: httpx.Request) -> httpx.Response:
        arrived.set()
        await asyncio.Future()  # parks until cancelled
        raise AssertionError("never answered")

    return CardApiClient(
        base_url=kit.BASE_URL,
        auth_id=kit.AUTH_ID,
        secret=kit.SECRET,
        transport=httpx.MockTransport(handler),
        clock=lambda: kit.FIXED_NOW,
        sleep=fake_time.sleep,
        monotonic=fake_time.monotonic,
    )


async def cancel_when(task: asyncio.Task[Any], arrived: asyncio.Event) -> None:
    await asyncio.wait_for(arrived.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
    assert task.cancelled()  # the cancellation went through, not swallowed


async def test_a_read_cancelled_after_sending_ends_with_a_cancelled_event(kit: Any, fake_time: Any) -> None:
    # The Cards screen reads card.info in an exclusive worker: moving the cursor cancels it.
    arrived = asyncio.Event()
    client = parked_client(kit, fake_time, arrived)
    events = record(client)
    try:
        await cancel_when(asyncio.create_task(client.call("card.info", CARD_INFO)), arrived)
    finally:
        await client.aclose()
    sent, cancelled = events
    assert isinstance(sent, RequestSent) and isinstance(cancelled, RequestFailed)
    assert cancelled.cancelled and cancelled.error == CANCELLED
    assert (cancelled.method, cancelled.request_id) == ("card.info", sent.request_id)
    assert cancelled.outcome_unknown is False  # a read: nothing to poll
    assert cancelled.latency_ms is not None


async def test_a_state_change_cancelled_after_sending_is_unknown_and_not_polled(
    kit: Any, fake_time: Any
) -> None:
    arrived = asyncio.Event()
    client = parked_client(kit, fake_time, arrived)
    events = record(client)
    body = {"request_id": RID, "card_id": "7001234", "pin": "4821"}
    try:
        await cancel_when(asyncio.create_task(client.call("card.set_pin", body)), arrived)
    finally:
        await client.aclose()
    assert [type(e) for e in events] == [RequestSent, RequestFailed]
    cancelled = events[-1]
    assert isinstance(cancelled, RequestFailed) and cancelled.cancelled
    assert cancelled.request_id == RID and cancelled.outcome_unknown is True
    assert "request/status" in cancelled.message and "same request_id" in cancelled.message
    assert "4821" not in repr(events)  # no secret in any event


async def test_a_read_cancelled_while_backing_off_before_a_retry_ends_too(
    make_client: Any, fake_api: Any, fake_time: Any
) -> None:
    fake_api.on("card/info", httpx.ReadTimeout("slow"))
    fake_time.block_from = 0  # the retry's backoff parks
    client = make_client(read_retries=2)
    events = record(client)
    task = asyncio.create_task(client.call("card.info", CARD_INFO))
    await asyncio.wait_for(fake_time.sleeping.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
    assert len(fake_api.seen) == 1
    assert [type(e) for e in events] == [RequestSent, RequestFailed]
    assert isinstance(events[-1], RequestFailed) and events[-1].cancelled


async def test_a_status_poll_cancelled_during_recovery_reports_the_original_once(
    make_client: Any, fake_api: Any, fake_time: Any
) -> None:
    # card.block timed out; its request/status poll times out too and the poll's retry parks.
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", httpx.ReadTimeout("still slow"))
    fake_time.block_from = 0
    client = make_client(read_retries=1)
    events = record(client)
    task = asyncio.create_task(client.call("card.block", BLOCK))
    await asyncio.wait_for(fake_time.sleeping.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=10)
    assert [type(e) for e in events] == [RequestSent, RequestFailed]
    failed = events[-1]
    assert isinstance(failed, RequestFailed) and failed.cancelled
    assert (failed.method, failed.request_id, failed.outcome_unknown) == ("card.block", RID, True)
    assert len(fake_api.requests_to("card/block")) == 1  # never resent


# --- misc -------------------------------------------------------------------------------


async def test_wait_follows_process_to_the_final_status(
    make_client: Any, fake_api: Any, fake_time: Any, kit: Any
) -> None:
    fake_api.on("card/block", kit.ok("process"))
    fake_api.on("request/status", kit.ok("process"), kit.ok("success", client_id="CL-1"))
    client = make_client()
    result = await client.call("card.block", BLOCK)
    final = await client.wait(result)
    assert final.request_status == "success"
    assert [s.json["request_id"] for s in fake_api.requests_to("request/status")] == [RID, RID]
    assert fake_time.delays[0] == client.options.poll.first_delay


async def test_wait_on_a_final_result_does_not_poll(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/block", kit.ok("success"))
    client = make_client()
    result = await client.call("card.block", BLOCK)
    assert await client.wait(result) is result.response
    assert fake_api.requests_to("request/status") == []


async def test_failing_subscriber_does_not_break_the_call(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on("card/info", kit.ok(card={"card_id": "7001234"}))
    client = make_client()

    def broken(event: ClientEvent) -> None:
        raise RuntimeError("journal disk full")

    client.subscribe(broken)
    result = await client.call("card.info", CARD_INFO)
    assert result.request_status == "success"
    assert [str(e) for e in client.events.errors] == ["journal disk full", "journal disk full"]


def test_unknown_method_suggests_close_names() -> None:
    with pytest.raises(KeyError, match=r"did you mean card\.block"):
        CardApiClient.resolve("card.blok")


def test_method_resolves_by_name_path_and_short_path() -> None:
    method = REGISTRY.resolve("card.block")
    assert REGISTRY.resolve("/v5/card-api/card/block") is method
    assert REGISTRY.resolve("card/block") is method
    assert REGISTRY.resolve("/v5/partner/external/cardholder_validate").name == "external.cardholder_validate"


def test_signature_header_decodes_to_the_methods_path(make_client: Any) -> None:
    prepared = make_client().prepare("limits.list", {"object": {"type": "card", "value": "7001234"}})
    header = json.loads(b64url_decode(prepared.headers[HEADER_NAME].split("..")[0]))
    assert header["uri"] == "/v5/card-api/limits/list" and header["method"] == "POST"
    assert prepared.url == "http://card-api.test/v5/card-api/limits/list"


@pytest.mark.parametrize("name", ["request.status", "transaction.request_status"])
async def test_a_status_lookup_never_generates_the_id_it_asks_about(
    make_client: Any, fake_api: Any, name: str
) -> None:
    # A fresh UUID would ask about a request that does not exist; the id must be given.
    method = REGISTRY.resolve(name)
    assert method.looks_up_request_id and not method.generates_request_id
    with pytest.raises(errors.InvalidRequest) as caught:
        await make_client().call(name, {})
    assert [str(e) for e in caught.value.errors] == ["request_id: is required"]
    with pytest.raises(errors.InvalidRequest) as caught:
        await make_client().call(name, {"request_id": "x"})
    [problem] = caught.value.errors
    assert problem.field == "request_id" and "the request_id of the earlier request" in problem.message
    assert "generated" not in problem.message
    assert fake_api.seen == []


async def test_transaction_request_status_posts_to_request_status(make_client: Any, fake_api: Any) -> None:
    """Docs page api-14318518: the transaction twin is the same path, signed for that path, and
    its answer's transaction_id and fin_document_id are read."""
    tx = "019ab688-bef2-72c4-6a29-d0e08be76d95"
    answer = {"status": "ok", "request_status": "success", "transaction_id": tx, "fin_document_id": "FD-7"}
    fake_api.on("request/status", answer)
    result = await make_client().call("transaction.request_status", {"request_id": RID})
    [seen] = fake_api.seen
    assert seen.path == "/v5/card-api/request/status" and seen.signature_error is None
    assert seen.json == {"request_id": RID}
    response: Any = result.response
    assert (response.transaction_id, response.fin_document_id) == (tx, "FD-7")


def test_every_other_method_with_a_request_id_generates_it() -> None:
    lookups = {m.name for m in REGISTRY if m.looks_up_request_id}
    assert lookups == {"request.status"}
    for method in REGISTRY:
        if method.name not in lookups:
            assert method.generates_request_id == method.has_request_id, method.name


async def test_transport_watchers_see_every_exchange_polls_included(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    """Whether the server is there at all: an HTTP answer of any kind (an error envelope, a 503)
    is None, a failure is its TransportError; the client's own status polls (no events) too."""
    fake_api.on("card/info", httpx.ConnectError("refused"), httpx.Response(503, json={}), kit.ok())
    fake_api.on("card/block", httpx.ReadTimeout("slow"))
    fake_api.on("request/status", httpx.RemoteProtocolError("peer closed connection"))
    client = make_client(read_retries=2, retry_backoff=0.001)
    seen: list[str] = []
    unsubscribe = client.watch_transport(lambda failure: seen.append(type(failure).__name__))
    await client.call("card.info", CARD_INFO)
    assert seen == ["CannotConnect", "NoneType", "NoneType"]  # refused, the 503, the answer
    seen.clear()
    with pytest.raises(errors.TimedOut):
        await client.call("card.block", BLOCK)  # its recovery poll (emit=False, retried) is seen too
    assert seen == ["TimedOut"] + ["ConnectionDropped"] * 3
    unsubscribe()
    with pytest.raises(errors.TimedOut):
        await client.call("card.block", BLOCK)
    assert len(seen) == 4


async def test_a_failing_transport_watcher_does_not_break_the_call(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/info", kit.ok())
    client = make_client()

    def broken(_: object) -> None:
        raise RuntimeError("watcher bug")

    client.watch_transport(broken)
    result = await client.call("card.info", CARD_INFO)
    assert result.request_status == "success"
