"""The whole card lifecycle through the console's UI, against the embedded sandbox: create a client,
issue a card for it, activate, block (confirmed), unblock, set a PIN, close; then the unhappy
paths (an invalid form, an injected API error and its resubmit), read-only mode, and the live
"in process" indicator. Each step is checked twice: in the sandbox's state and on the screen."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import set_fields, text_of, type_text
from snapshot_apps import (
    FakeClock,
    SnapshotApp,
    cells_of,
    choose_action,
    confirm,
    current_form,
    make_app,
    menu_lines,
    press_for_form,
    select_row,
    submit_form,
    wait_ready,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.confirm import ConfirmScreen, last_four
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.widgets.top_bar import TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
NEW_CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.last_name": "SADYKOVA",
}


# --- reading state ----------------------------------------------------------------------------


def engine_card(app: SnapshotApp, card_id: str) -> dict[str, Any]:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return next(card for card in cards if card["card_id"] == card_id)


def engine_client(app: SnapshotApp, client_id: str) -> dict[str, Any] | None:
    clients = app.engine.snapshot(partner=PARTNER)["clients"]
    return next((client for client in clients if client["client_id"] == client_id), None)


def seeded_card(app: SnapshotApp, status: str) -> dict[str, Any]:
    return next(card for card in app.engine.snapshot(partner=PARTNER)["cards"] if card["status"] == status)


def journal_count(app: SnapshotApp) -> int:
    assert app.backend is not None
    return int(app.backend.journal.count(query=None))


def status_text(form: RequestFormScreen) -> str:
    return text_of(form.query_one("#status", Static))


def result_text(form: RequestFormScreen) -> str:
    return text_of(form.query_one("#result", Static))


def live_text(app: SnapshotApp) -> str:
    return text_of(app.screen.query_one(TopBar).query_one("#live", Static))


async def status_cell_becomes(pilot: Pilot[Any], card_id: str, status: str) -> None:
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    await wait_until(pilot, lambda: (cells_of(app, card_id) or ("",) * 3)[2] == status)


async def open_card(pilot: Pilot[Any], card_id: str) -> None:
    """F3, then select the card (`:card ID` is tested in test_screens_pilot.py)."""
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
    await wait_until(pilot, lambda: cells_of(pilot.app, card_id) is not None)  # type: ignore[arg-type]
    await select_row(pilot, card_id)


async def close_form(pilot: Pilot[Any]) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ListScreen))
    await pilot.pause()


LIFECYCLE = (
    "Activate",
    "Block…",
    "Unblock…",
    "Close…",
    "Set PIN…",
    "Reset PIN counter",
    "Secret data…",
    "Issue plastic card",
    "Set limits",
)


def read_only_menu(app: SnapshotApp) -> list[str]:
    """The open actions menu's lines, checked against the screen's own list: in read-only mode
    exactly the actions that change nothing are offered."""
    menu = app.screen
    assert isinstance(menu, ActionsMenu)
    assert all(not action.changes_state for action in menu.actions)
    return [text for text, _ in menu_lines(menu)]


# --- the happy path, on a sandbox and on a production context ---------------------------------


async def test_card_lifecycle_through_the_ui() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)

        # Create a client: fill the form (the first name typed key by key), ctrl+s.
        form = await press_for_form(pilot, "n")
        assert form.method.name == "client.add"
        set_fields(form, NEW_CLIENT)
        await type_text(pilot, "#field-client_first_name", "ALIYA")
        await submit_form(pilot, form)
        assert status_text(form).startswith("sent → process → success")
        client_id = str(form.response["client_id"])
        assert f"client_id  {client_id}" in result_text(form)
        created = engine_client(app, client_id)
        assert created is not None and str(created["phone"]) == "77011234567"
        await close_form(pilot)

        # It is listed in Clients, on top (the most recently seen).
        await wait_until(pilot, lambda: cells_of(app, client_id) is not None)
        assert cells_of(app, client_id) == (client_id, "ALIYA SADYKOVA", "77011234567", "Instant")
        await pilot.press("home")
        await pilot.pause(0.2)

        # Issue a card for it, from the client's actions menu.
        await choose_action(pilot, "Issue card for this client")
        form = current_form(app)
        assert form.method.name == "card.issue"
        assert form.read_input().values["client_id"] == client_id  # prefilled from the selection
        await submit_form(pilot, form)
        assert "success" in status_text(form)
        card_id = str(form.response["cards"][0]["card_id"])
        assert f"card_id  {card_id}" in result_text(form)
        card = engine_card(app, card_id)
        assert (card["status"], card["client_id"]) == ("inactive", client_id)
        mask = card["card_mask"]
        await close_form(pilot)

        # Cards: the new card, inactive; only Activate of the state changes is offered.
        await open_card(pilot, card_id)
        assert cells_of(app, card_id) == (card_id, mask, "inactive", client_id, "2000")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        offered = dict(menu_lines(app.screen))  # type: ignore[arg-type]
        assert offered["A  Activate"] and not offered["b  Block…  (not in this state)"]
        await pilot.press("escape")

        form = await press_for_form(pilot, "A")
        assert form.method.name == "card.activate" and form.confirm is None
        await submit_form(pilot, form)
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "active")
        assert engine_card(app, card_id)["status"] == "active"

        # Block: a reason in the form, then the confirmation (plain on a sandbox: No, Yes).
        form = await press_for_form(pilot, "b")
        assert form.confirm is not None and form.confirm.is_plain
        await type_text(pilot, "#field-description", "lost")
        await pilot.press("ctrl+s")
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "success")
        assert "success" in status_text(form)
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "blocked")
        history = app.engine.card_history(card_id, partner=PARTNER)
        assert (history[-1]["to_status"], history[-1]["reason"]) == ("blocked", "lost")

        # Unblock: no confirmation.
        form = await press_for_form(pilot, "u")
        await type_text(pilot, "#field-description", "found")
        await submit_form(pilot, form)
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "active")

        # Set PIN: typed twice (hidden), confirmed; the sandbox then accepts it.
        form = await press_for_form(pilot, "p")
        await type_text(pilot, "#field-pin", "4321")
        await type_text(pilot, "#field-pin-repeat", "4321")
        await pilot.press("ctrl+s")
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "success")
        assert form.query_one("#field-pin", Input).value == ""  # not kept after success
        await close_form(pilot)
        assert app.engine.verify_pin(card_id, "4321", partner=PARTNER)

        # Close: confirmed.
        form = await press_for_form(pilot, "x")
        await type_text(pilot, "#field-description", "stolen")
        await pilot.press("ctrl+s")
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "success")
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "closed")
        assert engine_card(app, card_id)["status"] == "closed"
        assert app.backend is not None
        info = await app.backend.read("card.info", {"card_id": card_id})
        assert info.raw["card"]["status"] == "closed"

        # A closed card offers no lifecycle action: every one is disabled, and keys are refused.
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        enabled = [text for text, on in menu_lines(app.screen) if on]  # type: ignore[arg-type]
        assert "n  Issue card" in enabled  # a new card, not this one's lifecycle
        assert not [text for text in enabled if text.split("  ")[1] in LIFECYCLE]
        assert sum(text.split("  ")[1] in LIFECYCLE for text, _ in menu_lines(app.screen)) == len(LIFECYCLE)  # type: ignore[arg-type]
        await pilot.press("escape")
        before = journal_count(app)
        for key in ("A", "b", "u", "x", "p", "s"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ListScreen), f"{key} opened {type(app.screen).__name__}"
        assert journal_count(app) == before
        refusals = {str(n.message) for n in app._notifications}
        # Each refusal says why, from the card's state.
        assert {
            "Block: not possible for a closed card.",
            "Activate: not possible for a closed card.",
        } <= refusals

        # Every state change went out once, with the form's request_id, and succeeded.
        changes = [e for e in app.backend.journal.entries(limit=100) if e.changes_state]
        assert [e.method for e in reversed(changes)] == [
            "client.add",
            "card.issue",
            "card.activate",
            "card.block",
            "card.unblock",
            "card.set_pin",
            "card.close",
        ]
        assert {e.outcome for e in changes} == {"success"}


async def test_production_block_and_close_want_the_last_four_digits_and_a_reason() -> None:
    app = make_app(kind="production")
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert text_of(app.screen.query_one("#kind", Static)) == "PRODUCTION · sandbox"
        card = seeded_card(app, "active")
        card_id, mask = card["card_id"], card["card_mask"]
        await open_card(pilot, card_id)

        form = await press_for_form(pilot, "b")
        await type_text(pilot, "#field-description", "lost")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert text_of(dialog.query_one("#confirm-target", Static)) == f"Card {mask} ({card_id})"
        assert dialog.query_one("#confirm-reason", Input).value == "lost"  # carried over from the form
        await pilot.press("9", "9", "9", "9", "enter", "enter")  # wrong digits: refused, says why
        assert isinstance(app.screen, ConfirmScreen)
        assert "last four" in text_of(dialog.query_one("#error-confirm-last4", Static))
        assert engine_card(app, card_id)["status"] == "active"
        dialog.query_one("#confirm-last4", Input).value = ""
        await confirm(pilot, last4=last_four(mask))
        await wait_until(pilot, lambda: form.phase == "success")
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "blocked")
        history = app.engine.card_history(card_id, partner=PARTNER)
        assert (history[-1]["to_status"], history[-1]["reason"]) == ("blocked", "lost")

        # Close on production: last four and the reason, as the README says.
        form = await press_for_form(pilot, "x")
        await type_text(pilot, "#field-description", "stolen")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert not app.screen.query("#confirm-id")
        await confirm(pilot, last4=last_four(mask))
        await wait_until(pilot, lambda: form.phase == "success")
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "closed")
        assert engine_card(app, card_id)["status"] == "closed"


# --- unhappy paths ------------------------------------------------------------------------------


async def test_invalid_phone_is_shown_next_to_the_field_and_nothing_is_sent() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        before = journal_count(app)
        form = await press_for_form(pilot, "n")
        set_fields(form, {**NEW_CLIENT, "client.phone": "", "client.first_name": "ALIYA"})
        await type_text(pilot, "#field-client_phone", "7701")
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)

        assert form.phase == "editing" and isinstance(app.screen, RequestFormScreen)
        error = text_of(form.query_one("#error-client_phone", Static))
        assert "digits" in error and form.query_one("#error-client_phone").has_class("-shown")
        assert form.query_one("#field-client_phone").has_class("-invalid")
        assert app.focused is form.query_one("#field-client_phone")
        values = form.read_input().values
        assert (values["client.phone"], values["client.first_name"], values["product_id"]) == (
            "7701",
            "ALIYA",
            "2000",
        )
        await app.workers.wait_for_complete()
        assert journal_count(app) == before
        assert not [e for e in app.backend.journal.entries() if e.method == "client.add"]  # type: ignore[union-attr]


async def test_injected_api_error_keeps_the_reason_and_resubmit_is_a_new_request() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        card = seeded_card(app, "active")
        assert app.backend is not None
        await app.backend.client.post_control(
            "/sandbox/faults", {"methods": {"card.block": {"error_rate": 1.0}}}
        )

        await open_card(pilot, card["card_id"])
        form = await press_for_form(pilot, "b")
        await type_text(pilot, "#field-description", "fraud")
        await pilot.press("ctrl+s")
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "error")

        sent = form.outcome()
        assert sent is not None
        first_id = sent.request_id
        result = result_text(form)
        assert form.error_code == "injected_error" and form.error_description
        assert result.startswith(f"injected_error: {form.error_description}")
        assert "press ctrl+s to resubmit as a new request" in result
        assert form.query_one("#result").has_class("-failed")
        assert form.query_one("#field-description", Input).value == "fraud"
        assert app.focused is form.query_one("#submit")  # "Resubmit f9"
        assert form.request_id != first_id  # a final error spent the id: the next one is fresh
        assert engine_card(app, card["card_id"])["status"] == "active"  # not applied

        await app.backend.client.post_control("/sandbox/faults", {})
        await pilot.press("enter")  # Resubmit has the focus; a new state change is confirmed again
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "success")
        second_id = form.request_id
        assert engine_card(app, card["card_id"])["status"] == "blocked"
        attempts = [e for e in app.backend.journal.entries() if e.method == "card.block"]
        assert [(e.request_id, e.outcome) for e in reversed(attempts)] == [
            (first_id, "error"),
            (second_id, "success"),
        ]
        await close_form(pilot)
        await status_cell_becomes(pilot, card["card_id"], "blocked")


async def test_read_only_hides_and_refuses_state_changes() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert text_of(app.screen.query_one("#read-only", Static)) == "READ-ONLY"
        before = journal_count(app)

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        assert read_only_menu(app) == ["c  Show this client's cards"]
        await pilot.press("escape")
        for key in ("n", "i", "E", "l"):  # E: edit phone (e exports, a read)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ListScreen)

        await open_card(pilot, seeded_card(app, "active")["card_id"])
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        shown = read_only_menu(app)  # reads only: secret data (masked), statements…
        assert "s  Secret data…" in shown and "b  Block…" not in shown
        await pilot.press("escape")
        for key in ("n", "B", "b", "x", "p", "r", "P", "L"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ListScreen), f"{key} opened {type(app.screen).__name__}"
        messages = [str(n.message) for n in app._notifications]
        assert any("Read-only" in message for message in messages)
        await app.workers.wait_for_complete()
        # Only reads went out (the selected rows' details), nothing that changes state.
        assert not [e for e in app.backend.journal.entries(limit=500) if e.changes_state]  # type: ignore[union-attr]
        assert journal_count(app) >= before


async def test_live_indicator_counts_a_request_in_process() -> None:
    clock = FakeClock()
    app = make_app(delay=5.0, clock=clock)  # settles 5 fake seconds after it is sent
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert live_text(app) == "● connected"
        card = seeded_card(app, "inactive")
        await open_card(pilot, card["card_id"])

        form = await press_for_form(pilot, "A")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "process")
        await pilot.pause(0.1)  # a few polls: still in process, the fake clock has not moved
        assert form.phase == "process" and status_text(form).startswith("sent → process")
        await close_form(pilot)  # the request keeps being tracked after the form closes
        await wait_until(pilot, lambda: live_text(app) == "● 1 in process")
        assert app.screen.query_one("#live").has_class("-busy")
        assert cells_of(app, card["card_id"])[2] == "inactive"  # type: ignore[index]

        clock.advance(5)
        await wait_until(pilot, lambda: live_text(app) == "● connected")
        await status_cell_becomes(pilot, card["card_id"], "active")
        assert engine_card(app, card["card_id"])["status"] == "active"


# --- details follow the cache ---------------------------------------------------------------------


def screen_text(app: SnapshotApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_details_follow_an_action_that_settled_without_moving_the_cursor() -> None:
    import re

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert app.backend is not None
        journal = app.backend.journal

        # Clients: a card issued for the selected client is listed in its detail at once.
        screen = app.screen
        assert isinstance(screen, ListScreen)
        client = screen.table.current_row
        assert client is not None
        form = await press_for_form(pilot, "i")
        await submit_form(pilot, form)
        card_id = str(form.response["cards"][0]["card_id"])
        await close_form(pilot)
        mask = engine_card(app, card_id)["card_mask"]
        await wait_until(pilot, lambda: mask in screen_text(app))
        assert screen.table.current_row is not None and screen.table.current_row.key == client.key

        # Cards: activate; the detail (status, keys) follows the list row, not the older fetch.
        await open_card(pilot, card_id)
        assert re.search(r"status +inactive", screen_text(app)) and "A Activate" in screen_text(app)
        form = await press_for_form(pilot, "A")
        await submit_form(pilot, form)
        activated = max(e.id for e in journal.entries(method="card.activate", limit=5))
        await close_form(pilot)
        await status_cell_becomes(pilot, card_id, "active")
        await pilot.pause()
        shown = screen_text(app)
        assert re.search(r"status +active", shown), shown
        assert "A Activate" not in shown and "b Block" in shown
        # …and card.info, balance and limits are asked again for it (debounced, as the cursor's).
        await wait_until(
            pilot,
            lambda: any(
                e.id > activated for e in journal.entries(method="card.info", query=card_id, limit=5)
            ),
        )
        reads = journal.count(query=None)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert journal.count(query=None) - reads <= 3  # settles: no fetch loop on its own answers
