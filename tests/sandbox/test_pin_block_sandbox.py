"""The sandbox reads Set PIN's block with the decoder matching the client's encoder
(fpconsole/api/pin_block.py): a PIN set through a plugged-in format verifies as the clear PIN,
a block the decoder cannot read is refused naming `pin` without quoting it, and neither the PIN
nor the block is stored."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from fpconsole.api import pin_block
from fpconsole.api.client import CardApiClient
from fpconsole.api.pin_block import PinBlockFormat
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.settings import SandboxSettings

PIN = "4821"
CLIENT = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}


def _encode(pin: str) -> str:
    return "T1:" + base64.b64encode(pin[::-1].encode()).decode()


def _decode(block: str) -> str:
    if not block.startswith("T1:"):
        raise ValueError(f"not a T1 block: {block}")
    return base64.b64decode(block[3:]).decode()[::-1]


@pytest.fixture
def toy_format() -> Iterator[None]:
    previous = pin_block.install(PinBlockFormat(_encode, _decode, "toy T1"))
    try:
        yield
    finally:
        pin_block.install(previous)


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


async def _settled(client: CardApiClient, method: str, body: dict[str, Any]) -> Any:
    final = await client.wait(await client.call(method, body))
    assert final.request_status == "success", final
    return final


async def _card(client: CardApiClient) -> str:
    added = await _settled(client, "client.add", {"product_id": 2000, "client": CLIENT})
    issued = await _settled(client, "card.issue", {"product_id": 2000, "client_id": added.client_id})
    card_id = str(issued.cards[0].card_id)
    await _settled(client, "card.activate", {"card_id": card_id})
    return card_id


def _stored(engine: SandboxEngine) -> str:
    """Everything the sandbox keeps about requests and cards, as text."""
    conn: Any = engine._conn  # the test looks inside the store on purpose
    rows = conn.execute("SELECT * FROM requests").fetchall() + conn.execute("SELECT * FROM cards").fetchall()
    return "\n".join(str(tuple(row)) for row in rows)


@pytest.mark.usefixtures("toy_format")
async def test_a_pin_set_through_the_format_verifies_as_the_clear_pin(served: Any, kit: Any) -> None:
    client, _, engine = served
    card_id = await _card(client)
    await _settled(client, "card.set_pin", {"card_id": card_id, "pin": PIN})
    assert engine.verify_pin(card_id, PIN, partner=kit.AUTH_ID) is True
    assert engine.verify_pin(card_id, _encode(PIN), partner=kit.AUTH_ID) is False
    stored = _stored(engine)
    assert PIN not in stored and _encode(PIN) not in stored


@pytest.mark.usefixtures("toy_format")
async def test_an_unreadable_block_is_refused_naming_pin(served: Any, kit: Any) -> None:
    client, raw, engine = served
    card_id = await _card(client)
    body = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": card_id, "pin": "GARBAGE-99"}
    data = kit.envelope(await kit.post(raw, "/v5/card-api/card/set_pin", body), "validation_error")
    assert data["error_description"] == "pin: the PIN block could not be read (ValueError)"
    assert "GARBAGE-99" not in str(data) and "GARBAGE-99" not in _stored(engine)


async def test_the_default_format_hashes_the_value_as_sent(served: Any, kit: Any) -> None:
    client, _, engine = served
    card_id = await _card(client)
    await _settled(client, "card.set_pin", {"card_id": card_id, "pin": "q3Jx0v9mW0b8k3YtZx3z1Q=="})
    assert engine.verify_pin(card_id, "q3Jx0v9mW0b8k3YtZx3z1Q==", partner=kit.AUTH_ID) is True
