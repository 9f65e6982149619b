"""The console forgets what the terminal shows whenever the terminal may have changed behind it:
a resize, a resume from suspend, ctrl+l. Otherwise cells it skips as "shown already" could stay
wrong on screen for good (partial_paint, shown_cells)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from snapshot_apps import wait_until
from textual.geometry import Size

from fpconsole.tui import partial_paint
from fpconsole.tui.app import ConsoleContext, FpConsoleApp


@pytest.fixture
def remembered() -> Iterator[None]:
    partial_paint.install()
    yield
    partial_paint.uninstall()


def remember_a_chop() -> None:
    partial_paint.SHOWN.wrote(0, 0, 10, "fpconsole ")
    assert len(partial_paint.SHOWN) == 1


@pytest.mark.usefixtures("remembered")
async def test_ctrl_l_forgets_the_terminal_and_paints_the_screen_again() -> None:
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await pilot.pause()
        remember_a_chop()
        await pilot.press("ctrl+l")
        assert len(partial_paint.SHOWN) == 0


@pytest.mark.usefixtures("remembered")
async def test_a_resize_forgets_the_terminal() -> None:
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        remember_a_chop()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert len(partial_paint.SHOWN) == 0


@pytest.mark.usefixtures("remembered")
async def test_a_resume_from_suspend_forgets_the_terminal_and_paints_it_again() -> None:
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await pilot.pause()
        remember_a_chop()
        repaints: list[bool] = []
        app.screen.refresh = lambda *regions, **flags: repaints.append(True)  # type: ignore[method-assign]
        app._resume_signal()  # what App.suspend() and the driver's SIGCONT handling publish
        await pilot.pause()
        assert len(partial_paint.SHOWN) == 0
        assert repaints  # after fg nothing else repaints: the list stayed blank


@pytest.mark.usefixtures("remembered")
async def test_a_headless_console_writes_nothing_so_remembers_nothing() -> None:
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert len(partial_paint.SHOWN) == 0


async def test_ctrl_l_takes_a_terminal_size_the_console_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # What the terminal says now: smaller than what the console paints.
        monkeypatch.setattr(app, "_terminal_size", lambda: Size(90, 28))
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: app.size == Size(90, 28))
