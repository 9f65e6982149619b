"""The command palette over a form or dialog offers nothing that leaves it: F2–F7 do nothing
there (a form is closed with Esc, which asks about what was typed), and a palette command that
switched section left the half-typed form behind in the old section, where the next key for
the list went into it (QA 19, finding 2). A blocked section key says why instead of nothing."""

from __future__ import annotations

import pytest
from snapshot_apps import make_app, press_for_form, wait_ready, wait_until
from textual.widgets import Input

from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.screens.clients import ClientsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SECTIONS = {"Clients", "Cards", "Requests", "Transactions", "Bulk onboarding", "Sandbox"}


async def test_the_palette_over_a_form_offers_no_section_and_the_list_offers_them_all() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        over_list = {command.title for command in app.get_system_commands(app.screen)}
        assert over_list >= SECTIONS
        form = await press_for_form(pilot, "n")
        over_form = {command.title for command in app.get_system_commands(form)}
        assert not (over_form & SECTIONS), over_form & SECTIONS
        assert not [title for title in over_form if title.startswith("View ")]


async def test_a_section_key_in_a_form_says_how_to_leave_it_and_keeps_what_was_typed() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        form = await press_for_form(pilot, "n")
        field = form.query_one("#field-client_first_name", Input)
        field.focus()
        await pilot.press(*"ALIYA")
        await pilot.press("f3")
        await wait_until(pilot, lambda: any("Esc" in str(n.message) for n in app._notifications))
        assert isinstance(app.screen, RequestFormScreen) and field.value == "ALIYA"
        assert isinstance(app.screen_stack[0], ClientsScreen)
