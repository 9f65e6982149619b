"""The HTTP layer of the sandbox: routes from the registry, the error envelope, validation
messages that name the field, and no 500 whatever the client sends."""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fpconsole.api.methods import REGISTRY
from fpconsole.sandbox.app import create_app, encode
from fpconsole.sandbox.errors import ERROR_CODES
from fpconsole.sandbox.settings import SandboxSettings

CARD_BODY = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001234"}


async def test_every_registry_method_and_alias_is_routed(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    paths = [(m.name, path) for m in REGISTRY for path in (m.path, *m.aliases)]
    assert len(paths) == len(REGISTRY) + 1  # the one alias: cardholder_validate under /v5/partner/
    for name, path in paths:
        response = await kit.post(api, path, {})
        # Reaching validation proves the route exists and picked this method's model.
        data = kit.envelope(response, "validation_error")
        assert data["errors"], (name, data)
    alias = "/v5/partner/external/cardholder_validate"
    body = {
        "request_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "user_phone": "77011234567",
        "first_name": "ALIYA",
        "last_name": "SERIKOVA",
        "card_token": "828cf71d-a447-4a67-a149-c1df8bc197ca",
    }
    assert (await kit.post(api, alias, body)).json()["echo"] == "external.cardholder_validate"


async def test_engine_answer_is_passed_through_as_compact_json(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    response = await kit.post(api, kit.CARD_INFO, CARD_BODY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["echo"] == "card.info"
    assert b", " not in response.content and b": " not in response.content
    name, request, partner = recording_engine.calls[0]
    assert (name, request.card_id, partner) == ("card.info", "7001234", kit.AUTH_ID)


async def test_validation_error_names_the_field_and_what_is_expected(
    api: httpx.AsyncClient, kit: Any
) -> None:
    body = {
        "request_id": "not-a-uuid",
        "order_id": "ORD-1",
        "card_id": "7001234",
        "amount": -5,
        "currency": "KZX",
        "colour": "red",
    }
    data = kit.envelope(await kit.post(api, "/v5/card-api/transaction/create", body), "validation_error")
    by_field = {item["field"]: item["message"] for item in data["errors"]}
    assert set(by_field) == {"request_id", "amount", "currency", "colour"}
    assert "UUID" in by_field["request_id"]
    assert "greater than zero" in by_field["amount"]
    assert "ISO 4217" in by_field["currency"]
    assert "not a field" in by_field["colour"]
    for field in by_field:
        assert f"{field}: " in data["error_description"]


async def test_nested_fields_are_named_by_their_dotted_path(api: httpx.AsyncClient, kit: Any) -> None:
    body = {
        "request_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "product_id": 2000,
        "client": {"phone": "+7 701", "type": 1, "resident": 1, "first_name": "ALIYA"},
    }
    data = kit.envelope(await kit.post(api, "/v5/card-api/client/add", body), "validation_error")
    fields = {item["field"] for item in data["errors"]}
    assert {"client.phone", "client.last_name"} <= fields
    assert "client.phone: must be digits only" in data["error_description"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not an array"),
        (b'"text"', "not a string"),
        (b"42", "not a number"),
        (b"null", "not null"),
        (b'{"amount": NaN}', "NaN"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
    ids=["empty", "blank", "broken", "array", "string", "number", "null", "nan", "binary", "deep"],
)
async def test_invalid_json(api: httpx.AsyncClient, kit: Any, body: bytes, fragment: str) -> None:
    data = kit.envelope(await kit.post(api, kit.CARD_INFO, body=body), "invalid_json")
    assert fragment in data["error_description"]


async def test_unknown_path_is_a_404_envelope_with_a_suggestion(api: httpx.AsyncClient, kit: Any) -> None:
    data = kit.envelope(
        await api.post("/v5/card-api/card/infoo", content=b"{}"), "unknown_method", status=404
    )
    assert "did you mean /v5/card-api/card/info?" in data["error_description"]
    kit.envelope(await api.get("/"), "unknown_method", status=404)
    # A trailing slash is another path: redirecting would break the signed uri.
    kit.envelope(await api.post(kit.CARD_INFO + "/", content=b"{}"), "unknown_method", status=404)


@pytest.mark.parametrize("verb", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_other_verbs_on_api_paths_are_a_405_envelope(
    api: httpx.AsyncClient, kit: Any, verb: str
) -> None:
    response = await api.request(verb, kit.CARD_INFO)
    data = kit.envelope(response, "unknown_method", status=405)
    assert response.headers["allow"] == "POST"
    assert verb in data["error_description"]


async def test_post_on_a_get_route_is_a_405_envelope(api: httpx.AsyncClient, kit: Any) -> None:
    response = await api.post("/openapi.json", content=b"{}")
    kit.envelope(response, "unknown_method", status=405)
    assert "GET" in response.headers["allow"]


async def test_engine_refusals_become_envelopes(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    recording_engine.fail_with("not_found", "no card 7001234")
    data = kit.envelope(await kit.post(api, kit.CARD_INFO, CARD_BODY), "not_found")
    assert data["error_description"] == "no card 7001234"


async def test_an_engine_bug_is_an_internal_error_envelope_and_logged(
    api: httpx.AsyncClient,
    kit: Any,
    recording_engine: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A served sandbox started earlier in this process (test_serve*, in-process) stops the
    # sandbox's logger propagating to the root, where caplog listens.
    monkeypatch.setattr(logging.getLogger("fpconsole.sandbox"), "propagate", True)
    recording_engine.raise_next = ZeroDivisionError("boom")
    data = kit.envelope(await kit.post(api, kit.CARD_INFO, CARD_BODY), "internal_error")
    assert "boom" not in data["error_description"]
    assert any("sandbox bug" in record.message for record in caplog.records)


async def test_an_unencodable_engine_answer_is_an_internal_error(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    recording_engine.handle = lambda method, request, partner: {"status": "ok", "weird": object()}
    kit.envelope(await kit.post(api, kit.CARD_INFO, CARD_BODY), "internal_error")


async def test_a_body_over_the_limit_is_refused(recording_engine: Any, kit: Any) -> None:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, max_body_bytes=1000)
    app = create_app(settings, recording_engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
        body = kit.compact({**CARD_BODY, "pad": "x" * 2000})
        data = kit.envelope(await kit.post(client, kit.CARD_INFO, body=body), "body_too_large", status=413)
    assert "1000 bytes" in data["error_description"]
    assert recording_engine.calls == []


def test_decimals_encode_as_json_numbers() -> None:
    encoded = encode({"a": Decimal("5000"), "b": Decimal("1500.50"), "c": Decimal("0.01")})
    assert encoded == b'{"a":5000,"b":1500.5,"c":0.01}'


async def test_health_is_unsigned_and_shows_no_secret(
    api: httpx.AsyncClient, settings: SandboxSettings
) -> None:
    response = await api.get("/sandbox/health")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "ok"
    assert data["partners"] == 2  # how many, not who: the route is unsigned
    assert "777" not in response.text
    assert data["version"]
    for secret in settings.partners.values():
        assert secret not in response.text


def test_settings_repr_hides_secrets(settings: SandboxSettings) -> None:
    assert "second-secret" not in repr(settings)


# --- whatever the client sends: never a 500, always the envelope ------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "request_id",
        "card_id",
        "client_id",
        "amount",
        "currency",
        "client",
        "order_id",
        "transaction_id",
        "limits",
    ]
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(field_names, json_values, max_size=6).map(lambda value: json.dumps(value).encode()),
)


@given(
    path=st.sampled_from([p for m in REGISTRY for p in (m.path, *m.aliases)] + ["/x"]),
    body=bodies,
)
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_signed_bodies_never_produce_a_500(
    kit: Any, recording_engine: Any, path: str, body: bytes
) -> None:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, delay=0)
    app = create_app(settings, recording_engine)

    async def send() -> httpx.Response:
        # raise_app_exceptions (the default) would surface any exception that escaped the app.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
            return await client.post(path, content=body, headers=kit.headers(path, body))

    response = asyncio.run(send())
    assert response.status_code in (200, 404), response.text
    data = response.json()
    assert set(data) >= {"status", "request_status", "dt"}
    if data["status"] == "error":
        assert data["error_code"] in ERROR_CODES
        assert data["error_description"]


def test_docs_list_every_error_code() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    missing = [code for code in ERROR_CODES if f"| `{code}` |" not in docs]
    assert not missing, f"docs/sandbox.md lacks error codes {missing}"


def test_docs_list_every_inferred_method_in_one_place() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    section = docs.split("## Every INFERRED shape and choice, in one list", 1)[1].split("\n## ", 1)[0]
    guessed = [m.name for m in REGISTRY if m.confidence != "confirmed" or m.inferred]
    missing = [name for name in guessed if f"`{name}`" not in section]
    assert guessed and not missing, f"docs/sandbox.md's INFERRED list lacks {missing}"
