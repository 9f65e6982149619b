"""The console's Sandbox section (F7) journals its state changes: a top-up made there is listed
in Requests as a sandbox control (no replay, curl or poll, saying why), and Requests → Save as
scenario writes it as its `sandbox = "top_up"` step, so the saved session — client, card,
activate, top-up, payment — replays green on another fresh sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, settle, wait_until
from test_lifecycle_sandbox_pilot import fresh_app
from test_sandbox_section import box, idle, open_sandbox, result
from textual.pilot import Pilot

from fpconsole import cli
from fpconsole.locations import state_dir
from fpconsole.scenario.parse import load
from fpconsole.tui.screens.requests import CONTROL_TEXT, RequestsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")
SIZE = (140, 40)
CLIENT = {
    "product_id": 2000,
    "client": {
        "phone": 77011234567,
        "type": 1,
        "resident": 1,
        "first_name": "ALIYA",
        "last_name": "SERIKOVA",
    },
}


async def call(app: SnapshotApp, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """One Card API call on the console's own client (journaled), followed to its final status."""
    assert app.backend is not None
    client = app.backend.client
    result = await client.call(method, body)
    answer = result.raw
    if answer.get("request_status") == "process" and result.request_id:
        async for status in client.track(result.request_id, method=method, initial="process"):
            answer = status.model_dump(mode="json", exclude_none=True)
    return answer


async def requests_screen(pilot: Pilot[Any], app: SnapshotApp) -> RequestsScreen:
    app.switch_mode("requests")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
    screen = app.screen
    assert isinstance(screen, RequestsScreen)
    await wait_until(pilot, lambda: bool(screen.query("#list")))
    await wait_until(pilot, lambda: screen.table.current_row is not None)
    await settle(pilot)
    return screen


async def test_a_top_up_from_f7_is_journaled_listed_and_saved_as_its_sandbox_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = fresh_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        await settle(pilot)
        client_id = (await call(app, "client.add", CLIENT))["client_id"]
        issued = await call(app, "card.issue", {"product_id": 2000, "client_id": client_id})
        card_id = str(issued["cards"][0]["card_id"])
        await call(app, "card.activate", {"card_id": card_id})

        sandbox = await open_sandbox(pilot)
        box(sandbox, "card_id").value = card_id
        box(sandbox, "amount").value = "10000"
        box(sandbox, "amount").focus()
        await pilot.press("enter")
        await idle(pilot, sandbox)
        assert result(sandbox, "topup").startswith(f"Topped up card {card_id}")
        await call(
            app,
            "transaction.create",
            {"order_id": "ORD-f7-1", "card_id": card_id, "amount": 3500, "currency": "KZT"},
        )

        assert app.backend is not None
        (top_up,) = app.backend.journal.entries(method="sandbox.top_up")
        assert top_up.outcome == "success" and top_up.operator
        assert app.backend.journal.verify().intact
        requests = await requests_screen(pilot, app)
        await wait_until(pilot, lambda: requests.table.move_to_key(str(top_up.request_id)))
        await settle(pilot)
        row = requests.table.current_row
        assert row is not None
        assert row.data["target_ids"] == {"card_id": card_id}
        by_key = {action.key: action for action in requests.actions(row)}
        for key in ("R", "C", "p"):
            assert not by_key[key].available and by_key[key].why_not == CONTROL_TEXT

        await pilot.press("G")  # the oldest: client.add
        await wait_until(
            pilot,
            lambda: (
                requests.table.current_row is not None
                and requests.table.current_row.data.get("method") == "client.add"
            ),
        )
        await pilot.press("m")
        await pilot.press("g")
        await wait_until(
            pilot,
            lambda: (
                requests.table.current_row is not None
                and requests.table.current_row.data.get("method") == "transaction.create"
            ),
        )
        await pilot.press("S")
        folder = state_dir() / "scenarios"
        await wait_until(pilot, lambda: folder.is_dir() and any(folder.glob("session-*.toml")))
        (saved,) = folder.glob("session-*.toml")

    kinds = [step.kind for step in load(saved).steps]
    assert kinds.index("card.activate") < kinds.index("sandbox.top_up") < kinds.index("transaction.create")
    fund = load(saved).steps[kinds.index("sandbox.top_up")]
    assert fund.fields["card_id"] == "${card_issue.cards.0.card_id}"

    fresh = tmp_path / "another-fresh-sandbox"
    fresh.mkdir()
    monkeypatch.setenv("FPCONSOLE_HOME", str(fresh))
    code = await asyncio.to_thread(cli.main, ["scenario", "run", str(saved)])
    assert code == 0
