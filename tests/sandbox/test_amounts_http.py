"""Amounts over HTTP (issue 12 items 5 and 6): the sandbox refuses what the request models refuse,
with validation_error naming the field. `1e1000000` was an internal_error (decimal.Overflow)
and `٣٠` created a 30 KZT transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import SandboxSettings

HUGE = "1e1000000"
TX = "019ab688-bef2-72c4-6a29-d0e08be76d95"


@pytest.fixture
async def client(kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = embedded_transport(SandboxSettings.default(delay=0, seed=3, rng_seed=5))
    async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as http:
        yield http


async def _card(kit: Any, client: httpx.AsyncClient) -> str:
    snapshot = (await kit.post(client, "/sandbox/snapshot", {})).json()
    return str(next(c["card_id"] for c in snapshot["cards"] if c["status"] == "active"))


def _refused(kit: Any, response: httpx.Response, field: str) -> dict[str, Any]:
    data = kit.envelope(response, "validation_error")
    assert field in data["error_description"], data
    assert "use digits and an optional '.'" in data["error_description"]
    return data


@pytest.mark.parametrize("amount", [HUGE, "1e3", "1 000", "1_0", "٣٠"])
async def test_transaction_create_refuses_amounts_a_person_would_not_mean(
    kit: Any, client: httpx.AsyncClient, amount: str
) -> None:
    card = await _card(kit, client)
    body = {"request_id": kit.REQUEST_ID, "order_id": "ORD-1", "card_id": card, "amount": amount}
    data = _refused(kit, await kit.post(client, "/v5/card-api/transaction/create", body), "amount")
    assert data["errors"][0]["field"] == "amount"
    # Nothing was recorded: the same request_id is still free.
    body["amount"] = "30"
    answer = (await kit.post(client, "/v5/card-api/transaction/create", body)).json()
    assert answer["status"] == "ok", answer


async def test_an_overflowing_json_number_is_refused_too(kit: Any, client: httpx.AsyncClient) -> None:
    card = await _card(kit, client)
    fields = f'"request_id":"{kit.REQUEST_ID}","order_id":"ORD-1","card_id":"{card}"'
    raw = ("{" + fields + ',"amount":1e1000000}').encode()  # a JSON number json.loads makes inf
    response = await kit.post(client, "/v5/card-api/transaction/create", body=raw)
    data = kit.envelope(response, "validation_error")
    assert data["errors"][0]["field"] == "amount"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v5/card-api/transaction/clearing", {"transaction_id": TX, "amount": HUGE}, "amount"),
        (
            "/v5/card-api/transaction/refund",
            {"order_id": "R", "transaction_id": TX, "amount": HUGE},
            "amount",
        ),
        (
            "/v5/card-api/limits/set",
            {
                "object": {"type": "card", "value": "7001234"},
                "limits": [{"transaction_type": "pay", "amount": [{"value": HUGE}]}],
            },
            "limits.0.amount.0.value",
        ),
    ],
)
async def test_every_amount_route_answers_validation_error_naming_the_field(
    kit: Any, client: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    data = _refused(kit, await kit.post(client, path, {"request_id": kit.REQUEST_ID, **body}), field)
    assert [e["field"] for e in data["errors"]] == [field]


@pytest.mark.parametrize("amount", [HUGE, "٣٠", "1e3"])
async def test_credit_refuses_them_as_well(kit: Any, client: httpx.AsyncClient, amount: str) -> None:
    card = await _card(kit, client)
    body = {"request_id": str(uuid.uuid4()), "card_id": card, "amount": amount}
    response = await kit.post(client, "/sandbox/credit", body)
    _refused(kit, response, "amount")
