"""`e` exports on every list (Clients, Cards, Requests, Transactions), and the footer says so."""

from __future__ import annotations

import pytest
from snapshot_apps import make_app, settle, wait_ready, wait_until

from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.screens.base import ListScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


def footer_text(app: object) -> str:
    """The keys the footer offers (the bindings it is drawn from)."""
    screen = app.screen  # type: ignore[attr-defined]
    return " ".join(
        f"{binding.key} {binding.description}"
        for _, binding, enabled, _ in screen.active_bindings.values()
        if enabled and binding.show
    )


async def test_e_opens_the_export_menu_on_every_list() -> None:
    """One console visits the four lists in turn (each used to start its own); a failure names it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        previous = None
        for section in ("f2", "f3", "f4", "f5"):
            await pilot.press(section)
            await wait_until(
                pilot, lambda seen=previous: isinstance(app.screen, ListScreen) and app.screen is not seen
            )
            previous = app.screen
            await settle(pilot)
            assert "e Export" in footer_text(app), section
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
            menu = app.screen
            assert isinstance(menu, ActionsMenu)
            assert any("CSV" in action.title for action in menu.actions), section
            await pilot.press("escape")
            await wait_until(pilot, lambda seen=previous: app.screen is seen)
