"""Fault injection: the spec grammar and its errors, the JSON form, determinism, and what each
kind of fault does to a request (applied or not) as the client sees it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from fpconsole.sandbox import app as sandbox_app
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.faults import (
    DEFAULT_HOLD_S,
    FaultInjector,
    FaultRule,
    FaultSpec,
    FaultSpecError,
    fault_spec_from_json,
    parse_fault_spec,
)
from fpconsole.sandbox.settings import SandboxSettings

BODY = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001234"}
BLOCK = "/v5/card-api/card/block"
BLOCK_BODY = {**BODY, "description": "lost"}


# --- grammar -------------------------------------------------------------------------------


def test_the_full_grammar() -> None:
    spec = parse_fault_spec(
        "latency=200ms,jitter=50ms,error_rate=0.1,http5xx_rate=0.05,timeout_rate=0.01,drop_rate=1%,"
        "seed=7,hold=2s;card.block:error_rate=1;card/info:latency=1.5s"
    )
    assert spec.default == FaultRule(
        latency_ms=200, jitter_ms=50, error_rate=0.1, http5xx_rate=0.05, timeout_rate=0.01, drop_rate=0.01
    )
    assert spec.seed == 7 and spec.hold_s == 2
    assert set(spec.methods) == {"card.block", "card.info"}  # paths resolve to method names
    block = spec.rule_for("card.block")
    assert block.error_rate == 1 and block.latency_ms == 200  # per-method keys override, others inherit
    assert spec.rule_for("card.info").latency_ms == 1500
    assert spec.rule_for("card.balance") == spec.default
    assert parse_fault_spec(spec.to_spec()) == spec


def test_empty_spec_means_no_faults() -> None:
    for text in ("", " ", ";;"):
        spec = parse_fault_spec(text)
        assert not spec.enabled and spec.hold_s == DEFAULT_HOLD_S
    assert FaultInjector(parse_fault_spec("")).decide("card.info").outcome == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("eror_rate=0.1", "unknown key 'eror_rate' in 'eror_rate=0.1'; did you mean error_rate?"),
        ("speed=3", "unknown key 'speed'"),
        ("error_rate=2", "error_rate must be a rate between 0 and 1"),
        ("error_rate=abc", "error_rate must be a rate between 0 and 1"),
        ("drop_rate=150%", "drop_rate must be a rate between 0 and 1"),
        ("latency=fast", "latency must be a duration such as 200ms or 1.5s, got 'fast'"),
        ("latency=5m", "latency must be a duration"),
        ("latency=2000s", "latency must be at most 60s"),
        ("error_rate", "'error_rate' must be key=value"),
        ("card.blok:error_rate=1", "unknown method 'card.blok'; did you mean card.block"),
        ("card.block:seed=3", "seed applies to all methods"),
        ("latency=1ms;error_rate=1", "needs a METHOD: prefix"),
        ("seed=x", "seed must be a whole number"),
        ("hold=0s", "hold must be more than 0"),
    ],
)
def test_spec_errors_name_the_bad_key(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_fault_spec(text)
    assert message in str(caught.value)


def test_json_form() -> None:
    spec = fault_spec_from_json(
        {
            "latency_ms": 10,
            "error_rate": 0.5,
            "seed": 3,
            "hold_s": 5,
            "methods": {"card.block": {"drop_rate": 1}},
        }
    )
    assert spec.default == FaultRule(latency_ms=10, error_rate=0.5)
    assert spec.rule_for("card.block").drop_rate == 1 and spec.seed == 3 and spec.hold_s == 5
    assert fault_spec_from_json(spec.to_json()) == spec
    assert fault_spec_from_json({"spec": "error_rate=1"}).default.error_rate == 1
    assert not fault_spec_from_json({}).enabled


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"latency_ms": "200"}, "faults.latency_ms must be a number of milliseconds"),
        ({"error_rate": True}, "faults.error_rate must be a rate"),
        ({"methods": {"card.nope": {}}}, "unknown method 'card.nope'"),
        ({"methods": {"card.block": {"colour": 1}}}, "unknown key 'colour' in 'methods.card.block'"),
        ({"methods": []}, "methods must be an object"),
        ({"spec": "error_rate=1", "seed": 1}, "give either"),
        ({"hold_s": 9999}, "hold_s must be more than 0 and at most 600"),
    ],
)
def test_json_errors_name_the_bad_key(data: Any, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        fault_spec_from_json(data)
    assert message in str(caught.value)


def test_a_seed_makes_the_faults_reproducible() -> None:
    spec = parse_fault_spec("error_rate=0.3,drop_rate=0.2,jitter=40ms,latency=50ms,seed=11")
    first = [FaultInjector(spec).decide("card.info") for _ in range(1)]
    runs = []
    for _ in range(2):
        injector = FaultInjector(spec)
        runs.append([injector.decide("card.info") for _ in range(200)])
    assert runs[0] == runs[1] and first[0] == runs[0][0]
    outcomes = [d.outcome for d in runs[0]]
    assert 30 <= outcomes.count("error") <= 90  # ~0.3 × 200
    assert outcomes.count("drop") > 10
    assert all(0.010 <= d.delay_s <= 0.090 for d in runs[0])  # 50 ms ± 40 ms


# --- through the app ---------------------------------------------------------------------------


async def client_for(spec: FaultSpec, engine: Any, kit: Any) -> httpx.AsyncClient:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, faults=spec)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, engine)), base_url=kit.BASE
    )


async def test_error_rate_answers_injected_error_and_does_not_apply(recording_engine: Any, kit: Any) -> None:
    async with await client_for(parse_fault_spec("error_rate=1"), recording_engine, kit) as client:
        data = kit.envelope(await kit.post(client, kit.CARD_INFO, BODY), "injected_error")
    assert "not applied" in data["error_description"]
    assert recording_engine.calls == []


async def test_http5xx_rate_answers_503_and_does_not_apply(recording_engine: Any, kit: Any) -> None:
    async with await client_for(parse_fault_spec("http5xx_rate=100%"), recording_engine, kit) as client:
        kit.envelope(await kit.post(client, kit.CARD_INFO, BODY), "injected_error", status=503)
    assert recording_engine.calls == []


async def test_drop_rate_cuts_the_answer_after_applying(recording_engine: Any, kit: Any) -> None:
    async with await client_for(parse_fault_spec("drop_rate=1"), recording_engine, kit) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await kit.post(client, BLOCK, BLOCK_BODY)
    assert [call[0] for call in recording_engine.calls] == ["card.block"]


async def test_timeout_rate_withholds_the_answer_until_the_client_gives_up(
    recording_engine: Any, kit: Any
) -> None:
    async with await client_for(parse_fault_spec("timeout_rate=1"), recording_engine, kit) as client:
        # The hold is DEFAULT_HOLD_S (120 s): if giving up did not end it, wait_for would sit
        # out the hold and the outer deadline (well inside it) would fail the test.
        async with asyncio.timeout(DEFAULT_HOLD_S / 2):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(kit.post(client, BLOCK, BLOCK_BODY), timeout=0.3)
    assert [call[0] for call in recording_engine.calls] == ["card.block"]


async def test_timeout_hold_ends_with_a_cut_connection(
    recording_engine: Any, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    holds: list[tuple[float, bool]] = []  # (seconds asked, whether the client left first)
    real_hold = sandbox_app._hold

    async def recorded_hold(receive: Any, seconds: float) -> bool:
        left = await real_hold(receive, seconds)
        holds.append((seconds, left))
        return left

    monkeypatch.setattr(sandbox_app, "_hold", recorded_hold)
    async with await client_for(
        parse_fault_spec("timeout_rate=1,hold=200ms"), recording_engine, kit
    ) as client:
        async with asyncio.timeout(60):  # a deadline for a hang, not a speed check
            with pytest.raises(httpx.RemoteProtocolError):
                await kit.post(client, kit.CARD_INFO, BODY)
    # The hold was sat out to its end (the client did not leave first), then the line was cut.
    assert holds == [(0.2, False)]


async def test_latency_delays_the_answer(recording_engine: Any, kit: Any) -> None:
    async with await client_for(parse_fault_spec("latency=150ms"), recording_engine, kit) as client:
        started = time.monotonic()
        response = await kit.post(client, kit.CARD_INFO, BODY)
        waited = time.monotonic() - started
    # A lower bound only: a loaded machine can only make it longer (figures: bench/sandbox_timings.py).
    assert response.json()["status"] == "ok" and waited >= 0.15


async def test_faults_apply_per_method(recording_engine: Any, kit: Any) -> None:
    spec = parse_fault_spec("card.block:error_rate=1")
    async with await client_for(spec, recording_engine, kit) as client:
        kit.envelope(await kit.post(client, BLOCK, BLOCK_BODY), "injected_error")
        assert (await kit.post(client, kit.CARD_INFO, BODY)).json()["status"] == "ok"
    assert [call[0] for call in recording_engine.calls] == ["card.info"]


async def test_a_method_rule_can_switch_a_global_fault_off(recording_engine: Any, kit: Any) -> None:
    spec = parse_fault_spec("error_rate=1;card.info:error_rate=0")
    async with await client_for(spec, recording_engine, kit) as client:
        assert (await kit.post(client, kit.CARD_INFO, BODY)).json()["status"] == "ok"
        kit.envelope(await kit.post(client, BLOCK, BLOCK_BODY), "injected_error")


async def test_control_routes_are_never_faulted(kit: Any) -> None:
    # Otherwise error_rate=1 could never be switched off again. The partner's own settings live
    # in the engine's database, so this takes the real engine.
    settings = SandboxSettings(
        partners={kit.AUTH_ID: kit.SECRET}, faults=parse_fault_spec("error_rate=1,http5xx_rate=1")
    )
    async with httpx.AsyncClient(transport=embedded_transport(settings), base_url=kit.BASE) as client:
        response = await kit.post(client, "/sandbox/faults", {})
        assert response.status_code == 200 and response.json()["status"] == "ok"
        assert (await kit.post(client, kit.CARD_INFO, BODY)).json()["error_code"] == "not_found"


async def test_faults_change_at_runtime(kit: Any) -> None:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, delay=0)
    async with httpx.AsyncClient(transport=embedded_transport(settings), base_url=kit.BASE) as api:
        response = await kit.post(
            api, "/sandbox/faults", {"methods": {"card.info": {"error_rate": 1}}, "seed": 1}
        )
        data = response.json()
        assert data["status"] == "ok" and data["faults"]["methods"]["card.info"]["error_rate"] == 1
        assert data["spec"] == "seed=1;card.info:error_rate=1"
        kit.envelope(await kit.post(api, kit.CARD_INFO, BODY), "injected_error")
        # Health shows the default (a partner without settings of its own); the partner's are
        # its own business, read with /sandbox/faults/get.
        assert (await api.get("/sandbox/health")).json()["faults"] == "none"
        got = (await kit.post(api, "/sandbox/faults/get", {})).json()
        assert got["spec"] == "seed=1;card.info:error_rate=1" and got["source"] == "partner"
        kit.envelope(await kit.post(api, "/sandbox/faults", {"error_rate": 7}), "validation_error")
        await kit.post(api, "/sandbox/faults", {"spec": ""})
        assert (await kit.post(api, kit.CARD_INFO, BODY)).json()["error_code"] == "not_found"


async def test_faults_route_is_signed(api: httpx.AsyncClient, kit: Any) -> None:
    kit.envelope(await api.post("/sandbox/faults", content=b'{"error_rate":1}'), "missing_signature")


# --- what the real client makes of them ---------------------------------------------------------


async def test_the_client_recovers_a_dropped_or_timed_out_change_by_polling(kit: Any) -> None:
    from fpconsole.api.client import CardApiClient, ClientOptions
    from fpconsole.api.models import RequestStatusResponse
    from fpconsole.sandbox.embedded import embedded_transport

    settings = SandboxSettings.default(
        delay=0, faults=parse_fault_spec("client.add:drop_rate=1;card.issue:timeout_rate=1")
    )
    transport = embedded_transport(settings)
    options = ClientOptions(read_timeout=0.3, connect_timeout=0.1, poll=kit.real_client("x").options.poll)
    client = CardApiClient(
        base_url="http://sandbox.embedded",
        auth_id=kit.AUTH_ID,
        secret=kit.SECRET,
        transport=transport,
        options=options,
    )
    person = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
    try:
        added = await client.call("client.add", {"product_id": 2000, "client": person})
        # The connection broke after the request was applied: the client learnt the outcome from
        # request/status with the same request_id instead of sending it again.
        assert added.recovered
        added_status = await client.wait(added)
        assert isinstance(added_status, RequestStatusResponse) and added_status.client_id
        issued = await client.call("card.issue", {"product_id": 2000, "client_id": added_status.client_id})
        assert issued.recovered
        issued_status = await client.wait(issued)
        assert isinstance(issued_status, RequestStatusResponse) and issued_status.cards
    finally:
        await client.aclose()
