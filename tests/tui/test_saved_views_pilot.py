"""Qualifiers in every list's `/` filter, and saved views: `w` saves the filter under a name,
`:view NAME` and the palette open it again, `:view delete NAME` forgets it."""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import SnapshotApp, make_app, settle, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.store.views import ViewStore
from fpconsole.tui.saved_views import ViewNameScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.clients import ClientsScreen
from fpconsole.tui.screens.requests import RequestsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (110, 32)


def list_screen(app: SnapshotApp) -> ListScreen:
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen


def listed(app: SnapshotApp) -> list[dict[str, Any]]:
    table = list_screen(app).table
    return [row.data for index in range(table.row_count) if (row := table.row_at(index)) is not None]


def notes(app: SnapshotApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def go_to_cards(pilot: Pilot[Any]) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
    await wait_until(pilot, lambda: list_screen(pilot.app).table.row_count > 0)  # type: ignore[arg-type]
    await settle(pilot)


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash", *text)
    await settle(pilot)


async def test_status_and_client_qualifiers_narrow_the_cards_list() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await go_to_cards(pilot)
        cards = app.engine.snapshot(partner=PARTNER)["cards"]
        statuses = {card["status"] for card in cards}
        status = "active" if "active" in statuses else sorted(statuses)[0]
        await type_filter(pilot, f"status:{status}")
        rows = listed(app)
        assert rows and all(row["status"] == status for row in rows)
        assert len(rows) == len([c for c in cards if c["status"] == status])
        client = rows[0]["client_id"]
        await pilot.press("escape")
        await type_filter(pilot, f"client:{client} status:{status}")
        rows = listed(app)
        assert rows and all(row["client_id"] == client and row["status"] == status for row in rows)


async def test_an_unknown_qualifier_or_bad_value_is_named_with_the_accepted_ones() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert isinstance(app.screen, ClientsScreen)
        await type_filter(pilot, "status:blocked")  # clients have no status
        box = app.screen.query_one("#filter", Input)
        assert "unknown qualifier status: (this list takes product: client: since:)" in str(
            box.border_subtitle
        )
        await pilot.press("enter")
        await pilot.pause()
        assert any("unknown qualifier status:" in note for note in notes(app))
        await pilot.press("escape")
        await type_filter(pilot, "product:42")
        assert "product:42 is not a product; one of 1000, 2000, 3000" in str(box.border_subtitle)


async def test_requests_filter_by_status_and_method() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        await wait_until(pilot, lambda: bool(app.screen.query("#list")))  # composed, not only on top
        await wait_until(pilot, lambda: list_screen(app).table.row_count > 0)
        methods = {row["method"] for row in listed(app)}
        method = sorted(methods)[0]
        await type_filter(pilot, f"method:{method} status:success")
        rows = listed(app)
        assert rows and all(row["method"] == method and row["outcome"] == "success" for row in rows)


async def test_a_filter_saved_as_a_view_opens_again_from_the_command_line_and_the_palette() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("w")  # no filter yet: nothing to save, and it says so
        await pilot.pause()
        assert any("Nothing to save" in note for note in notes(app))
        await go_to_cards(pilot)
        await type_filter(pilot, "status:active")
        await pilot.press("enter", "w")
        await wait_until(pilot, lambda: isinstance(app.screen, ViewNameScreen))
        await pilot.press(*"two words", "enter")  # not a name: said in the dialog, which stays
        await pilot.pause()
        assert isinstance(app.screen, ViewNameScreen)
        assert "1-40 letters" in str(app.screen.query_one("#view-error").render())
        app.screen.query_one("#view-name", Input).value = ""
        await pilot.press(*"live", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        with ViewStore.open(profile=app.context.profile_name) as views:
            assert [(v.name, v.section, v.filter) for v in views.list()] == [
                ("live", "cards", "status:active")
            ]

        await pilot.press("f2")  # elsewhere, the view brings back its section and its filter
        await wait_until(pilot, lambda: isinstance(app.screen, ClientsScreen))
        await pilot.press("colon", *"view live", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await wait_until(pilot, lambda: list_screen(app).query_text == "status:active")
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "status:active"
        assert listed(app) and all(row["status"] == "active" for row in listed(app))

        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "View live" in titles and "Delete view live" in titles and "Save view…" in titles

        await pilot.press("colon", *"view nope", "enter")
        await pilot.pause()
        assert any("No view named 'nope'. Saved views: live." in note for note in notes(app))
        await pilot.press("colon", *"view delete live", "enter")
        await pilot.pause()
        with ViewStore.open(profile=app.context.profile_name) as views:
            assert views.list() == []
        assert "View live" not in [command.title for command in app.get_system_commands(app.screen)]
