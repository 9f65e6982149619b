"""The sandbox control client (fpconsole/api/sandbox_control.py) against the embedded sandbox and
against targets that are not one (a fake Card API, an older sandbox): typed results, input
checked before sending, refusals mapped onto the API's error classes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.sandbox_control import (
    ControlRouteMissing,
    FaultRule,
    FaultSettings,
    NotASandbox,
    SandboxControl,
    parse_duration,
)
from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import SandboxSettings

CARD = "7001001"


def control_on(
    transport: httpx.AsyncBaseTransport, base_url: str = "http://sandbox.embedded"
) -> SandboxControl:
    client = CardApiClient(
        base_url=base_url,
        auth_id=BUILTIN_SANDBOX_AUTH_ID,
        secret=BUILTIN_SANDBOX_SECRET,
        transport=transport,
    )
    return SandboxControl(client)


@pytest.fixture
async def control() -> AsyncIterator[SandboxControl]:
    made = control_on(embedded_transport(SandboxSettings.default(delay=0, seed=1)))
    yield made
    await made.client.aclose()


async def balance(control: SandboxControl, card_id: str = CARD) -> Decimal:
    result = await control.client.call("card.balance", {"card_id": card_id})
    return Decimal(str(result.raw["balances"]["accounts"][0]["amount"]))


async def test_health_says_what_runs(control: SandboxControl) -> None:
    health = await control.health()
    assert health.service == "fpconsole-sandbox"
    assert health.partners_count == 1 and BUILTIN_SANDBOX_AUTH_ID not in str(health)
    assert health.version and health.faults == "none"


async def test_top_up_credits_the_card_and_answers_its_accounts(control: SandboxControl) -> None:
    before = await balance(control)
    done = await control.top_up(CARD, "1500.50")
    assert (done.card_id, done.amount, done.currency) == (CARD, Decimal("1500.50"), "KZT")
    assert done.request_id
    assert done.accounts[0].amount == before + Decimal("1500.50")
    assert await balance(control) == before + Decimal("1500.50")


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("1e5", "no exponent"),
        ("-5", "greater than zero"),
        ("0", "greater than zero"),
        ("1 000", "no spaces"),
        ("1.234", "2 decimal places"),
        ("lots", "use digits"),
    ],
)
async def test_a_bad_amount_is_refused_naming_the_field_before_sending(
    control: SandboxControl, amount: str, says: str
) -> None:
    before = await balance(control)
    with pytest.raises(errors.InvalidRequest) as refused:
        await control.top_up(CARD, amount)
    assert refused.value.errors[0].field == "amount"
    assert says in str(refused.value)
    assert await balance(control) == before


async def test_a_bad_currency_names_the_field(control: SandboxControl) -> None:
    with pytest.raises(errors.InvalidRequest) as refused:
        await control.top_up(CARD, "10", "XYZ")
    assert [e.field for e in refused.value.errors] == ["currency"]


async def test_an_unknown_card_is_the_sandboxs_not_found(control: SandboxControl) -> None:
    with pytest.raises(errors.ApiError) as refused:
        await control.top_up("7999999", "10")
    assert refused.value.error_code == "not_found"
    assert "7999999" in str(refused.value)


async def test_faults_set_and_cleared_answer_the_settings_in_force(control: SandboxControl) -> None:
    wanted = FaultSettings(FaultRule(latency_ms=5), {"card.block": FaultRule(error_rate=1)})
    faults = await control.set_faults(wanted)
    assert faults.active and faults.settings == wanted
    assert faults.spec == "latency=5ms;card.block:error_rate=1"
    cleared = await control.set_faults(FaultSettings())
    assert not cleared.active and cleared.spec == "none"


async def test_a_compact_spec_the_sandbox_refuses_is_an_invalid_request_naming_the_key(
    control: SandboxControl,
) -> None:
    with pytest.raises(errors.InvalidRequest) as refused:
        await control.set_faults_spec("eror_rate=0.1")
    assert "did you mean error_rate" in str(refused.value)


@pytest.mark.parametrize(
    ("rule", "field"),
    [(FaultRule(error_rate=1.5), "error_rate"), (FaultRule(latency_ms=-1), "latency")],
)
async def test_fault_values_out_of_range_are_refused_before_sending(
    control: SandboxControl, rule: FaultRule, field: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as refused:
        await control.set_faults(FaultSettings(rule))
    assert refused.value.errors[0].field == field
    assert (await control.health()).faults == "none"


async def test_seed_adds_demo_clients_and_refuses_a_count_out_of_range(control: SandboxControl) -> None:
    seeded = await control.seed(2)
    assert seeded.counts["clients"] == 2
    for count in (0, 1001):
        with pytest.raises(errors.InvalidRequest) as refused:
            await control.seed(count)
        assert refused.value.errors[0].field == "count"


async def test_reset_forgets_the_cards(control: SandboxControl) -> None:
    await control.reset()
    with pytest.raises(errors.ApiError) as refused:
        await control.top_up(CARD, "10")
    assert refused.value.error_code == "not_found"


def fake_server(answers: dict[str, httpx.Response]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        return answers.get(request.url.path, httpx.Response(404, text="Not Found"))

    return httpx.MockTransport(handle)


async def test_a_target_without_sandbox_routes_is_not_a_sandbox() -> None:
    control = control_on(fake_server({}), "https://test-api.example.kz")
    with pytest.raises(NotASandbox) as refused:
        await control.top_up(CARD, "10")
    assert "is not a sandbox" in str(refused.value)
    assert "sandbox-only" in str(refused.value)
    with pytest.raises(NotASandbox):
        await control.health()
    await control.client.aclose()


async def test_a_sandbox_without_the_route_is_named_older() -> None:
    health = {"status": "ok", "service": "fpconsole-sandbox", "version": "0.0.9", "partners": []}
    missing = {
        "status": "error",
        "error_code": "unknown_method",
        "error_description": "no method at /sandbox/credit",
    }
    control = control_on(
        fake_server(
            {
                "/sandbox/health": httpx.Response(200, json=health),
                "/sandbox/credit": httpx.Response(404, content=json.dumps(missing).encode()),
            }
        ),
        "http://127.0.0.1:8642",
    )
    with pytest.raises(ControlRouteMissing) as refused:
        await control.top_up(CARD, "10")
    assert "fpconsole 0.0.9" in str(refused.value) and "/sandbox/credit" in str(refused.value)
    assert isinstance(refused.value, errors.ApiError)
    await control.client.aclose()


async def test_a_server_that_is_down_is_a_transport_error() -> None:
    def refuse(request: httpx.Request) -> Any:
        raise httpx.ConnectError("connection refused", request=request)

    control = control_on(httpx.MockTransport(refuse), "http://127.0.0.1:9")
    with pytest.raises(errors.CannotConnect):
        await control.top_up(CARD, "10")
    await control.client.aclose()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("90", 90), ("1.5h", 5400), ("500ms", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2x", "h", "-1h", "1e3s", "1 day", "inf"])
def test_a_bad_duration_names_the_field_and_the_fix(text: str) -> None:
    with pytest.raises(errors.InvalidRequest) as refused:
        parse_duration(text, field_name="DURATION")
    assert refused.value.errors[0].field == "DURATION"
    assert "e.g. 30s" in str(refused.value)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_a_duration_or_an_invalid_request(text: str) -> None:
    with contextlib.suppress(errors.InvalidRequest):
        assert 0 <= parse_duration(text) < float("inf")


# --- answers of any shape read without a traceback ---------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_FIELDS = st.sampled_from(
    [
        "name",
        "created_at",
        "clients",
        "size_bytes",
        "at",
        "kind",
        "request_id",
        "amount",
        "type",
        "from_status",
        "to_status",
        "reason",
        "merchant_name",
        "http_status",
        "latency_ms",
        "partners",
        "partners_count",
        "delay",
        "faults",
        "workers",
        "methods",
        "seed",
        "hold_s",
        "error_rate",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_FIELDS, _JSON, max_size=8))
def test_any_answer_reads_as_a_typed_result_or_defaults(data: dict[str, Any]) -> None:
    from fpconsole.api.sandbox_control import Backup, FaultSettings, Health, HistoryEvent, ReceivedRequest

    Backup.from_json(data)
    Health.from_json(data)
    FaultSettings.from_json(data)
    ReceivedRequest.from_json(data)
    assert isinstance(HistoryEvent.from_json(data).summary(), str)


def test_history_events_read_as_people_write_them() -> None:
    from fpconsole.api.sandbox_control import HistoryEvent

    status = {"at": "x", "kind": "status", "from_status": "active", "to_status": "blocked", "reason": "lost"}
    ledger = {"at": "x", "kind": "ledger", "type": "credit", "amount": 4410.5, "currency": "KZT"}
    assert HistoryEvent.from_json(status).summary() == "active → blocked (lost)"
    assert HistoryEvent.from_json(ledger).summary() == "credit 4410.50 KZT"


def test_health_takes_a_partner_list_or_a_count() -> None:
    from fpconsole.api.sandbox_control import Health

    assert Health.from_json({"partners": ["1", "2"]}).partners_count == 2
    assert Health.from_json({"partners": 3}).partners_count == 3


@pytest.mark.parametrize("odd", [float("inf"), float("nan"), 10**400])
def test_numbers_no_float_holds_read_as_absent(odd: Any) -> None:
    from fpconsole.api.sandbox_control import Backup, Health

    assert Backup.from_json({"clients": odd}).clients == 0
    assert Health.from_json({"workers": odd, "delay": odd}).delay_s is None
    assert FaultSettings.from_json({"error_rate": odd, "hold_s": odd}) == FaultSettings()
