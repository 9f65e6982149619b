"""`POST /sandbox/credit` takes its amount through the shared Amount type (fpconsole/api/fields.py):
whatever is sent, a bad amount is a validation_error naming `amount`, never internal_error, and
nothing is credited (issue 12, items 5 and 6)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import SandboxSettings

CREDIT = "/sandbox/credit"


@pytest.fixture
async def client(kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = embedded_transport(SandboxSettings.default(delay=0, seed=1, rng_seed=5))
    async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as client:
        yield client


async def _first_open_card(client: httpx.AsyncClient, kit: Any) -> str:
    cards = (await kit.post(client, "/sandbox/snapshot", {})).json()["cards"]
    return str(next(card["card_id"] for card in cards if card["status"] == "active"))


async def _available(client: httpx.AsyncClient, kit: Any, card_id: str) -> float:
    path = "/v5/card-api/card/balance"
    answer = await kit.post(client, path, {"request_id": str(uuid.uuid4()), "card_id": card_id})
    return float(answer.json()["balances"]["accounts"][0]["amount"])


@pytest.mark.parametrize(
    "amount",
    [
        "1e1000000",
        "1E+999999999",
        1e308,
        "1e3",
        "٣٠",
        "1 000",
        "1_0",
        "NaN",
        "Infinity",
        "-0",
        True,
        None,
        [1],
    ],
)
async def test_a_bad_amount_is_a_validation_error_naming_amount(
    client: httpx.AsyncClient, kit: Any, amount: Any
) -> None:
    card_id = await _first_open_card(client, kit)
    start = await _available(client, kit, card_id)
    body = {"request_id": str(uuid.uuid4()), "card_id": card_id, "amount": amount}
    data = kit.envelope(await kit.post(client, CREDIT, body), "validation_error")
    assert [e["field"] for e in data["errors"]] == ["amount"], data
    assert await _available(client, kit, card_id) == start
