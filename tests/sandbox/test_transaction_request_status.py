"""Transaction request status is request/status (docs page api-14318518): one path, and for a
transaction request the answer carries transaction_id and fin_document_id. The invented
transaction/request_status path is gone: the sandbox answers it like any unknown path."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from fpconsole.api.client import CardApiClient
from fpconsole.api.models import RequestStatusResponse
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.settings import SandboxSettings

CLIENT = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
FIN_DOCUMENT = re.compile(r"FD-\d+")


@pytest.fixture
async def served(kit: Any) -> AsyncIterator[tuple[CardApiClient, httpx.AsyncClient, SandboxEngine]]:
    with SandboxEngine(delay=0, rng_seed=5) as engine:
        app = create_app(SandboxSettings(partners={kit.AUTH_ID: kit.SECRET}, delay=0.0), engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as raw:
            client = kit.real_client(kit.BASE, transport)
            try:
                yield client, raw, engine
            finally:
                await client.aclose()


async def _settled(client: CardApiClient, method: str, body: dict[str, Any]) -> tuple[str, Any]:
    result = await client.call(method, body)
    final = await client.wait(result)
    assert final.request_status in ("success", "error"), final
    assert result.request_id is not None
    return result.request_id, final


async def _funded_card(client: CardApiClient, engine: SandboxEngine, kit: Any) -> str:
    _, added = await _settled(client, "client.add", {"product_id": 2000, "client": CLIENT})
    _, issued = await _settled(client, "card.issue", {"product_id": 2000, "client_id": added.client_id})
    card_id = str(issued.cards[0].card_id)
    await _settled(client, "card.activate", {"card_id": card_id})
    engine.credit(card_id, Decimal("10000"), partner=kit.AUTH_ID)
    return card_id


async def test_each_transaction_request_names_its_transaction_and_document(served: Any, kit: Any) -> None:
    client, _, engine = served
    card_id = await _funded_card(client, engine, kit)
    body = {"order_id": "ORD-1", "card_id": card_id, "amount": "500"}
    create_id, created = await _settled(client, "transaction.create", body)
    tx = created.transaction_id
    clear_id, _ = await _settled(client, "transaction.clearing", {"transaction_id": tx, "amount": "200"})
    refund_id, _ = await _settled(
        client, "transaction.refund", {"order_id": "ORD-1", "transaction_id": tx, "amount": "50"}
    )
    documents = []
    for request_id in (create_id, clear_id, refund_id):
        result = await client.call("transaction.request_status", {"request_id": request_id})
        answer = result.response
        assert isinstance(answer, RequestStatusResponse)
        assert result.method.path == "/v5/card-api/request/status"
        assert (answer.request_status, answer.transaction_id) == ("success", tx)
        assert answer.fin_document_id is not None and FIN_DOCUMENT.fullmatch(answer.fin_document_id)
        documents.append(answer.fin_document_id)
        # Stable: asked again, the same document.
        again = await client.call("request.status", {"request_id": request_id})
        assert again.raw["fin_document_id"] == answer.fin_document_id
    assert len(set(documents)) == 3  # hold, spend, credit: one document each


async def test_a_declined_transaction_has_no_document_and_other_requests_no_keys(
    served: Any, kit: Any
) -> None:
    client, _, engine = served
    card_id = await _funded_card(client, engine, kit)
    body = {"order_id": "ORD-2", "card_id": card_id, "amount": "999999"}
    declined_id, declined = await _settled(client, "transaction.create", body)
    assert declined.request_status == "error"
    answer = (await client.call("transaction.request_status", {"request_id": declined_id})).raw
    assert answer["transaction_id"] == declined.transaction_id
    assert "fin_document_id" in answer and answer["fin_document_id"] is None
    block_id, _ = await _settled(client, "card.block", {"card_id": card_id, "reason": "lost"})
    plain = (await client.call("transaction.request_status", {"request_id": block_id})).raw
    assert "transaction_id" not in plain and "fin_document_id" not in plain


async def test_the_invented_path_is_an_unknown_path(served: Any, kit: Any) -> None:
    _, raw, _ = served
    response = await kit.post(raw, "/v5/card-api/transaction/request_status", {"request_id": kit.REQUEST_ID})
    data = kit.envelope(response, "unknown_method", status=404)
    assert "transaction/request_status" in data["error_description"]
