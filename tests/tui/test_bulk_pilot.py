"""Bulk onboarding in the console (F6): the shared runner over the console's own client."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import make_app, wait_ready, wait_until
from textual.widgets import Button, Input, ProgressBar, Static

from fpconsole.tui.screens.bulk import BulkScreen
from fpconsole.tui.widgets.paged_table import PagedTable

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
        assert bad.startswith("1 bad row, skipped:")  # counted in English, not "row(s)"
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

        # Another file: the table and the message are that run's alone.
        other = tmp_path / "two.csv"
        other.write_text("\n".join([HEADER, BAD, GOOD[0]]) + "\n", encoding="utf-8")
        await _run_file(pilot, screen, other)
        assert screen.result_path is not None
        # Line 3 was done by the first file (the same client): listed, as the result CSV has it.
        assert [r.key for r in screen.results.items] == ["2", "3"], screen.result_path.read_text()
        assert screen.query_one("#results", PagedTable).row_count == 2
        assert "two.result.csv" in str(screen.query_one("#message", Static).render())


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


async def test_pause_resume_cancel_then_the_same_file_finishes_without_duplicates(tmp_path: Path) -> None:
    """p pauses (nothing new starts), p resumes, c cancels (the rest stays pending); running
    the file again does only what is left."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        before = _clients(app)
        screen = await _open_bulk(pilot)
        screen.query_one("#in-flight", Input).value = "1"  # one row at a time: exact counts
        pause_at = [3, 5]
        shown = screen._progress

        def progress(update: Any) -> None:
            # What p does, at exactly 3 and then 5 rows done (a key pressed from here would wait
            # for the screen this callback is holding up).
            if pause_at and update.done >= pause_at[0] and not update.paused:
                pause_at.pop(0)
                screen.action_pause()
                return
            shown(update)

        screen._progress = progress  # type: ignore[method-assign,assignment]
        screen.query_one("#file", Input).value = str(write_csv(tmp_path))
        await pilot.press("ctrl+s")
        line = screen.query_one("#progress-line", Static)
        pause = screen.query_one("#pause", Button)

        await wait_until(pilot, lambda: "paused" in str(line.render()))
        await pilot.pause(0.2)  # paused: nothing new starts
        text = str(line.render())
        assert text.startswith("3/9 done · 1 failed · 0 in flight") and text.count("paused") == 1, text
        assert str(pause.label) == "Resume p" and _clients(app) == before + 3

        await pilot.press("p")  # resume
        await wait_until(pilot, lambda: screen.last_progress is not None and screen.last_progress.done >= 5)
        await wait_until(pilot, lambda: "paused" in str(line.render()))
        await pilot.press("c")  # cancel while paused: the run ends, the rest stays pending
        await wait_until(pilot, lambda: screen.runner is None and screen.result_path is not None)
        assert _clients(app) == before + 5
        assert screen.result_path is not None
        with screen.result_path.open(encoding="utf-8") as handle:
            statuses = [row["status"] for row in csv.DictReader(handle)]
        assert statuses.count("done") == 5 and statuses.count("failed") == 1
        assert statuses.count("pending") == 3

        screen._progress = shown  # type: ignore[method-assign]
        screen.result_path = None
        await _run_file(pilot, screen, write_csv(tmp_path))
        assert _clients(app) == before + 8
        assert "8/9 done (5 earlier)" in str(line.render())
