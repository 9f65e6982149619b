"""Bulk onboarding screen snapshots at 80x24 and 120x40: before a run and after one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import SIZES, make_app, wait_ready, wait_until
from textual.widgets import Input

from fpconsole.tui.screens.bulk import BulkScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

ROWS = (
    "product_id,phone,type,resident,first_name,last_name\n"
    + "".join(f"2000,7701666{n:04d},1,1,DANA,SNAPSHOT\n" for n in range(5))
    + "2000,7701,1,1,DANA,SNAPSHOT\n"
)


async def open_bulk(pilot: Any) -> BulkScreen:
    await wait_ready(pilot)
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
    screen = pilot.app.screen
    assert isinstance(screen, BulkScreen)
    return screen


def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "clients.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


@pytest.mark.parametrize("size", list(SIZES))
def test_bulk_empty(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Any) -> None:
        await open_bulk(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_bulk_after_a_run(snap_compare: Any, size: str, tmp_path: Path) -> None:
    path = csv_file(tmp_path)

    async def run_before(pilot: Any) -> None:
        screen = await open_bulk(pilot)
        screen.query_one("#file", Input).value = str(path)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.result_path is not None, timeout=20)
        screen.query_one("#file", Input).value = "clients.csv"  # the tmp path differs per run
        await pilot.pause(0.1)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_bulk_paused_mid_run(snap_compare: Any, size: str, tmp_path: Path) -> None:
    """The progress view mid-run: the bar, done / failed / in flight, rate and ETA, paused."""
    path = csv_file(tmp_path)

    async def run_before(pilot: Any) -> None:
        screen = await open_bulk(pilot)
        clock = pilot.app.fake_clock
        shown = screen._progress

        def progress(update: Any) -> None:
            # One row at a time and a second of the frozen clock per update: the same rate,
            # ETA and pause point on every run.
            clock.advance(1)
            if update.done >= 3 and not update.paused:
                screen.action_pause()
                return
            shown(update)

        screen._progress = progress
        screen.query_one("#in-flight", Input).value = "1"
        screen.query_one("#file", Input).value = str(path)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.last_progress is not None and screen.last_progress.paused)
        await pilot.pause(0.2)
        screen.query_one("#file", Input).value = "clients.csv"  # the tmp path differs per run
        await pilot.pause(0.1)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_bulk_production_question(
    snap_compare: Any, size: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On production the console asks for the row count typed back, as `fpconsole bulk` does."""
    from fpconsole.tui.screens.bulk_guard import BulkProductionGuard

    csv_file(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative path, so the picture is the same on every machine

    async def run_before(pilot: Any) -> None:
        screen = await open_bulk(pilot)
        screen.query_one("#file", Input).value = "clients.csv"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkProductionGuard), timeout=20)
        await pilot.pause(0.1)

    assert snap_compare(make_app(kind="production"), run_before=run_before, terminal_size=SIZES[size])
