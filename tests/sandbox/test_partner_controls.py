"""Issue 9's control routes, signed HTTP through the ASGI app: each acts for the calling partner
only (faults, delay, reset, backups, clock), settle, card history, received requests, and the
card lifecycle on a card created in the same run (create → issue → activate → credit →
transaction → clear → refund → statement)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.faults import parse_fault_spec
from fpconsole.sandbox.settings import SandboxSettings

OTHER = {"auth_id": "777", "secret": "second-secret"}
PERSON = {"phone": 77011234567, "type": 1, "resident": 1, "first_name": "ALIYA", "last_name": "SERIKOVA"}
V5 = "/v5/card-api/"


def two_partners(kit: Any, **options: Any) -> SandboxSettings:
    return SandboxSettings(partners={kit.AUTH_ID: kit.SECRET, OTHER["auth_id"]: OTHER["secret"]}, **options)


@pytest.fixture
async def sandbox(kit: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Two partners on one in-memory sandbox; changes settle at once (delay 0)."""
    async with httpx.AsyncClient(
        transport=embedded_transport(two_partners(kit, delay=0)), base_url=kit.BASE
    ) as client:
        yield client


class Caller:
    """One partner's signed calls."""

    def __init__(self, client: httpx.AsyncClient, kit: Any, **credentials: str) -> None:
        self.client, self.kit, self.credentials = client, kit, credentials

    async def raw(self, path: str, payload: Any = None) -> dict[str, Any]:
        response = await self.kit.post(
            self.client, path, {} if payload is None else payload, **self.credentials
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def ok(self, path: str, payload: Any = None) -> dict[str, Any]:
        data = await self.raw(path, payload)
        assert data["status"] == "ok", data
        return data

    async def refused(self, path: str, payload: Any, code: str) -> dict[str, Any]:
        response = await self.kit.post(self.client, path, payload, **self.credentials)
        data: dict[str, Any] = self.kit.envelope(response, code)
        return data

    async def api(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.raw(V5 + method.replace(".", "/"), payload)

    async def change(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A state change followed to its outcome: request/status after it (settled by delay 0)."""
        request_id = str(uuid.uuid4())
        first = await self.api(method, {"request_id": request_id, **payload})
        assert first["status"] == "ok" and first["request_status"] == "process", first
        return await self.api("request.status", {"request_id": request_id})

    async def new_card(self) -> str:
        client_id = (await self.change("client.add", {"product_id": 2000, "client": PERSON}))["client_id"]
        status = await self.change("card.issue", {"product_id": 2000, "client_id": client_id})
        card_id: str = status["cards"][0]["card_id"]
        return card_id

    async def credit(self, card_id: str, amount: float) -> dict[str, Any]:
        return await self.ok(
            "/sandbox/credit", {"request_id": str(uuid.uuid4()), "card_id": card_id, "amount": amount}
        )

    async def available(self, card_id: str) -> float:
        data = await self.api("card.balance", {"request_id": str(uuid.uuid4()), "card_id": card_id})
        return float(data["balances"]["accounts"][0]["amount"])


def callers(client: httpx.AsyncClient, kit: Any) -> tuple[Caller, Caller]:
    return Caller(client, kit), Caller(client, kit, **OTHER)


# --- the lifecycle on a card made in this run ----------------------------------------------------


async def test_lifecycle_on_a_card_created_in_the_same_run(sandbox: httpx.AsyncClient, kit: Any) -> None:
    me, _ = callers(sandbox, kit)
    card_id = await me.new_card()
    assert (await me.change("card.activate", {"card_id": card_id}))["request_status"] == "success"
    assert await me.available(card_id) == 0
    topped = await me.credit(card_id, 5000)
    assert topped["balances"]["accounts"][0]["amount"] == 5000
    created = await me.change(
        "transaction.create", {"order_id": "ORD-1", "card_id": card_id, "amount": 1200, "currency": "KZT"}
    )
    assert created["request_status"] == "success", created
    transaction_id = created["transaction_id"]
    assert (await me.change("transaction.clearing", {"transaction_id": transaction_id}))[
        "request_status"
    ] == "success"
    refund = {"order_id": "ORD-1", "transaction_id": transaction_id, "amount": 200}
    assert (await me.change("transaction.refund", refund))["request_status"] == "success"
    assert await me.available(card_id) == 5000 - 1200 + 200
    statement = await me.api("card.statement", {"request_id": str(uuid.uuid4()), "card_id": card_id})
    amounts = sorted(float(op["amount"]) for op in statement["operations"])
    assert amounts == [200, 1200, 5000], statement


# --- faults ------------------------------------------------------------------------------------------


async def test_faults_apply_to_the_partner_that_set_them_only(sandbox: httpx.AsyncClient, kit: Any) -> None:
    me, other = callers(sandbox, kit)
    card_info = {"request_id": str(uuid.uuid4()), "card_id": "7001001"}
    set_ = await me.ok("/sandbox/faults", {"methods": {"card.info": {"error_rate": 1}}})
    assert set_["active"] is True and set_["source"] == "partner" and set_["spec"] == "card.info:error_rate=1"
    assert (await me.api("card.info", card_info))["error_code"] == "injected_error"
    assert (await other.api("card.info", card_info))["error_code"] == "not_found"
    theirs = await other.ok("/sandbox/faults/get")
    assert theirs["active"] is False and theirs["source"] == "default" and theirs["spec"] == "none"
    mine = await me.ok("/sandbox/faults/get")
    assert mine["faults"] == {"methods": {"card.info": {"error_rate": 1.0}}}
    cleared = await me.ok("/sandbox/faults/clear")
    assert cleared["active"] is False and cleared["spec"] == "none"
    assert (await me.api("card.info", card_info))["error_code"] == "not_found"


async def test_clearing_overrides_the_served_default_for_that_partner_only(kit: Any) -> None:
    settings = two_partners(kit, delay=0, faults=parse_fault_spec("card.info:error_rate=1"))
    async with httpx.AsyncClient(transport=embedded_transport(settings), base_url=kit.BASE) as client:
        me, other = callers(client, kit)
        assert (await me.ok("/sandbox/faults/get"))["source"] == "default"
        await me.ok("/sandbox/faults/clear")
        card_info = {"request_id": str(uuid.uuid4()), "card_id": "7001001"}
        assert (await me.api("card.info", card_info))["error_code"] == "not_found"
        assert (await other.api("card.info", card_info))["error_code"] == "injected_error"


async def test_faults_set_through_one_worker_are_seen_by_another(tmp_path: Path, kit: Any) -> None:
    """Two apps on one file database stand for two `serve --workers` processes."""
    settings = two_partners(kit, delay=0, db=str(tmp_path / "sandbox.sqlite3"))
    one, two = create_app(settings), create_app(settings)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url=kit.BASE) as first,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=two), base_url=kit.BASE) as second,
    ):
        card_info = {"request_id": str(uuid.uuid4()), "card_id": "7001001"}
        assert (await Caller(second, kit).api("card.info", card_info))["error_code"] == "not_found"
        await Caller(first, kit).ok("/sandbox/faults/set", {"spec": "card.info:error_rate=1"})
        assert (await Caller(second, kit).api("card.info", card_info))["error_code"] == "injected_error"
        assert (await Caller(second, kit, **OTHER).api("card.info", card_info))["error_code"] == "not_found"
        await Caller(second, kit).ok("/sandbox/delay/set", {"seconds": 30})
        assert (await Caller(first, kit).ok("/sandbox/delay/get"))["delay"] == 30
        await Caller(first, kit).ok("/sandbox/faults/clear")
        assert (await Caller(second, kit).api("card.info", card_info))["error_code"] == "not_found"
    for app in (one, two):
        app.state.sandbox.close()


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"error_rate": 7}, "error_rate", "must be a rate between 0 and 1"),
        ({"latency_ms": "200"}, "latency_ms", "must be a number of milliseconds"),
        ({"methods": {"card.blok": {"error_rate": 1}}}, "methods.card.blok", "did you mean card.block"),
        (
            {"methods": {"card.block": {"eror_rate": 1}}},
            "methods.card.block.eror_rate",
            "did you mean error_rate",
        ),
        ({"spec": "eror_rate=1"}, "spec", "did you mean error_rate"),
        ({"hold_s": 0}, "hold_s", "must be more than 0"),
    ],
)
async def test_bad_fault_settings_name_the_field_and_the_fix(
    sandbox: httpx.AsyncClient, kit: Any, body: dict[str, Any], field: str, says: str
) -> None:
    me, _ = callers(sandbox, kit)
    data = await me.refused("/sandbox/faults", body, "validation_error")
    assert data["errors"] == [{"field": field, "message": data["errors"][0]["message"]}]
    assert says in data["errors"][0]["message"] and data["error_description"].startswith(field + ": ")
    assert (await me.ok("/sandbox/faults/get"))["active"] is False  # nothing was changed


# --- delay and settle ------------------------------------------------------------------------------


async def test_delay_is_per_partner_and_settle_completes_pending_requests(
    sandbox: httpx.AsyncClient, kit: Any
) -> None:
    me, other = callers(sandbox, kit)
    delay = await me.ok("/sandbox/delay/set", {"seconds": 3600})
    assert delay == {**delay, "delay": 3600, "default": 0, "source": "partner"}
    assert (await other.ok("/sandbox/delay/get"))["delay"] == 0
    request_id = str(uuid.uuid4())
    await me.api("client.add", {"request_id": request_id, "product_id": 2000, "client": PERSON})
    assert (await me.api("request.status", {"request_id": request_id}))["request_status"] == "process"
    # The other partner's changes still settle at once.
    assert (await other.change("client.add", {"product_id": 2000, "client": PERSON}))[
        "request_status"
    ] == "success"

    settled = await me.ok("/sandbox/settle")
    assert settled["count"] == 1
    assert settled["settled"] == [
        {"request_id": request_id, "method": "client.add", "request_status": "success"}
    ]
    assert (await me.api("request.status", {"request_id": request_id}))["request_status"] == "success"
    assert (await me.ok("/sandbox/settle"))["count"] == 0
    back = await me.ok("/sandbox/delay/set", {"seconds": None})
    assert back["delay"] == 0 and back["source"] == "default"


@pytest.mark.parametrize(
    "body", [{}, {"seconds": -1}, {"seconds": 86_401}, {"seconds": "1"}, {"seconds": True}]
)
async def test_bad_delay_names_seconds(sandbox: httpx.AsyncClient, kit: Any, body: dict[str, Any]) -> None:
    me, _ = callers(sandbox, kit)
    data = await me.refused("/sandbox/delay/set", body, "validation_error")
    assert "seconds" in data["error_description"] and data["errors"][0]["field"] == "seconds"


# --- clock -------------------------------------------------------------------------------------------


async def test_clock_advance_moves_one_partners_time_and_settles_what_came_due(
    sandbox: httpx.AsyncClient, kit: Any
) -> None:
    me, other = callers(sandbox, kit)
    card_id = await me.new_card()
    await me.ok("/sandbox/delay/set", {"seconds": 7200})
    request_id = str(uuid.uuid4())
    await me.api("card.activate", {"request_id": request_id, "card_id": card_id})
    before = await me.ok("/sandbox/clock/get")
    assert before["offset_s"] == 0
    advanced = await me.ok("/sandbox/clock/advance", {"seconds": 3 * 86_400})
    assert advanced["offset_s"] == 3 * 86_400 and advanced["settled"] == 1
    assert (await me.api("request.status", {"request_id": request_id}))["request_status"] == "success"
    # Times follow the partner's clock: the activation happened two hours after it was sent.
    history = (await me.ok("/sandbox/card/history", {"card_id": card_id}))["events"]
    activated = [e for e in history if e["kind"] == "status" and e["to_status"] == "active"]
    assert activated and activated[0]["at"] > before["now"]
    # A new operation is dated in the partner's future; statements' windows follow it.
    await me.ok("/sandbox/delay/set", {"seconds": 0})
    await me.credit(card_id, 100)
    statement = await me.api(
        "card.statement",
        {
            "request_id": str(uuid.uuid4()),
            "card_id": card_id,
            "start_date": advanced["now"][:10] + "T00:00:00+05:00",
        },
    )
    assert [float(op["amount"]) for op in statement["operations"]] == [100], statement
    # The other partner's clock did not move.
    assert (await other.ok("/sandbox/clock/get"))["offset_s"] == 0
    assert (await other.ok("/sandbox/clock/get"))["now"] < advanced["now"]


@pytest.mark.parametrize("seconds", [0, -5, 1.5, "x", 366 * 86_400 + 1])
async def test_bad_clock_advance_names_seconds(sandbox: httpx.AsyncClient, kit: Any, seconds: object) -> None:
    me, _ = callers(sandbox, kit)
    data = await me.refused("/sandbox/clock/advance", {"seconds": seconds}, "validation_error")
    assert "seconds" in data["error_description"] and "whole number" in data["error_description"]


# --- reset and backups -------------------------------------------------------------------------------


async def test_reset_forgets_the_callers_data_only(sandbox: httpx.AsyncClient, kit: Any) -> None:
    me, other = callers(sandbox, kit)
    mine, theirs = await me.new_card(), await other.new_card()
    await other.credit(theirs, 10)
    await me.ok("/sandbox/faults", {"latency_ms": 1})
    await me.ok("/sandbox/clock/advance", {"seconds": 60})
    deleted = (await me.ok("/sandbox/reset"))["deleted"]
    assert deleted == {"clients": 1, "cards": 1, "transactions": 0, "requests": 2}
    assert (await me.api("card.info", {"request_id": str(uuid.uuid4()), "card_id": mine}))[
        "error_code"
    ] == "not_found"
    assert await other.available(theirs) == 10
    # Settings stay, the clock is back to real time.
    assert (await me.ok("/sandbox/faults/get"))["active"] is True
    assert (await me.ok("/sandbox/clock/get"))["offset_s"] == 0


async def test_a_backup_brings_back_exactly_the_saved_state_of_its_partner_only(
    sandbox: httpx.AsyncClient, kit: Any
) -> None:
    me, other = callers(sandbox, kit)
    card_id = await me.new_card()
    await me.change("card.activate", {"card_id": card_id})
    await me.credit(card_id, 1000)
    await me.ok("/sandbox/clock/advance", {"seconds": 600})
    saved = (await me.ok("/sandbox/backup/save", {"name": "before-spend"}))["backup"]
    assert saved == {
        **saved,
        "name": "before-spend",
        "clients": 1,
        "cards": 1,
        "size_bytes": saved["size_bytes"],
    }
    snapshot_before = await me.ok("/sandbox/snapshot")
    history_before = await me.ok("/sandbox/card/history", {"card_id": card_id})

    theirs = await other.new_card()
    await me.change(
        "transaction.create", {"order_id": "O", "card_id": card_id, "amount": 300, "currency": "KZT"}
    )
    await me.change("card.block", {"card_id": card_id, "description": "lost"})
    await me.ok("/sandbox/clock/advance", {"seconds": 600})
    assert await me.available(card_id) == 700

    loaded = (await me.ok("/sandbox/backup/load", {"name": "before-spend"}))["backup"]
    assert loaded["name"] == "before-spend"
    assert await me.available(card_id) == 1000
    after = await me.ok("/sandbox/snapshot")
    # The same data; a new epoch and revision (rows went, the loaded ones were written anew).
    marks = {"dt": "", "epoch": "", "revision": 0}
    assert {**after, **marks} == {**snapshot_before, **marks}
    assert after["epoch"] != snapshot_before["epoch"] and after["revision"] > snapshot_before["revision"]
    assert (await me.ok("/sandbox/card/history", {"card_id": card_id}))["events"] == history_before["events"]
    assert (await me.ok("/sandbox/clock/get"))["offset_s"] == 600
    # The other partner's card is untouched, and it sees none of my backups.
    assert (await other.api("card.info", {"request_id": str(uuid.uuid4()), "card_id": theirs}))[
        "status"
    ] == "ok"
    assert (await other.ok("/sandbox/backup/list"))["backups"] == []
    await other.refused("/sandbox/backup/load", {"name": "before-spend"}, "not_found")

    listed = (await me.ok("/sandbox/backup/list"))["backups"]
    assert [b["name"] for b in listed] == ["before-spend"]
    refusal = await me.refused("/sandbox/backup/save", {"name": "before-spend"}, "validation_error")
    assert "replace" in refusal["error_description"]
    await me.ok("/sandbox/backup/save", {"name": "before-spend", "replace": True})
    assert (await me.ok("/sandbox/backup/delete", {"name": "before-spend"}))["deleted"] == "before-spend"
    await me.refused("/sandbox/backup/delete", {"name": "before-spend"}, "not_found")


@pytest.mark.parametrize("name", ["", "a b", "../x", "x" * 65, 5])
async def test_bad_backup_names_are_refused(sandbox: httpx.AsyncClient, kit: Any, name: object) -> None:
    me, _ = callers(sandbox, kit)
    for route in ("/sandbox/backup/save", "/sandbox/backup/load", "/sandbox/backup/delete"):
        data = await me.refused(route, {"name": name}, "validation_error")
        assert data["errors"][0]["field"] == "name", data
        assert "letters, digits" in data["error_description"]


async def test_a_backup_loads_after_another_partner_took_new_ids(tmp_path: Path, kit: Any) -> None:
    """Keys freed by a reset are never handed to another partner's rows (a file database, as
    served), so the backup's rows go back with their own keys."""
    settings = two_partners(kit, delay=0, db=str(tmp_path / "sandbox.sqlite3"))
    async with httpx.AsyncClient(transport=embedded_transport(settings), base_url=kit.BASE) as client:
        me, other = callers(client, kit)
        card_id = await me.new_card()
        await me.change("card.activate", {"card_id": card_id})
        await me.credit(card_id, 50)
        await me.ok("/sandbox/backup/save", {"name": "one"})
        await me.ok("/sandbox/reset")
        theirs = await other.new_card()
        await other.change("card.activate", {"card_id": theirs})
        await other.credit(theirs, 70)
        await me.ok("/sandbox/backup/load", {"name": "one"})
        assert await me.available(card_id) == 50 and await other.available(theirs) == 70


# --- card history and received requests ----------------------------------------------------------


async def test_card_history_lists_every_change_and_ledger_entry_oldest_first(
    sandbox: httpx.AsyncClient, kit: Any
) -> None:
    me, other = callers(sandbox, kit)
    card_id = await me.new_card()
    await me.change("card.activate", {"card_id": card_id})
    await me.credit(card_id, 900)
    created = await me.change(
        "transaction.create", {"order_id": "O", "card_id": card_id, "amount": 400, "currency": "KZT"}
    )
    await me.change("transaction.clearing", {"transaction_id": created["transaction_id"]})
    await me.change("card.block", {"card_id": card_id, "description": "lost"})
    events = (await me.ok("/sandbox/card/history", {"card_id": card_id}))["events"]
    summary = [(e["kind"], e.get("to_status") or e.get("type")) for e in events]
    assert summary == [
        ("status", "inactive"),
        ("status", "active"),
        ("ledger", "credit"),
        ("ledger", "hold"),
        ("ledger", "pay"),
        ("status", "blocked"),
    ]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[-1]["reason"] == "lost" and events[3]["amount"] == 400
    assert all(e["request_id"] for e in events)
    await other.refused("/sandbox/card/history", {"card_id": card_id}, "not_found")
    await me.refused("/sandbox/card/history", {}, "validation_error")


async def test_received_requests_are_the_callers_newest_first_and_hold_no_secret(
    sandbox: httpx.AsyncClient, kit: Any
) -> None:
    me, other = callers(sandbox, kit)
    card_id = await me.new_card()
    pin_block = "q3Jx0v9mW0b8k3YtZx3z1Q=="
    set_pin = {"request_id": str(uuid.uuid4()), "card_id": card_id, "pin": pin_block}
    await me.api("card.set_pin", set_pin)
    await me.api("card.balance", {"request_id": str(uuid.uuid4()), "card_id": card_id})
    await me.api("card.info", {"request_id": str(uuid.uuid4())})  # refused: no card_id
    await other.api("card.info", {"request_id": str(uuid.uuid4()), "card_id": card_id})

    data = await me.ok("/sandbox/requests", {"limit": 3})
    listed = data["requests"]
    assert [r["method"] for r in listed] == ["card.info", "card.balance", "card.set_pin"]
    assert listed[0]["error_code"] == "validation_error" and listed[0]["status"] == "error"
    assert listed[1]["status"] == "ok" and listed[1]["request_status"] == "success"
    assert listed[2]["request_id"] == set_pin["request_id"] and listed[2]["request_status"] == "process"
    assert listed[2]["path"] == "/v5/card-api/card/set_pin" and listed[2]["http_status"] == 200
    assert all(r["latency_ms"] >= 0 and r["at"] for r in listed)
    whole = await me.ok("/sandbox/requests")
    text = str(whole)
    assert pin_block not in text and not re.search(r"\d{16}", text) and kit.SECRET not in text
    assert len(whole["requests"]) == 2 + 2 + 3  # client.add, card.issue (and their status polls)
    theirs = (await other.ok("/sandbox/requests"))["requests"]
    assert [r["method"] for r in theirs] == ["card.info"] and theirs[0]["error_code"] == "not_found"
    await me.refused("/sandbox/requests", {"limit": 0}, "validation_error")


async def test_received_requests_of_a_file_database_are_seen_by_every_worker(
    tmp_path: Path, kit: Any
) -> None:
    settings = two_partners(kit, delay=0, db=str(tmp_path / "sandbox.sqlite3"))
    one, two = create_app(settings), create_app(settings)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url=kit.BASE) as first,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=two), base_url=kit.BASE) as second,
    ):
        await Caller(first, kit).api("card.info", {"request_id": str(uuid.uuid4()), "card_id": "7001001"})
        one.state.sandbox.engine.partners.flush()  # what the batch timer does within FLUSH_AFTER_S
        listed = (await Caller(second, kit).ok("/sandbox/requests"))["requests"]
        assert [r["method"] for r in listed] == ["card.info"]
    for app in (one, two):
        app.state.sandbox.close()


@pytest.mark.parametrize(
    "route",
    [
        "/sandbox/faults/get",
        "/sandbox/faults/clear",
        "/sandbox/delay/get",
        "/sandbox/settle",
        "/sandbox/clock/get",
        "/sandbox/backup/list",
        "/sandbox/reset",
    ],
)
async def test_routes_without_options_refuse_unknown_keys(
    sandbox: httpx.AsyncClient, kit: Any, route: str
) -> None:
    me, _ = callers(sandbox, kit)
    data = await me.refused(route, {"everything": True}, "validation_error")
    assert data["errors"][0]["field"] == "everything"
