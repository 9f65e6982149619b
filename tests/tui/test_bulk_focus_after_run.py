"""Bulk (F6), QA 11a: after a run, what the operator types goes to the CSV path box again, and
ctrl+s runs the file the box names — never the previous file with the new path lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import make_app, wait_ready, wait_until
from textual.widgets import Input

from fpconsole.tui.screens.bulk import BulkScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

HEADER = "product_id,phone,type,resident,first_name,last_name"


def write_csv(path: Path, first_phone: int, rows: int = 2) -> Path:
    lines = [HEADER, *(f"2000,7701666{first_phone + n:04d},1,1,AIDANA,TEST" for n in range(rows))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _type(pilot: Any, text: str) -> None:
    await pilot.press(
        *[{"/": "slash", ".": "full_stop", "-": "minus", "_": "underscore"}.get(c, c) for c in text]
    )


async def _wait_for_run(pilot: Any, screen: BulkScreen, previous: Path | None) -> None:
    await wait_until(
        pilot, lambda: screen.result_path not in (None, previous) and screen.runner is None, timeout=20
    )
    await pilot.pause()


async def test_typing_after_a_run_goes_to_the_path_box_and_ctrl_s_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Paths relative to the working folder, as an operator types them: a few keys, not a
    # 70-character temporary path pressed one key at a time (13 s of the suite).
    monkeypatch.chdir(tmp_path)
    first = write_csv(Path("first.csv"), 0)
    second = write_csv(Path("second.csv"), 10)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
        screen = pilot.app.screen
        assert isinstance(screen, BulkScreen)
        box = screen.query_one("#file", Input)
        box.focus()
        await pilot.pause()
        await _type(pilot, str(first))
        await pilot.press("ctrl+s")
        await _wait_for_run(pilot, screen, None)
        assert screen.result_path is not None and screen.result_path.name == "first.result.csv"

        assert app.focused is box, f"focus is on {app.focused!r}, not the CSV file box"
        await _type(pilot, str(second))  # the old path is selected: typing replaces it
        assert box.value == str(second)
        done = screen.result_path
        await pilot.press("ctrl+s")
        await _wait_for_run(pilot, screen, done)
        assert screen.result_path.name == "second.result.csv"
