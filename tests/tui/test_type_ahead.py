"""Keys that arrive in one burst (a paste, or typing over a slow SSH link) land where the person
meant them: after `/` in the filter, after `:` in the command line, after a form's key in the
form's first empty field — never on the list's bindings (`a` would open Actions)."""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import make_app, settle, wait_ready, wait_until
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

NAMES = {"/": "slash", ":": "colon", " ": "space", "\r": "enter"}


def burst(pilot: Pilot[Any], text: str) -> None:
    """Every key queued at once, as the terminal driver does with one packet of input
    (pilot.press would wait for each key to be handled)."""
    for char in text:
        pilot.app.post_message(events.Key(NAMES.get(char, char), None if char == "\r" else char))


async def test_a_burst_after_slash_filters_the_list() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, "/kamila")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ListScreen), type(screen).__name__  # no Actions menu from the `a`
        assert screen.query_one("#filter", Input).value == "kamila"
        assert screen.query_text == "kamila"


async def test_a_pasted_command_line_opens_the_card() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, ":card 7001030\r")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CardsScreen)
        row = screen.table.current_row
        assert row is not None and row.key == "7001030"


async def test_typing_straight_after_opening_a_form_fills_its_first_empty_field() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, "e77012345678")  # Edit phone for the selected client
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        assert form.query_one("#field-client_phone", Input).value == "77012345678"
        assert form.query_one("#field-client_id", Input).value.startswith("CL-")
        assert not form.query_one("#field-client_id", Input).value.endswith("5678")


async def test_a_screen_with_nothing_to_focus_still_gets_its_keys() -> None:
    from fpconsole.tui.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        for _ in range(3):  # again and again: keys are never held for good
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ListScreen), timeout=3)
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=3)
