"""Sandbox-only control routes with the real engine: credit, snapshot, seed, reset, verify_pin."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.control import ROUTES
from fpconsole.sandbox.embedded import SandboxTransport, embedded_transport
from fpconsole.sandbox.settings import SandboxSettings


@pytest.fixture
async def sandbox(kit: Any) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxTransport]]:
    transport = embedded_transport(SandboxSettings.default(delay=0, seed=3, rng_seed=5))
    async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as client:
        yield client, transport
    assert transport.runtime._engine is None  # closing the client closed the engine


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["status"] == "ok" and data["request_status"] == "success", data
    return data


async def test_snapshot_lists_seeded_data_with_masked_pans_only(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    data = await _ok(await kit.post(client, "/sandbox/snapshot", {}))
    assert len(data["clients"]) == 3 and data["cards"] and data["transactions"]
    for card in data["cards"]:
        assert not {"pan", "cvv", "pin", "pin_hash"} & set(card)
        assert re.fullmatch(r"\d{4,6}\*+\d{4}", card["card_mask"]), card["card_mask"]
    # No full PAN anywhere in the answer.
    assert not re.search(r"\d{16}", data.__repr__())
    limited = await _ok(await kit.post(client, "/sandbox/snapshot", {"limit": 1}))
    assert len(limited["clients"]) == 1
    kit.envelope(await kit.post(client, "/sandbox/snapshot", {"limit": 0}), "validation_error")


async def test_snapshot_pages_with_an_offset_newest_first(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    whole = (await _ok(await kit.post(client, "/sandbox/snapshot", {})))["clients"]
    pages = [
        (await _ok(await kit.post(client, "/sandbox/snapshot", {"limit": 2, "offset": offset})))["clients"]
        for offset in (0, 2)
    ]
    # Each page oldest first, the first page the newest: together the whole list, none twice.
    assert len(whole) == 3 and len(pages[0]) == 2
    assert pages[1] + pages[0] == whole
    kit.envelope(await kit.post(client, "/sandbox/snapshot", {"offset": -1}), "validation_error")


async def test_snapshot_is_per_partner(kit: Any) -> None:
    settings = SandboxSettings(partners={kit.AUTH_ID: kit.SECRET, "777": "s2"}, delay=0, seed=2)
    async with httpx.AsyncClient(transport=embedded_transport(settings), base_url=kit.BASE) as client:
        mine = await _ok(await kit.post(client, "/sandbox/snapshot", {}))
        theirs = await _ok(await kit.post(client, "/sandbox/snapshot", {}, auth_id="777", secret="s2"))
        # The other partner's reset leaves mine alone (it used to erase every partner's data).
        reset = await _ok(await kit.post(client, "/sandbox/reset", {}, auth_id="777", secret="s2"))
        after = await _ok(await kit.post(client, "/sandbox/snapshot", {}))
        emptied = await _ok(await kit.post(client, "/sandbox/snapshot", {}, auth_id="777", secret="s2"))
    assert len(mine["clients"]) == 2 and len(theirs["clients"]) == 2
    assert {c["client_id"] for c in mine["clients"]}.isdisjoint(c["client_id"] for c in theirs["clients"])
    assert reset["deleted"]["clients"] == 2
    assert after == {**mine, "dt": after["dt"]} and emptied["clients"] == []


async def test_credit_tops_a_card_up(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    card = (await _ok(await kit.post(client, "/sandbox/snapshot", {})))["cards"][0]["card_id"]
    before = await kit.post(
        client, "/v5/card-api/card/balance", {"request_id": kit.REQUEST_ID, "card_id": card}
    )
    start = before.json()["balances"]["accounts"][0]["amount"]
    credit = {"request_id": kit.REQUEST_ID, "card_id": card, "amount": "250.50"}
    credited = await _ok(await kit.post(client, "/sandbox/credit", credit))
    assert credited["balances"]["accounts"][0]["amount"] == pytest.approx(start + 250.5)
    again = {**credit, "request_id": str(uuid.uuid4())}
    kit.envelope(await kit.post(client, "/sandbox/credit", {**again, "amount": -1}), "validation_error")
    kit.envelope(await kit.post(client, "/sandbox/credit", {**again, "card_id": "nope"}), "not_found")


async def test_seed_adds_clients_and_reset_forgets_everything(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    await _ok(await kit.post(client, "/sandbox/reset", {}))
    # Seeding an empty database (the engine's seed assumes one: a second seed on top of demo
    # data is refused by its own rules, e.g. a plastic card already ordered).
    await _ok(await kit.post(client, "/sandbox/seed", {"count": 2}))
    assert len((await _ok(await kit.post(client, "/sandbox/snapshot", {})))["clients"]) == 2
    kit.envelope(await kit.post(client, "/sandbox/seed", {"count": 0}), "validation_error")
    kit.envelope(await kit.post(client, "/sandbox/seed", {}), "validation_error")
    # An empty body means "no options" for reset (handy with curl -X POST).
    response = await client.post("/sandbox/reset", content=b"", headers=kit.headers("/sandbox/reset", b""))
    await _ok(response)
    assert (await _ok(await kit.post(client, "/sandbox/snapshot", {})))["clients"] == []


@pytest.mark.parametrize("bad", ["1_0", True, "1e1", "١٠", " 10x", 1.5, "99999999999999999999"], ids=repr)
@pytest.mark.parametrize(("route", "field"), [("/sandbox/snapshot", "limit"), ("/sandbox/seed", "count")])
async def test_counts_read_as_the_api_reads_them(
    sandbox: Any, kit: Any, route: str, field: str, bad: object
) -> None:
    # One rule for a count everywhere (fields.whole_number): ASCII digits or a whole JSON number.
    client, _ = sandbox
    await _ok(await kit.post(client, "/sandbox/reset", {}))
    response = await kit.post(client, route, {field: bad})
    kit.envelope(response, "validation_error")
    assert field in response.json()["error_description"], response.json()
    assert "whole number" in response.json()["error_description"], response.json()
    assert (await _ok(await kit.post(client, "/sandbox/snapshot", {})))["clients"] == []


@pytest.mark.parametrize("good", ["2", 2, 2.0], ids=repr)
async def test_counts_as_text_or_numbers_are_taken(sandbox: Any, kit: Any, good: object) -> None:
    client, _ = sandbox
    await _ok(await kit.post(client, "/sandbox/reset", {}))
    await _ok(await kit.post(client, "/sandbox/seed", {"count": good}))
    assert len((await _ok(await kit.post(client, "/sandbox/snapshot", {"limit": good})))["clients"]) == 2


async def test_verify_pin_counts_wrong_tries(kit: Any, lifecycle: Any) -> None:
    transport = embedded_transport(SandboxSettings.default(delay=0))
    api = kit.real_client("http://sandbox.embedded", transport)
    try:
        card_id = (await lifecycle(api))["card_id"]
        # The lifecycle left that card closed; verify on a fresh one.
        snapshot = await api.post_control("/sandbox/snapshot", {})
        assert any(c["card_id"] == card_id for c in snapshot["cards"])
        person = {"phone": 77011234568, "type": 1, "resident": 1, "first_name": "ASKAR", "last_name": "NUROV"}
        added = await api.wait(await api.call("client.add", {"product_id": 2000, "client": person}))
        issued = await api.wait(
            await api.call("card.issue", {"product_id": 2000, "client_id": added.client_id})
        )
        card = issued.cards[0].card_id
        await api.wait(await api.call("card.activate", {"card_id": card}))
        await api.wait(await api.call("card.set_pin", {"card_id": card, "pin": "1234-block"}))
        assert (await api.post_control("/sandbox/verify_pin", {"card_id": card, "pin": "9999-block"}))[
            "valid"
        ] is False
        assert (await api.post_control("/sandbox/verify_pin", {"card_id": card, "pin": "1234-block"}))[
            "valid"
        ] is True
    finally:
        await api.aclose()


async def test_control_routes_refuse_unsigned_calls_and_other_verbs(sandbox: Any, kit: Any) -> None:
    client, _ = sandbox
    for path in (
        "/sandbox/credit",
        "/sandbox/snapshot",
        "/sandbox/faults",
        "/sandbox/seed",
        "/sandbox/reset",
    ):
        kit.envelope(await client.post(path, content=b"{}"), "missing_signature")
        kit.envelope(await client.get(path), "unknown_method", status=405)
    kit.envelope(await kit.post(client, "/sandbox/snapshot", body=b"[]"), "invalid_json")
    kit.envelope(await kit.post(client, "/sandbox/reset", {"everything": True}), "validation_error")


async def test_health_reports_version_and_partners(sandbox: Any) -> None:
    client, _ = sandbox
    data = (await client.get("/sandbox/health")).json()
    assert data["partners"] == 1 and data["db"] == "memory" and data["faults"] == "none"
    assert data["workers"] == 1
    assert "sandbox-secret" not in str(data)


# --- whatever the client sends, the real engine answers with an envelope -----------------------

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_fields = st.sampled_from(
    ["card_id", "amount", "currency", "limit", "count", "pin", "spec", "methods", "error_rate"]
)
_ENGINE_APP = create_app(SandboxSettings.default(delay=0, seed=2, rng_seed=3))


@given(
    path=st.sampled_from(sorted(ROUTES)),
    body=st.dictionaries(_fields, _values, max_size=4).map(lambda d: json.dumps(d).encode())
    | st.binary(max_size=64),
)
@hsettings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_control_bodies_get_an_answer_never_a_bug(kit: Any, path: str, body: bytes) -> None:
    if path == "/sandbox/reset":
        body = b"{}"  # a reset in the middle of the run would only make the rest less interesting

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=_ENGINE_APP)
        async with httpx.AsyncClient(transport=transport, base_url=kit.BASE) as client:
            response = await client.post(path, content=body, headers=kit.headers(path, body))
            # Switch faults off again whatever the body set, so later examples are answered.
            await kit.post(client, "/sandbox/faults", {})
            return response

    response = asyncio.run(send())
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status"] in ("ok", "error") and data["dt"]
    assert data.get("error_code") != "internal_error", data
