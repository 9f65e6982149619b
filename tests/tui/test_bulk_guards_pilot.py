"""The console's Bulk screen (F6) on inputs an operator gets wrong, and on production: a message
on the screen each time (never a crash, never a silent ctrl+s), the file read off the event
loop, and on production the CLI's typed confirmation of the row count before anything is sent."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from snapshot_apps import make_app, wait_ready, wait_until
from textual.widgets import Input, Static

from fpconsole.tui.screens.bulk import BulkScreen
from fpconsole.tui.screens.bulk_guard import BulkProductionGuard

pytestmark = pytest.mark.usefixtures("deterministic_console")

HEADER = "product_id,phone,type,resident,first_name,last_name"
GOOD = [f"2000,7701666{n:04d},1,1,AIDANA,TEST" for n in range(3)]
WAIT = 30.0  # generous: only a broken screen takes this long


def message(screen: BulkScreen) -> str:
    return str(screen.query_one("#message", Static).render())


def _clients(app: Any) -> int:
    return len(app.engine.snapshot(partner="100500")["clients"])


async def _open_bulk(pilot: Any) -> BulkScreen:
    await pilot.press("f6")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen), timeout=WAIT)
    screen = pilot.app.screen
    assert isinstance(screen, BulkScreen)
    return screen


async def _start(pilot: Any, screen: BulkScreen, path: Path) -> None:
    screen.query_one("#file", Input).value = str(path)
    await pilot.press("ctrl+s")


async def _says(pilot: Any, screen: BulkScreen, words: str) -> str:
    await wait_until(pilot, lambda: words in message(screen) and not screen.starting, timeout=WAIT)
    return message(screen)


async def test_a_cell_over_the_field_limit_is_a_message_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(f"{HEADER}\n2000,77011234567,1,1,{'A' * 200_000},B\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        screen = await _open_bulk(pilot)
        await _start(pilot, screen, path)
        text = await _says(pilot, screen, "a cell is longer than")
        assert "line 2" in text and screen.runner is None
        assert app.is_running and app.screen is screen


async def test_a_fifo_is_refused_and_the_file_is_read_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole.bulk import csvfile

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    threads: list[threading.Thread] = []
    real = csvfile.read_bulk_file

    def spy(path: Path | str) -> Any:
        threads.append(threading.current_thread())
        return real(path)

    monkeypatch.setattr(csvfile, "read_bulk_file", spy)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        screen = await _open_bulk(pilot)
        await _start(pilot, screen, fifo)
        text = await _says(pilot, screen, "not a regular file")
        assert str(fifo) in text and screen.runner is None
        assert threads and threads[0] is not threading.main_thread()


async def test_a_damaged_state_file_is_said_on_the_screen(tmp_path: Path) -> None:
    from fpconsole.bulk.state import default_path

    state = default_path()
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(b"not a database at all" * 200)
    path = tmp_path / "clients.csv"
    path.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        before = _clients(app)
        screen = await _open_bulk(pilot)
        await _start(pilot, screen, path)
        text = await _says(pilot, screen, "damaged")
        assert str(state) in text and "move it aside" in text
        assert _clients(app) == before and screen.runner is None


async def test_production_asks_for_the_row_count_before_sending(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("\n".join([HEADER, *GOOD, "2000,+7701,1,1,AIDANA,TEST"]) + "\n", encoding="utf-8")
    app = make_app(kind="production")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        before = _clients(app)
        screen = await _open_bulk(pilot)
        await _start(pilot, screen, path)
        await wait_until(pilot, lambda: isinstance(app.screen, BulkProductionGuard), timeout=WAIT)
        guard = app.screen
        assert isinstance(guard, BulkProductionGuard)
        shown = " ".join(str(w.render()) for w in guard.query(Static))
        assert "production" in shown and str(path) in shown and "4 rows, 3 to send" in shown
        await pilot.press("enter")  # a reflexive Enter sends nothing
        await pilot.press("y", "enter")  # nor a y (the box takes digits only)
        assert isinstance(app.screen, BulkProductionGuard) and _clients(app) == before
        await pilot.press("escape")
        await _says(pilot, screen, "Not confirmed")
        assert _clients(app) == before

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, BulkProductionGuard), timeout=WAIT)
        await pilot.press("3", "enter")
        await wait_until(pilot, lambda: screen.result_path is not None and not screen.starting, timeout=WAIT)
        assert _clients(app) == before + 3
