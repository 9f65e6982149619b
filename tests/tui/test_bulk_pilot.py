"""Bulk onboarding in the console (F6): the shared runner over the console's own client."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import make_app, wait_ready, wait_until
from textual.widgets import Input, ProgressBar, Static

from fpconsole.tui.screens.bulk import BulkScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

HEADER = "product_id,phone,type,resident,first_name,last_name"
GOOD = [f"2000,7701555{n:04d},1,1,AIDANA,TEST" for n in range(8)]
BAD = "2000,+7701,1,1,AIDANA,TEST"  # line 6: a phone with '+'


def write_csv(folder: Path) -> Path:
    path = folder / "clients.csv"
    lines = [HEADER, *GOOD[:4], BAD, *GOOD[4:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _open_bulk(pilot: Any) -> BulkScreen:
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
    screen = pilot.app.screen
    assert isinstance(screen, BulkScreen)
    return screen


async def _run_file(pilot: Any, screen: BulkScreen, path: Path) -> None:
    screen.query_one("#file", Input).value = str(path)
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: screen.runner is not None or screen.result_path is not None)
    await wait_until(pilot, lambda: screen.runner is None and screen.result_path is not None, timeout=20)


def _clients(app: Any) -> int:
    snapshot = app.engine.snapshot(partner="100500")
    return len(snapshot["clients"])


async def test_a_file_onboards_each_good_row_and_reports_the_bad_one(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        before = _clients(app)
        screen = await _open_bulk(pilot)
        await _run_file(pilot, screen, write_csv(tmp_path))

        bad = str(screen.query_one("#bad-rows", Static).render())
        assert "line 6" in bad and "phone" in bad
        bar = screen.query_one("#bar", ProgressBar)
        assert bar.progress == bar.total == 9
        assert "8/9 done" in str(screen.query_one("#progress-line", Static).render())
        assert _clients(app) == before + 8
        assert screen.result_path is not None
        with screen.result_path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert sum(1 for r in rows if r["status"] == "done") == 8
        text = screen.result_path.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\d)\d{16}(?!\d)", text)  # masked PANs only

        # The same file again creates nothing new.
        await _run_file(pilot, screen, write_csv(tmp_path))
        assert _clients(app) == before + 8


async def test_read_only_console_does_not_start_a_run(tmp_path: Path) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        screen = await _open_bulk(pilot)
        screen.query_one("#file", Input).value = str(write_csv(tmp_path))
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert screen.runner is None and screen.result_path is None
        assert "Read-only" in str(screen.query_one("#message", Static).render())
