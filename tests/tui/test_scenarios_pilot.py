"""The console's scenario parts, on a fresh embedded sandbox: `:scenario FILE` runs a file with
each step's line filled in live; Requests → m on the first request, S on the last saves that
range as a scenario, which :scenarios then runs green (a new client and card: nothing reused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, settle, wait_until
from test_lifecycle_sandbox_pilot import fresh_app
from textual.pilot import Pilot
from textual.widgets import Static

from fpconsole.locations import state_dir
from fpconsole.tui.command_line import execute
from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.screens.scenarios import ScenariosScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "scenario.toml"
SIZE = (140, 40)


def summary(app: SnapshotApp) -> str:
    screen = app.screen
    if not isinstance(screen, ScenariosScreen):
        return ""
    found = screen.query("#scenario-summary")  # empty until the screen has composed
    return str(found.first(Static).render()) if found else ""


async def run_file(pilot: Pilot[Any], app: SnapshotApp, path: Path) -> ScenariosScreen:
    execute(app, f"scenario {path}")
    await wait_until(pilot, lambda: isinstance(app.screen, ScenariosScreen))
    await wait_until(pilot, lambda: "PASSED" in summary(app) or "FAILED" in summary(app), timeout=120)
    screen = app.screen
    assert isinstance(screen, ScenariosScreen)
    return screen


async def test_a_scenario_runs_live_and_a_saved_range_replays_green() -> None:
    app = fresh_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        await settle(pilot)
        screen = await run_file(pilot, app, SAMPLE)
        assert summary(app).endswith("PASSED: 5 passed"), summary(app)
        lines = {name: str(line.render()) for name, line in screen.lines.items()}
        assert lines["fund"].split()[:3] == ["ok", "fund", "sandbox.top_up"]
        # Its request_id as the Requests list shows it (and `/` finds it there).
        assert lines["card"].split()[-1].endswith("-…") and len(lines["card"].split()[-1]) == 10
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ScenariosScreen))

        app.switch_mode("requests")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        requests = app.screen
        assert isinstance(requests, RequestsScreen)
        await wait_until(pilot, lambda: bool(requests.query("#list")))
        await wait_until(pilot, lambda: requests.table.current_row is not None)
        await settle(pilot)
        await pilot.press("G")  # the oldest request: client.add
        await wait_until(pilot, lambda: requests.table.current_row.data.get("method") == "client.add")  # type: ignore[union-attr]
        await pilot.press("m")
        await pilot.press("g")  # the newest: card.info, unless a read the console made came later
        await settle(pilot)
        for _ in range(20):  # down to the newest card.info (once failed in .ci/run at `g` alone)
            row = requests.table.current_row
            if row is not None and row.data.get("method") == "card.info":
                break
            await pilot.press("down")
            await settle(pilot)
        await wait_until(pilot, lambda: requests.table.current_row.data.get("method") == "card.info")  # type: ignore[union-attr]
        await pilot.press("S")
        folder = state_dir() / "scenarios"
        await wait_until(pilot, lambda: folder.is_dir() and any(folder.glob("session-*.toml")))
        (saved,) = folder.glob("session-*.toml")
        text = saved.read_text()
        # The four requests of the scenario (the top-up is no Card API request) and the reads the
        # console made around them (a new card's info, the client's cards), oldest first.
        methods = [line.split('"')[1] for line in text.splitlines() if line.startswith("method = ")]
        assert [m for m in methods if m in ("client.add", "card.issue", "card.activate")] == [
            "client.add",
            "card.issue",
            "card.activate",
        ]
        assert methods[0] == "client.add" and methods[-1] == "card.info"
        assert 'client_id = "${client_add.client_id}"' in text

        # Without the top-up the saved card.info still passes: the recording asserts its status.
        await run_file(pilot, app, saved)
        assert summary(app).endswith(f"PASSED: {len(methods)} passed"), summary(app)


async def test_a_broken_file_says_what_is_wrong_and_sends_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[[step]]\nname = "a"\nmethod = "card.isue"\n')
    app = fresh_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        execute(app, f"scenario {broken}")
        await wait_until(pilot, lambda: isinstance(app.screen, ScenariosScreen))
        await wait_until(pilot, lambda: "unknown method" in summary(app))
        assert "broken.toml:4: step 'a': unknown method 'card.isue'" in summary(app)
        execute(app, "scenario /no/such/file.toml")
        await pilot.pause()
