"""`POST /sandbox/credit` follows the rule of every state change: it carries a request_id, a
request_id is used once (a replayed signed body is refused, not credited again), the outcome
can be looked up with request/status, and a bad amount is a validation_error naming it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fpconsole.sandbox.embedded import SandboxTransport, embedded_transport
from fpconsole.sandbox.errors import SandboxError
from fpconsole.sandbox.settings import SandboxSettings

CREDIT = "/sandbox/credit"
STATUS = "/v5/card-api/request/status"
BALANCE = "/v5/card-api/card/balance"


@pytest.fixture
async def sandbox(kit: Any) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxTransport]]:
    transport = embedded_transport(SandboxSettings.default(delay=0, seed=2, rng_seed=5))
    async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as client:
        yield client, transport


async def _first_open_card(client: httpx.AsyncClient, kit: Any) -> str:
    cards = (await kit.post(client, "/sandbox/snapshot", {})).json()["cards"]
    return str(next(card["card_id"] for card in cards if card["status"] == "active"))


async def _available(client: httpx.AsyncClient, kit: Any, card_id: str) -> float:
    answer = await kit.post(client, BALANCE, {"request_id": str(uuid.uuid4()), "card_id": card_id})
    return float(answer.json()["balances"]["accounts"][0]["amount"])


async def test_a_replayed_signed_credit_is_credited_once(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    card_id = await _first_open_card(client, kit)
    start = await _available(client, kit, card_id)
    request_id = str(uuid.uuid4())
    body = kit.compact({"request_id": request_id, "card_id": card_id, "amount": 100})
    headers = kit.headers(CREDIT, body)
    answers = [(await client.post(CREDIT, content=body, headers=headers)).json() for _ in range(5)]
    assert answers[0]["status"] == "ok" and answers[0]["request_id"] == request_id, answers[0]
    assert [a.get("error_code") for a in answers[1:]] == ["duplicate_request_id"] * 4
    assert "request_id" in answers[1]["error_description"]
    assert await _available(client, kit, card_id) == start + 100


async def test_a_credit_without_request_id_is_refused_naming_it(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    card_id = await _first_open_card(client, kit)
    start = await _available(client, kit, card_id)
    data = kit.envelope(
        await kit.post(client, CREDIT, {"card_id": card_id, "amount": 100}), "validation_error"
    )
    assert [e["field"] for e in data["errors"]] == ["request_id"], data
    assert await _available(client, kit, card_id) == start


async def test_request_status_knows_a_credit_and_its_id_is_spent_for_every_method(
    sandbox: Any, kit: Any
) -> None:
    client, _ = sandbox
    card_id = await _first_open_card(client, kit)
    request_id = str(uuid.uuid4())
    await kit.post(client, CREDIT, {"request_id": request_id, "card_id": card_id, "amount": "5.25"})
    status = (await kit.post(client, STATUS, {"request_id": request_id})).json()
    assert (status["status"], status["request_status"]) == ("ok", "success"), status
    # One namespace of request ids per partner, as for every state change.
    block = {"request_id": request_id, "card_id": card_id, "description": "lost"}
    kit.envelope(await kit.post(client, "/v5/card-api/card/block", block), "duplicate_request_id")


async def test_a_refused_credit_spends_its_id_and_says_so_on_request_status(sandbox: Any, kit: Any) -> None:
    # Like an API change that settles as `error`: nothing applied, and a corrected resubmit
    # needs a fresh request_id (the same one is refused as a duplicate).
    client, _ = sandbox
    request_id = str(uuid.uuid4())
    body = {"request_id": request_id, "card_id": "404", "amount": 1}
    kit.envelope(await kit.post(client, CREDIT, body), "not_found")
    status = (await kit.post(client, STATUS, {"request_id": request_id})).json()
    assert (status["request_status"], status["error_code"]) == ("error", "not_found"), status
    card_id = await _first_open_card(client, kit)
    again = {**body, "card_id": card_id}
    kit.envelope(await kit.post(client, CREDIT, again), "duplicate_request_id")


async def test_a_credit_refused_by_validation_does_not_spend_its_id(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    card_id = await _first_open_card(client, kit)
    request_id = str(uuid.uuid4())
    bad = {"request_id": request_id, "card_id": card_id, "amount": -1}
    kit.envelope(await kit.post(client, CREDIT, bad), "validation_error")
    fixed = await kit.post(client, CREDIT, {**bad, "amount": 1})
    assert fixed.json()["status"] == "ok", fixed.text


async def test_a_json_number_too_large_for_a_float_is_a_validation_error(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    card_id = await _first_open_card(client, kit)
    raw = b'{"request_id":"%s","card_id":"%s","amount":1e1000000}' % (
        str(uuid.uuid4()).encode(),
        card_id.encode(),
    )
    data = kit.envelope(await kit.post(client, CREDIT, body=raw), "validation_error")
    assert [e["field"] for e in data["errors"]] == ["amount"], data


async def test_the_engine_records_a_credit_under_its_request_id(sandbox: Any, kit: Any) -> None:
    client, transport = sandbox
    card_id = await _first_open_card(client, kit)
    engine = transport.engine
    request_id = str(uuid.uuid4())
    engine.credit(card_id, Decimal(7), partner=kit.AUTH_ID, request_id=request_id)
    with pytest.raises(SandboxError) as caught:
        engine.credit(card_id, Decimal(7), partner=kit.AUTH_ID, request_id=request_id)
    assert (caught.value.code, caught.value.field) == ("duplicate_request_id", "request_id")
    # Without one (tests, seeding helpers) the engine makes one up, so each call is its own request.
    engine.credit(card_id, Decimal(1), partner=kit.AUTH_ID)
    engine.credit(card_id, Decimal(1), partner=kit.AUTH_ID)
