"""SandboxControl(on_control=…): every state-changing control call is reported once it has
ended (answer, refusal or no answer), reads are not, and a recorder that breaks never fails the
call it records."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.sandbox_control import ControlRecord, SandboxControl, is_control_method
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import SandboxSettings

CARD = "7001001"


def client_on(transport: httpx.AsyncBaseTransport) -> CardApiClient:
    return CardApiClient(
        base_url="http://sandbox.embedded",
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        transport=transport,
    )


@pytest.fixture
async def client() -> AsyncIterator[CardApiClient]:
    made = client_on(embedded_transport(SandboxSettings.default(delay=0, seed=1)))
    yield made
    await made.aclose()


async def test_state_changes_are_reported_and_reads_are_not(client: CardApiClient) -> None:
    seen: list[ControlRecord] = []
    control = SandboxControl(client, on_control=seen.append)
    await control.get_faults()
    await control.get_clock()
    await control.get_delay()
    await control.health()
    assert seen == []

    topped = await control.top_up(CARD, "150.50")
    await control.set_faults_spec("latency=5ms")
    await control.clear_faults()
    await control.set_delay(0)
    await control.settle()
    await control.advance_clock(60)
    await control.reset()
    assert [r.name for r in seen] == [
        "sandbox.top_up",
        "sandbox.set_faults",
        "sandbox.clear_faults",
        "sandbox.set_delay",
        "sandbox.settle",
        "sandbox.advance_clock",
        "sandbox.reset",
    ]
    assert all(r.outcome == "success" and is_control_method(r.name) for r in seen)
    top_up = seen[0]
    assert top_up.request_id == topped.request_id and top_up.path == "/sandbox/credit"
    assert top_up.request == {
        "request_id": topped.request_id,
        "card_id": CARD,
        "amount": 150.5,
        "currency": "KZT",
    }
    assert top_up.target_ids == {"card_id": CARD}
    assert top_up.response is not None and top_up.response["card_id"] == CARD
    assert BUILTIN_SANDBOX_SECRET not in repr(seen)
    assert seen[1].request == {"spec": "latency=5ms"} and seen[1].request_id is None


async def test_a_refusal_and_a_lost_answer_are_reported_with_why(client: CardApiClient) -> None:
    seen: list[ControlRecord] = []
    control = SandboxControl(client, on_control=seen.append)
    with pytest.raises(errors.ApiError):
        await control.top_up("9999999", "10")
    (refused,) = seen
    assert (refused.outcome, refused.error_code) == ("error", "not_found")

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    lost = client_on(httpx.MockTransport(drop))
    try:
        lost_seen: list[ControlRecord] = []
        with pytest.raises(errors.TransportError):
            await SandboxControl(lost, on_control=lost_seen.append).top_up(CARD, "10")
        (unknown,) = lost_seen
        assert unknown.outcome == "unknown" and unknown.response is None
        assert unknown.error_code == "TimedOut"
    finally:
        await lost.aclose()


async def test_a_broken_recorder_never_fails_the_call(client: CardApiClient) -> None:
    def broken(record: ControlRecord) -> None:
        raise RuntimeError("disk full")

    topped = await SandboxControl(client, on_control=broken).top_up(CARD, "10")
    assert topped.card_id == CARD
