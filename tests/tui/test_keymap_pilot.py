"""[keys] in the running console: a moved key works and its old key no longer does, F9 submits
a form by default (ctrl+s is many people's tmux prefix), and help and the footer show the keys
the user has, not the defaults."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import FakeBackend, FormHost, make_result, set_fields
from snapshot_apps import make_app, wait_ready, wait_until
from textual.containers import VerticalScroll
from textual.widgets import Input

from fpconsole.api import methods as api
from fpconsole.config.model import KeySetting
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.help import HelpScreen, binding_rows
from fpconsole.tui.keymap import check_keys
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.usefixtures("deterministic_console")

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


def keymap(**keys: str) -> dict[str, str]:
    """As the launch builds it: [keys] lines checked against the console's bindings."""
    settings = tuple(
        KeySetting(binding_id.replace("__", "."), tuple(value.split(",")), line)
        for line, (binding_id, value) in enumerate(keys.items(), 1)
    )
    return check_keys(settings, "config.toml")


def form_host(backend: FakeBackend) -> FormHost:
    return FormHost(
        lambda: RequestFormScreen(api.CLIENT_ADD, clock=lambda: 100.0, new_request_id=lambda: RID),
        backend,
    )


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _settle(app: Any, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_f9_submits_a_form_by_default() -> None:
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="success")])
    app = form_host(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        set_fields(app.screen, CLIENT)
        await pilot.press("f9")
        await _settle(app, pilot)
        assert backend.request_ids == [RID]


async def test_the_submit_button_names_the_key_the_key_line_names() -> None:
    """The key line said "f9 Submit" and the button "Submit ^s": ctrl+s is many people's tmux
    prefix, so the button sent an operator on a jump host to the one key that may not arrive."""
    app = form_host(FakeBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "f9 Submit" in shown and "Submit f9" in shown and "^s" not in shown


async def test_a_moved_submit_key_sends_and_the_old_keys_no_longer_do() -> None:
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="success")])
    app = form_host(backend)
    app.set_keymap(keymap(form__submit="f10"))
    async with app.run_test(size=(80, 24)) as pilot:
        set_fields(app.screen, CLIENT)
        await pilot.press("ctrl+s", "f9")
        await _settle(app, pilot)
        assert backend.request_ids == []  # neither default key sends any more
        footer = screen_text(app)
        assert "f10 Submit" in footer and "^s Submit" not in footer
        assert "Submit f10" in footer  # the button says the key too
        await pilot.press("f10")
        await _settle(app, pilot)
        assert backend.request_ids == [RID]


async def test_a_moved_filter_key_opens_the_filter_and_help_shows_it() -> None:
    app = make_app(keymap=keymap(filter="ctrl+f", clients="ctrl+g"))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_ready(pilot)
        screen = app.screen
        assert isinstance(screen, ListScreen)
        box = screen.query_one("#filter", Input)
        await pilot.press("slash")
        await pilot.pause()
        assert not box.has_class("-visible")  # the old key does nothing now
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: box.has_class("-visible"))
        await pilot.press("escape")
        await pilot.pause()

        assert ("^f", "Filter") in binding_rows(screen)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        shown = screen_text(app)
        assert "^f" in shown and "Filter" in shown
        app.screen.query_one(VerticalScroll).scroll_end(animate=False, immediate=True)
        await pilot.pause()
        notes = screen_text(app)
        assert "^g f3 f4  Clients · Cards · Requests" in notes  # the user's key for Clients
        assert "^f        filter the list in view" in notes


async def test_list_screens_hold_the_paged_table_the_conflict_check_counts_on() -> None:
    # keymap._WIDGETS_IN says a ListScreen holds a PagedTable: its keys shadow the screen's.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.query(PagedTable)
