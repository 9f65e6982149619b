"""The Sandbox section (F7, `:sandbox`) against the embedded sandbox, driven with keys: top up the
card selected in Cards, faults shown in every top bar until cleared, settle and the clock, seed
and a reset behind a typed confirmation (the lists follow), backups, a card's history; bad input
refused under the box it is about, the boxes keeping what was typed; and no such section on a
profile that is not a sandbox."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, select_row, settle, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, OptionList, Static

from fpconsole.api import methods as api
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.help import HelpScreen, binding_rows, global_notes
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.sandbox import SandboxScreen
from fpconsole.tui.widgets.top_bar import TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (80, 24)
_DIRECT_IDS = itertools.count(1)


def engine_available(app: SnapshotApp, card_id: str) -> Decimal:
    request_id = f"00000000-0000-4000-9000-{next(_DIRECT_IDS):012d}"
    body = api.CARD_BALANCE.request.model_validate({"card_id": card_id, "request_id": request_id})
    (account,) = app.engine.handle(api.CARD_BALANCE, body, partner=PARTNER)["balances"]["accounts"]
    return Decimal(str(account["amount"]))


def active_card(app: SnapshotApp) -> str:
    return str(
        next(c["card_id"] for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
    )


async def open_sandbox(pilot: Pilot[Any]) -> SandboxScreen:
    await pilot.press("f7")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SandboxScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SandboxScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def idle(pilot: Pilot[Any], screen: SandboxScreen) -> None:
    await wait_until(pilot, lambda: not screen.busy)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def result(screen: SandboxScreen, panel: str) -> str:
    return text_of(screen.query_one(f"#result-{panel}", Static))


def error(screen: SandboxScreen, key: str) -> str:
    label = screen.query_one(f"#error-{key}", Label)
    return text_of(label) if label.has_class("-shown") else ""


def box(screen: SandboxScreen, key: str) -> Input:
    return screen.query_one(f"#sb-{key}", Input)


def bar_faults(app: SnapshotApp) -> str:
    bar = app.screen.query_one(TopBar)
    return text_of(bar.query_one("#faults", Static)) if bar.has_class("-faults") else ""


async def type_into(pilot: Pilot[Any], screen: SandboxScreen, key: str, text: str) -> None:
    field = box(screen, key)
    field.focus()
    field.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def test_top_up_the_card_selected_in_cards() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        before = engine_available(app, card_id)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        await select_row(pilot, card_id)

        screen = await open_sandbox(pilot)
        assert box(screen, "card_id").value == card_id  # prefilled from the selection
        assert box(screen, "currency").value == "KZT"
        await pilot.press("enter")  # menu → the Top up panel's first box
        assert app.focused is box(screen, "card_id")
        await pilot.press("tab", *"2500.50", "enter")
        await idle(pilot, screen)
        assert engine_available(app, card_id) == before + Decimal("2500.50")
        assert result(screen, "topup").startswith(f"Topped up card {card_id} with 2,500.50 KZT")
        assert f"available {before + Decimal('2500.50'):,.2f} KZT" in result(screen, "topup")

        # Back in Cards, the detail shows the new balance.
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        cards = app.screen
        assert isinstance(cards, CardsScreen)

        def shown_available() -> Decimal | None:
            accounts = (cards.fetched.get(card_id, {}).get("balances") or {}).get("accounts") or []
            return Decimal(str(accounts[0]["amount"])) if accounts else None

        await wait_until(pilot, lambda: shown_available() == before + Decimal("2500.50"))


async def test_bad_input_is_refused_under_its_box_and_kept() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("enter")
        await pilot.press(*"9999999", "tab", *"12,5", "tab")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error(screen, "amount").startswith("Amount:")
        assert box(screen, "amount").value == "12,5" and box(screen, "card_id").value == "9999999"
        assert app.focused is box(screen, "amount")
        assert "Not sent" in result(screen, "topup")

        # A well-formed amount on a card the sandbox does not know: refused, said under Card id.
        box(screen, "amount").value = "10"
        await pilot.press("ctrl+s")
        await idle(pilot, screen)
        assert "Card id" in error(screen, "card_id") and error(screen, "amount") == ""
        assert "failed" in result(screen, "topup")
        assert box(screen, "card_id").value == "9999999" and box(screen, "amount").value == "10"

        # Faults: a rate over 100 %, a method that does not exist.
        await pilot.press("escape", "f")
        await pilot.pause()
        assert app.focused is box(screen, "method")
        await pilot.press(*"card.blok", "tab", "tab", *"250%", "enter")
        await pilot.pause()
        assert error(screen, "method").startswith("Method: 'card.blok'")
        assert error(screen, "error_rate").startswith("Error rate:")
        assert bar_faults(app) == ""


async def test_faults_show_in_every_top_bar_until_cleared() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("f")
        await pilot.press("tab", "tab", *"30%", "enter")
        await idle(pilot, screen)
        assert bar_faults(app) == "⚠ faults: 30% errors"
        assert text_of(screen.query_one("#faults-state", Static)) == "In force: 30% errors"
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, ListScreen))
        await pilot.pause()
        assert bar_faults(app) == "⚠ faults: 30% errors"  # in Clients too

        # Per method: only card.block fails.
        await pilot.press("f7")
        await wait_until(pilot, lambda: app.screen is screen)
        assert app.focused is screen.query_one("#sb-menu", OptionList)  # arriving: the section's keys
        box(screen, "error_rate").value = ""
        await pilot.press("f")
        await pilot.press(*"card.block", "tab", "tab", "tab", *"100", "enter")
        await idle(pilot, screen)
        assert bar_faults(app) == "⚠ faults: 100% timeouts card.block"  # worst first, its method after

        (clear,) = [c for c in app.get_system_commands(screen) if c.title == "Clear faults"]  # ctrl+p
        clear.callback()
        await idle(pilot, screen)
        assert bar_faults(app) == ""
        assert result(screen, "faults") == "Faults cleared: requests are answered normally."
        assert app.backend is not None
        from fpconsole.tui.sandbox_link import control_call

        faults = await control_call(app.backend, lambda control: control.get_faults())
        assert not faults.active


async def test_reset_wants_the_partner_typed_and_the_lists_follow_then_seed_refills() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        clients = app.screen
        assert isinstance(clients, ListScreen) and clients.table.row_count > 0
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        cards = app.screen
        assert isinstance(cards, CardsScreen)
        await settle(pilot)
        assert cards.fetched  # the first card's info and balance, read for its detail
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen is clients)
        screen = await open_sandbox(pilot)
        await pilot.press("d")
        screen.query_one("#btn-reset").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")  # nothing typed: refused, the dialog stays
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(*PARTNER, "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await idle(pilot, screen)
        assert app.engine.snapshot(partner=PARTNER)["clients"] == []
        assert result(screen, "data").startswith("Erased this partner's sandbox data")
        assert cards.fetched == {}  # no balance of a card that is gone
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen is clients)
        await wait_until(pilot, lambda: clients.table.row_count == 0)

        await pilot.press("f7")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("d", *"3", "enter")
        await idle(pilot, screen)
        assert len(app.engine.snapshot(partner=PARTNER)["clients"]) == 3
        await pilot.press("f2")
        await wait_until(pilot, lambda: clients.table.row_count == 3)


async def test_settle_clock_delay_backups_and_history() -> None:
    app = make_app(delay=30.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        screen = await open_sandbox(pilot)

        # Delay: refused when not a duration, set when it is.
        await pilot.press("c", "tab", *"soon", "enter")
        await pilot.pause()
        assert error(screen, "delay").startswith("Delay: type a duration")
        box(screen, "delay").value = "0"
        await pilot.press("enter")
        await idle(pilot, screen)
        assert result(screen, "clock").startswith("Delay set to 0: changes settle at once")

        await pilot.press("escape", "c", *"2h", "enter")
        await idle(pilot, screen)
        assert result(screen, "clock").startswith("Clock moved 2h ahead")

        screen.query_one("#btn-settle").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert "pending" in result(screen, "clock") or "Nothing was pending" in result(screen, "clock")

        # Backups: save, list, load (confirmed).
        await pilot.press("escape", "b", *"before-test", "enter")
        await idle(pilot, screen)
        assert result(screen, "backups") == "Saved backup before-test."
        listed = screen.query_one("#backup-list", OptionList)
        await wait_until(pilot, lambda: listed.option_count == 1)
        # The same name again: asked first, then replaced.
        box(screen, "backup").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await idle(pilot, screen)
        assert result(screen, "backups") == "Replaced backup before-test."
        # Had the list not been read, the sandbox's own refusal is shown under Name.
        screen.backups = []
        box(screen, "backup").focus()
        await pilot.press("enter")
        await idle(pilot, screen)
        assert error(screen, "backup").startswith("Name: a backup named 'before-test' exists")
        assert box(screen, "backup").value == "before-test"
        await wait_until(pilot, lambda: listed.option_count == 1)
        listed.focus()
        listed.highlighted = 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await idle(pilot, screen)
        assert result(screen, "backups").startswith("Loaded backup before-test")

        # History of a card: typed in.
        await pilot.press("escape", "h", *card_id, "enter")
        await idle(pilot, screen)
        table = screen.query_one("#history-table", DataTable)
        rows = [table.get_row_at(index) for index in range(table.row_count)]
        assert rows[0][1:] == ["status", "", "- → inactive (issued)"]
        assert {row[1] for row in rows} >= {"status", "credit", "hold", "pay"}
        assert table.cursor_row == table.row_count - 1  # the newest in view
        assert result(screen, "history") == f"{table.row_count} events for card {card_id}."


async def test_help_lists_the_sections_keys() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = dict(binding_rows(screen))
        assert {rows.get("t"), rows.get("f"), rows.get("^s"), rows.get("f7")} == {
            "Top up a card",
            "Faults",
            "Run",
            "Sandbox",
        }, rows
        assert "F7" in dict(global_notes(screen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_no_sandbox_section_on_other_profiles() -> None:
    app = make_app(kind="test")
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)
        assert "The Sandbox section exists on sandbox profiles only." in [
            str(n.message) for n in app._notifications
        ]
        assert not [c for c in app.get_system_commands(app.screen) if c.title == "Sandbox"]
        assert "f7" not in dict(binding_rows(app.screen))
        assert "F7" not in dict(global_notes(app.screen))
        await pilot.press("colon")
        await wait_until(pilot, lambda: bool(app.screen.query("#command")))
        app.screen.query_one("#command", Input).value = "sandbox"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ListScreen)


async def test_keys_typed_in_one_burst_land_in_their_boxes() -> None:
    """F7, the panel's letter, Tab and an amount in one write: the letter's box takes the focus at
    once, so Tab moves on from it (the tmux lifecycle test typed the amount into Card id)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        screen.action_panel("faults")
        assert app.focused is box(screen, "method")  # at once, before any refresh
        screen.action_menu()
        await pilot.pause()
        screen.action_panel("topup")
        app.simulate_key("tab")  # handled right behind the letter, as in one write
        await wait_until(pilot, lambda: app.focused is not box(screen, "card_id"))
        assert app.focused is box(screen, "amount")
        # esc then a letter in one write: the menu's focus does not come back after the letter's.
        screen.action_menu()
        screen.action_panel("history")
        await pilot.pause()
        assert app.focused is box(screen, "history_card")


async def test_read_only_sends_no_change_and_still_reads() -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        before = engine_available(app, card_id)
        screen = await open_sandbox(pilot)
        await pilot.press("t", *card_id, "tab", *"100", "enter")
        await idle(pilot, screen)
        assert result(screen, "topup") == "Read-only: Top up changes the sandbox; nothing was sent."
        assert engine_available(app, card_id) == before
        await pilot.press("escape", "f", "tab", "tab", *"50", "enter")
        await idle(pilot, screen)
        assert result(screen, "faults").startswith("Read-only:") and bar_faults(app) == ""
        titles = {command.title for command in app.get_system_commands(screen)}
        assert "Card history" in titles and not {"Clear faults", "Settle pending requests now"} & titles
        await pilot.press("escape", "h", *card_id, "enter")  # a read: allowed
        await idle(pilot, screen)
        assert result(screen, "history").endswith(f"for card {card_id}.")


async def test_faults_set_elsewhere_show_when_the_section_is_opened_again() -> None:
    """Faults set by someone else (the CLI, another console of this partner) while the console
    runs are shown once the Sandbox section is opened again."""
    from fpconsole.api.sandbox_control import FaultRule, FaultSettings
    from fpconsole.tui.sandbox_link import control_call

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_sandbox(pilot)
        assert bar_faults(app) == ""
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, ListScreen))
        assert app.backend is not None
        settings = FaultSettings(default=FaultRule(drop_rate=0.05))
        await control_call(app.backend, lambda control: control.set_faults(settings))
        await pilot.press("f7")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: bar_faults(app) == "⚠ faults: 5% drops")
        assert text_of(screen.query_one("#faults-state", Static)) == "In force: 5% drops"


async def test_an_id_typed_over_the_prefilled_card_replaces_it() -> None:
    """QA: the card id put in from Cards took typed digits after it (`70010597001059`, then
    not_found); entering the panel now selects it, so typing replaces it and Tab keeps it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        await select_row(pilot, card_id)
        screen = await open_sandbox(pilot)
        await pilot.press("enter")
        assert app.focused is box(screen, "card_id")
        await pilot.press(*"7001002")
        assert box(screen, "card_id").value == "7001002"
