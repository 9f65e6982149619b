"""The sandbox's signature check (SPEC §1.2) through the app: what is accepted, what is refused
and with which code, and that a refused request never reaches the engine."""

from __future__ import annotations

import hmac
import json
from typing import Any

import httpx
import pytest

from fpconsole.api.signing import HEADER_NAME, b64url
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.settings import SandboxSettings

BODY = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001234"}


def handmade(header: dict[str, Any], body: bytes, secret: str, digest: str = "sha512") -> str:
    """A signature built without fpconsole's signing module, from any header the test likes."""
    segment = b64url(json.dumps(header, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), f"{segment}.{b64url(body)}".encode(), digest).digest()
    return f"{segment}..{b64url(mac)}"


async def test_hs512_and_hs256_are_accepted(api: httpx.AsyncClient, kit: Any, recording_engine: Any) -> None:
    for alg in ("HS512", "HS256"):
        response = await kit.post(api, kit.CARD_INFO, BODY, alg=alg)
        assert response.status_code == 200
        assert response.json()["status"] == "ok", response.text
    assert [call[0] for call in recording_engine.calls] == ["card.info", "card.info"]
    assert recording_engine.calls[0][2] == kit.AUTH_ID


async def test_the_spec_test_vector_is_accepted(settings: SandboxSettings, recording_engine: Any) -> None:
    # SPEC §1.2, second vector: exact body bytes and header value from the document.
    body = b'{"request_id":"0f8fad5b-d9cb-469f-a165-70867728950e","card_id":"7001234"}'
    value = (
        "eyJ1cmkiOiIvdjUvY2FyZC1hcGkvY2FyZC9pbmZvIiwiYXV0aF9pZCI6IjEwMDUwMCIsIm1ldGhvZCI6IlBPU1QiLCJwYXJhbXMiOiIiLCJh"
        "bGciOiJIUzUxMiJ9..SIVglIHqwjLlM-NpMtHsCuQtY0znt3VrnnbgNkl8V8OcojTe0IRgVvrWn-ey2Bj9RQLMu2kSbe3L0w0E-MyyLQ"
    )
    app = create_app(settings, recording_engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/v5/card-api/card/info", content=body, headers={HEADER_NAME: value})
    assert response.json()["status"] == "ok", response.text


async def test_a_second_partner_signs_with_its_own_secret(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    response = await kit.post(api, kit.CARD_INFO, BODY, auth_id="777", secret="second-secret")
    assert response.json()["status"] == "ok"
    assert recording_engine.calls[-1][2] == "777"
    wrong = await kit.post(api, kit.CARD_INFO, BODY, auth_id="777", secret=kit.SECRET)
    kit.envelope(wrong, "invalid_signature")


async def test_header_key_order_is_used_as_received(api: httpx.AsyncClient, kit: Any) -> None:
    # The docs' HS256 example orders keys alg, typ, auth_id, uri, method, params; a verifier that
    # rebuilt the header in its own order would refuse it.
    body = kit.compact(BODY)
    header = {
        "alg": "HS256",
        "typ": "JWT",
        "auth_id": kit.AUTH_ID,
        "uri": kit.CARD_INFO,
        "method": "POST",
        "params": "",
    }
    value = handmade(header, body, kit.SECRET, "sha256")
    response = await api.post(kit.CARD_INFO, content=body, headers={HEADER_NAME: value})
    assert response.json()["status"] == "ok", response.text


async def test_raw_body_bytes_are_signed_not_a_reserialisation(api: httpx.AsyncClient, kit: Any) -> None:
    body = b'{\n  "request_id" : "0f8fad5b-d9cb-469f-a165-70867728950e",\n  "card_id": "7001234"\n}\n'
    response = await kit.post(api, kit.CARD_INFO, body=body)
    assert response.json()["status"] == "ok", response.text


async def test_missing_header(api: httpx.AsyncClient, kit: Any, recording_engine: Any) -> None:
    response = await api.post(kit.CARD_INFO, content=kit.compact(BODY))
    kit.envelope(response, "missing_signature")
    assert recording_engine.calls == []


@pytest.mark.parametrize(
    "value",
    [
        "not-a-jws",
        "abc.def.ghi",
        "..sig",
        "%%%..abc",
        b64url(b"[1,2]") + "..abc",
        b64url(b'{"uri":"/v5/card-api/card/info"}') + "..abc",
    ],
    ids=["no-separator", "compact-jws", "empty-header", "not-base64", "not-an-object", "fields-missing"],
)
async def test_malformed_header(api: httpx.AsyncClient, kit: Any, value: str) -> None:
    response = await api.post(kit.CARD_INFO, content=kit.compact(BODY), headers={HEADER_NAME: value})
    kit.envelope(response, "malformed_signature")


async def test_unknown_auth_id(api: httpx.AsyncClient, kit: Any) -> None:
    response = await kit.post(api, kit.CARD_INFO, BODY, auth_id="424242")
    data = kit.envelope(response, "unknown_partner")
    assert "424242" in data["error_description"]


async def test_wrong_secret(api: httpx.AsyncClient, kit: Any) -> None:
    response = await kit.post(api, kit.CARD_INFO, BODY, secret="not-the-secret")
    data = kit.envelope(response, "invalid_signature")
    assert "not-the-secret" not in response.text and kit.SECRET not in data["error_description"]


async def test_unsupported_algorithm(api: httpx.AsyncClient, kit: Any) -> None:
    body = kit.compact(BODY)
    header = {"uri": kit.CARD_INFO, "auth_id": kit.AUTH_ID, "method": "POST", "params": "", "alg": "none"}
    response = await api.post(
        kit.CARD_INFO, content=body, headers={HEADER_NAME: handmade(header, body, kit.SECRET)}
    )
    kit.envelope(response, "unsupported_algorithm")


async def test_header_uri_must_be_the_request_path(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    body = kit.compact(BODY)
    # Signed correctly, but for card/balance: replaying it on card/info must fail.
    headers = kit.headers("/v5/card-api/card/balance", body)
    response = await api.post(kit.CARD_INFO, content=body, headers=headers)
    data = kit.envelope(response, "invalid_signature")
    assert "/v5/card-api/card/balance" in data["error_description"]
    assert recording_engine.calls == []


async def test_header_method_must_be_the_request_method(api: httpx.AsyncClient, kit: Any) -> None:
    body = kit.compact(BODY)
    header = {"uri": kit.CARD_INFO, "auth_id": kit.AUTH_ID, "method": "PUT", "params": "", "alg": "HS512"}
    response = await api.post(
        kit.CARD_INFO, content=body, headers={HEADER_NAME: handmade(header, body, kit.SECRET)}
    )
    data = kit.envelope(response, "invalid_signature")
    assert "PUT" in data["error_description"]


async def test_header_params_must_be_the_query_string(api: httpx.AsyncClient, kit: Any) -> None:
    body = kit.compact(BODY)
    response = await api.post(kit.CARD_INFO + "?x=1", content=body, headers=kit.headers(kit.CARD_INFO, body))
    kit.envelope(response, "invalid_signature")


async def test_one_changed_body_byte_is_refused(
    api: httpx.AsyncClient, kit: Any, recording_engine: Any
) -> None:
    body = kit.compact(BODY)
    headers = kit.headers(kit.CARD_INFO, body)
    tampered = body.replace(b"7001234", b"7001235")
    response = await api.post(kit.CARD_INFO, content=tampered, headers=headers)
    kit.envelope(response, "invalid_signature")
    assert recording_engine.calls == []


async def test_signature_is_checked_before_the_body_is_parsed(api: httpx.AsyncClient, kit: Any) -> None:
    # An unsigned garbage body is an authentication problem first, so probing reveals nothing.
    response = await api.post(kit.CARD_INFO, content=b"{not json")
    kit.envelope(response, "missing_signature")


async def test_auth_error_status_is_configurable(recording_engine: Any, kit: Any) -> None:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, auth_error_status=401)
    app = create_app(settings, recording_engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=kit.BASE) as client:
        kit.envelope(await client.post(kit.CARD_INFO, content=b"{}"), "missing_signature", status=401)
        kit.envelope(await kit.post(client, kit.CARD_INFO, BODY, secret="x"), "invalid_signature", status=401)
        # Only signature refusals use it: a validation error stays a 200.
        kit.envelope(await kit.post(client, kit.CARD_INFO, {"card_id": "1"}), "validation_error", status=200)
