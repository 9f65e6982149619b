"""Snapshots of every screen and form at 80x24 and 120x40, plus the light and 16-colour themes.

The app comes from snapshot_apps.make_app (fixed clock, counter request ids, seeded in-memory
sandbox) and `deterministic_console` pins the cache's wall-time stamps and the time zone, so
two runs in a row give the same SVGs. Update with `--snapshot-update` only after looking at
the report (or each SVG as a PNG): a snapshot is a claim that the screen looks right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from form_helpers import set_fields, type_text
from snapshot_apps import (
    SIZES,
    SnapshotApp,
    make_app,
    press_for_form,
    select_row,
    settle,
    submit_form,
    wait_ready,
    wait_until,
)
from textual.pilot import Pilot

from fpconsole.api import methods as api
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.command_line import CommandLine
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.help import HelpScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.secret_view import SecretDataScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

Steps = Callable[[Pilot[Any]], Awaitable[None]]
BOTH_SIZES = pytest.mark.parametrize("size", list(SIZES))
NEW_CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


def snap(snap_compare: Any, size: str, steps: Steps | None = None, **app_options: Any) -> bool:
    app = make_app(**app_options)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot)
        if steps is not None:
            await steps(pilot)
        await pilot.pause()

    return bool(snap_compare(app, terminal_size=SIZES[size], run_before=run_before))


def fp_app(pilot: Pilot[Any]) -> SnapshotApp:
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    return app


def first_card(pilot: Pilot[Any], status: str) -> str:
    cards = fp_app(pilot).engine.snapshot(partner=PARTNER)["cards"]
    return str(next(card["card_id"] for card in cards if card["status"] == status))


async def to_cards(pilot: Pilot[Any], status: str | None = None) -> None:
    """F3; with `status`, select the first seeded card in that state."""
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
    await settle(pilot)
    if status is not None:
        await select_row(pilot, first_card(pilot, status))


async def wait_for(pilot: Pilot[Any], screen_type: type[Any]) -> None:
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    await pilot.pause()


# --- sections ------------------------------------------------------------------------------------


@BOTH_SIZES
def test_clients(snap_compare: Any, size: str) -> None:
    assert snap(snap_compare, size)


@BOTH_SIZES
def test_cards(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "active")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_requests(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = fp_app(pilot)
        backend = app.backend
        assert backend is not None
        cards = app.engine.snapshot(partner=PARTNER)["cards"]
        active = next(c["card_id"] for c in cards if c["status"] == "active")
        inactive = [c["card_id"] for c in cards if c["status"] == "inactive"][:2]
        for method, body in (
            (api.CARD_ACTIVATE, {"card_id": inactive[0]}),
            (api.CARD_BLOCK, {"card_id": active, "description": "card lost"}),
            (api.CARD_UNBLOCK, {"card_id": inactive[1], "description": "found"}),  # ends in error
        ):
            backend.follow(await backend.submit(method, body))
        await wait_until(pilot, lambda: backend.in_process == 0)
        await pilot.press("f4")
        await wait_for(pilot, RequestsScreen)
        await pilot.press("home")
        await settle(pilot)

    assert snap(snap_compare, size, steps)


# --- overlays ------------------------------------------------------------------------------------


@BOTH_SIZES
def test_help(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await wait_for(pilot, HelpScreen)

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_actions_menu(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "active")
        await pilot.press("a")
        await wait_for(pilot, ActionsMenu)

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_command_line(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("colon")
        await wait_for(pilot, CommandLine)
        await pilot.press(*"card 70")

    assert snap(snap_compare, size, steps)


# --- forms ---------------------------------------------------------------------------------------


@BOTH_SIZES
def test_create_client_empty(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await press_for_form(pilot, "n")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_create_client_inline_error(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        form = await press_for_form(pilot, "n")
        set_fields(form, {**NEW_CLIENT, "client.phone": ""})
        await type_text(pilot, "#field-client_phone", "7701")
        await pilot.pause(RequestFormScreen.VALIDATE_DELAY + 0.1)
        assert form.query_one("#error-client_phone").has_class("-shown")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_create_client_success(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        form = await press_for_form(pilot, "n")
        set_fields(form, NEW_CLIENT)
        await pilot.pause()
        await submit_form(pilot, form)
        await settle(pilot)

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_issue_card_form(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await press_for_form(pilot, "i")  # for the selected client: client and product filled in

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
@pytest.mark.parametrize("kind", ["test", "production"])
def test_block_confirmation(snap_compare: Any, size: str, kind: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "active")
        form = await press_for_form(pilot, "b")
        set_fields(form, {"description": "card lost"})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, ConfirmScreen)

    assert snap(snap_compare, size, steps, kind=kind)


@BOTH_SIZES
def test_set_pin_form(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "active")
        await press_for_form(pilot, "p")
        await type_text(pilot, "#field-pin", "4321")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_secret_data_masked(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "active")
        await pilot.press("s")
        await wait_for(pilot, SecretDataScreen)
        view = pilot.app.screen
        assert isinstance(view, SecretDataScreen)
        await wait_until(pilot, lambda: bool(view._secret))
        await pilot.pause()

    assert snap(snap_compare, size, steps)


# --- themes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["fpconsole-light", "fpconsole-16"])
def test_theme(snap_compare: Any, theme: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot, "blocked")
        assert isinstance(pilot.app.screen, ListScreen)

    assert snap(snap_compare, "large", steps, theme=theme)


# Every other request form, as its key opens it: (section key, card status or None, form key).
OTHER_FORMS = {
    "edit-phone": ("f2", None, "E"),  # e exports on every list
    "link-card": ("f2", None, "l"),
    "issue-card-unlinked": ("f3", None, "n"),
    "bulk-issue": ("f3", None, "B"),
    "activate": ("f3", "inactive", "A"),
    "unblock": ("f3", "blocked", "u"),
    "close": ("f3", "active", "x"),
    "reset-pin-counter": ("f3", "active", "r"),
    "issue-plastic": ("f3", "active", "P"),
    "set-limits": ("f3", "active", "L"),
    "create-transaction": ("f3", "active", "t"),
}


@BOTH_SIZES
@pytest.mark.parametrize("form", list(OTHER_FORMS))
def test_other_forms(snap_compare: Any, size: str, form: str) -> None:
    section, status, key = OTHER_FORMS[form]

    async def steps(pilot: Pilot[Any]) -> None:
        if section == "f3":
            await to_cards(pilot, status)
        await press_for_form(pilot, key)
        await settle(pilot)  # reads a form starts with (a card's balance) have come back

    assert snap(snap_compare, size, steps)
