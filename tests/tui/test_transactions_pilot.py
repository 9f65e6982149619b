"""Transactions through the console's UI against the embedded sandbox: create → partial clearing →
partial refund, each offered only when the ledger allows it; the statement then shows them and
its balance is the ledger's; a refund over what is left, or a new transaction over what the card
has available, is refused in the form, before sending; exports and "copy for ticket" from the
screens."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import pytest
from form_helpers import set_fields, text_of
from snapshot_apps import (
    SnapshotApp,
    confirm,
    make_app,
    menu_lines,
    press_for_form,
    select_row,
    settle,
    submit_form,
    wait_ready,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from fpconsole import exports
from fpconsole.api import methods as api
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.amount_guard import AmountGuardForm, CreateTransactionForm
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.screens.transactions import TransactionsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)


def active_card(app: SnapshotApp) -> str:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return str(next(card["card_id"] for card in cards if card["status"] == "active"))


_DIRECT_IDS = itertools.count(1)


def ledger(app: SnapshotApp, method: api.Method, **body: Any) -> dict[str, Any]:
    """A call straight to the sandbox engine (setting the scene, or checking it), not via the UI."""
    body.setdefault("request_id", f"00000000-0000-4000-9000-{next(_DIRECT_IDS):012d}")
    return app.engine.handle(method, method.request.model_validate(body), partner=PARTNER)


def active_cards(app: SnapshotApp) -> list[str]:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return [str(card["card_id"]) for card in cards if card["status"] == "active"]


def ledger_available(app: SnapshotApp, card_id: str) -> Decimal:
    (account,) = ledger(app, api.CARD_BALANCE, card_id=card_id)["balances"]["accounts"]
    return Decimal(str(account["amount"]))


def ledger_balance(app: SnapshotApp, card_id: str) -> Decimal:
    (account,) = ledger(app, api.CARD_BALANCE, card_id=card_id)["balances"]["accounts"]
    return Decimal(str(account["amount"])) + Decimal(str(account["blocked_amount"]))


def transaction(app: SnapshotApp, transaction_id: str) -> dict[str, Any]:
    found = ledger(app, api.TRANSACTION_INFO, transaction_id=transaction_id)
    return dict(found["transaction"])


def journal_methods(app: SnapshotApp) -> list[str]:
    assert app.backend is not None
    return [entry.method for entry in app.backend.journal.entries(limit=1000)]


async def open_transactions(pilot: Pilot[Any]) -> TransactionsScreen:
    await wait_ready(pilot)
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TransactionsScreen))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TransactionsScreen)
    return screen


async def filter_to(pilot: Pilot[Any], text: str) -> None:
    """As if typed after `/` (typing it key by key costs the pilot ~90 ms a key)."""
    await pilot.press("slash")
    pilot.app.screen.query_one("#filter", Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def guarded_form(pilot: Pilot[Any], key: str) -> AmountGuardForm:
    form = await press_for_form(pilot, key)
    assert isinstance(form, AmountGuardForm)
    await wait_until(pilot, lambda: form.limit_state == "known")
    await pilot.pause()
    return form


async def asked(pilot: Pilot[Any], form: AmountGuardForm) -> str:
    """Submit, and return the question the confirmation asks (left open)."""
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmScreen) and form.phase == "confirming"
    return text_of(dialog.query_one("#confirm-message", Static))


async def submit_confirmed(pilot: Pilot[Any], form: AmountGuardForm, question: str) -> None:
    """Submit a form that asks first, check the question, say yes, wait for success."""
    assert (await asked(pilot, form)).startswith(question)
    await confirm(pilot)
    await wait_until(pilot, lambda: form.phase == "success")
    await pilot.pause()


async def back_to_list(pilot: Pilot[Any]) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ListScreen))
    await settle(pilot)


async def actions_offered(pilot: Pilot[Any]) -> dict[str, bool]:
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ActionsMenu))
    menu = pilot.app.screen
    assert isinstance(menu, ActionsMenu)
    found = {text.split("  ")[1]: enabled for text, enabled in menu_lines(menu)}
    await pilot.press("escape")
    await pilot.pause()
    return found


async def test_create_clear_refund_and_the_statement_matches_the_ledger() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card_id = active_card(app)
        ledger(app, api.CARD_ACTIVATE, card_id=card_id)
        app.engine.credit(card_id, Decimal(10_000), partner=PARTNER)
        before = ledger_balance(app, card_id)
        screen = await open_transactions(pilot)
        await filter_to(pilot, f"card:{card_id}")

        # Create: the card comes from the filter.
        form = await press_for_form(pilot, "n")
        assert form.read_input().values["card_id"] == card_id
        set_fields(form, {"order_id": "ORD-7788", "amount": "3000", "currency": "KZT"})
        await submit_form(pilot, form)
        transaction_id = str(form.response["transaction_id"])
        await back_to_list(pilot)
        await select_row(pilot, transaction_id)
        assert transaction(app, transaction_id)["status"] == "success"
        offered = await actions_offered(pilot)
        assert offered["Clearing…"] and not offered["Refund…"]

        # Partial clearing: the form says how much is still held.
        form = await guarded_form(pilot, "c")
        assert "At most 3,000.00 KZT still held; empty = all of it (transaction.info)" in text_of(
            form.query_one("#help-amount", Static)
        )
        set_fields(form, {"amount": "1200"})
        await submit_form(pilot, form)
        await back_to_list(pilot)
        state = transaction(app, transaction_id)
        assert (state["held"], state["cleared"]) == (1800, 1200)
        await wait_until(
            pilot,
            lambda: (
                screen.table.current_row is not None and "1,800/1,200/0" in screen.table.current_row.cells
            ),
        )

        # Partial refund: the form says how much may still be refunded.
        form = await guarded_form(pilot, "r")
        assert "At most 1,200.00 KZT cleared and not yet refunded" in text_of(
            form.query_one("#help-amount", Static)
        )
        assert form.read_input().values["order_id"] == "ORD-7788"
        set_fields(form, {"amount": "500"})
        await submit_confirmed(pilot, form, "Refund 500.00 KZT? (Up to 1,200.00 KZT can be refunded.)")
        await back_to_list(pilot)
        state = transaction(app, transaction_id)
        assert (state["status"], state["held"], state["cleared"], state["refunded"]) == (
            "refunded",
            1800,
            1200,
            500,
        )
        # The detail lists the transaction's requests with their live status.
        row = screen.table.current_row
        assert row is not None
        assert [(e.method, e.outcome) for e in screen.requests_of(row)] == [
            ("transaction.create", "success"),
            ("transaction.clearing", "success"),
            ("transaction.refund", "success"),
        ]

        # The statement (S) shows the clearing and the refund, and ends at the ledger's balance.
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))
        statement_screen = app.screen
        assert isinstance(statement_screen, StatementScreen)
        await wait_until(
            pilot, lambda: statement_screen.statement is not None and not statement_screen.fetching
        )
        statement = statement_screen.statement
        assert statement is not None
        mine = [(op.type, op.amount) for op in statement.operations if op.transaction_id == transaction_id]
        assert mine == [("refund", Decimal(500)), ("pay", Decimal(1200))]
        assert statement.end_balance() == ledger_balance(app, card_id) == before - 1200 + 500
        series = statement.balance_series()
        assert series[-1][1] == ledger_balance(app, card_id)
        assert series[-1][1] - series[0][1] == sum(op.signed for op in statement.operations)
        assert any(a.transaction_id == transaction_id and a.held == 1800 for a in statement.authorizations)
        assert "balance" in text_of(statement_screen.query_one("#ops-summary", Static))


async def test_a_refund_over_what_is_left_is_refused_in_the_form_and_nothing_is_sent() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card_id = active_card(app)
        ledger(app, api.CARD_ACTIVATE, card_id=card_id)
        app.engine.credit(card_id, Decimal(5_000), partner=PARTNER)
        created = ledger(
            app,
            api.TRANSACTION_CREATE,
            order_id="ORD-1",
            card_id=card_id,
            amount="2000",
        )
        transaction_id = str(created["transaction_id"])
        ledger(app, api.TRANSACTION_CLEARING, transaction_id=transaction_id, amount="800")
        ledger(app, api.TRANSACTION_REFUND, order_id="ORD-1", transaction_id=transaction_id, amount="300")
        await open_transactions(pilot)
        await filter_to(pilot, transaction_id[-12:])
        await select_row(pilot, transaction_id)

        form = await guarded_form(pilot, "r")
        set_fields(form, {"amount": "500.01"})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        error = text_of(form.query_one("#error-amount", Label))
        assert error == "more than the 500.00 KZT cleared and not yet refunded"  # shown while typing
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.phase == "editing" and form.submissions == 0
        assert "problem" in text_of(form.query_one("#form-error", Static))
        assert "transaction.refund" not in journal_methods(app)
        assert transaction(app, transaction_id)["refunded"] == 300

        # Exactly what is left goes through, once confirmed.
        set_fields(form, {"amount": "500"})
        await submit_confirmed(pilot, form, "Refund 500.00 KZT?")
        assert journal_methods(app).count("transaction.refund") == 1
        assert transaction(app, transaction_id)["refunded"] == 800
        await back_to_list(pilot)
        offered = await actions_offered(pilot)
        assert not offered["Refund…"] and offered["Clearing…"]  # 1,200 is still held


async def test_typed_amount_lands_in_amount_and_all_of_it_is_confirmed_in_words() -> None:
    """QA: Refund opened, 2500 typed, went into Description; the empty Amount then refunded all
    6,000 without a question. Now Amount comes before Description and has the focus, and leaving
    it empty (all of it) asks first, saying how much that is."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card_id = active_card(app)
        ledger(app, api.CARD_ACTIVATE, card_id=card_id)
        app.engine.credit(card_id, Decimal(10_000), partner=PARTNER)
        created = ledger(app, api.TRANSACTION_CREATE, order_id="QA-ORD-3", card_id=card_id, amount="6000")
        transaction_id = str(created["transaction_id"])
        await open_transactions(pilot)
        await filter_to(pilot, transaction_id[-12:])
        await select_row(pilot, transaction_id)

        # Clearing with Amount empty: all that is held, after a question that says how much.
        form = await guarded_form(pilot, "c")
        assert app.focused is form.query_one("#field-amount", Input)
        assert await asked(pilot, form) == (
            "Clear all 6,000.00 KZT that is still held?\nAmount was left empty, which clears the whole hold."
        )
        await pilot.press("escape")  # No: nothing goes out, the form is back to editing
        await wait_until(pilot, lambda: form.phase == "editing")
        assert "transaction.clearing" not in journal_methods(app)
        await submit_confirmed(pilot, form, "Clear all 6,000.00 KZT")
        assert transaction(app, transaction_id)["cleared"] == 6000
        await back_to_list(pilot)

        form = await guarded_form(pilot, "r")
        rows = [row.id for row in form.query("#fields > .field-row")]
        assert rows.index("row-amount") < rows.index("row-description")
        assert app.focused is form.query_one("#field-amount", Input)
        await pilot.press(*"2500")
        values = form.read_input().values
        assert (values["amount"], values["description"]) == ("2500", "")
        await submit_confirmed(pilot, form, "Refund 2,500.00 KZT? (Up to 6,000.00 KZT can be refunded.)")
        assert transaction(app, transaction_id)["refunded"] == 2500
        await back_to_list(pilot)

        # Amount left empty: all that is left, and the question says so in words.
        form = await guarded_form(pilot, "r")
        question = await asked(pilot, form)
        assert question.startswith("Refund all 3,500.00 KZT that is left?")
        await pilot.press("escape")
        await wait_until(pilot, lambda: form.phase == "editing")
        assert journal_methods(app).count("transaction.refund") == 1
        assert transaction(app, transaction_id)["refunded"] == 2500


async def test_clearing_more_than_is_held_is_refused_and_unknown_ids_are_asked_about() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card_id = active_card(app)
        ledger(app, api.CARD_ACTIVATE, card_id=card_id)
        app.engine.credit(card_id, Decimal(5_000), partner=PARTNER)
        created = ledger(app, api.TRANSACTION_CREATE, order_id="ORD-2", card_id=card_id, amount="100")
        transaction_id = str(created["transaction_id"])
        await open_transactions(pilot)
        await filter_to(pilot, transaction_id[-12:])
        await select_row(pilot, transaction_id)
        form = await guarded_form(pilot, "c")
        set_fields(form, {"amount": "100.50"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(form.query_one("#error-amount", Label)) == "more than the 100.00 KZT still held"
        assert "transaction.clearing" not in journal_methods(app)
        # Another transaction id typed in: its limit is unknown until transaction.info answers.
        set_fields(form, {"transaction_id": "019e0000-0000-7000-8000-00000000dead", "amount": "1"})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        await wait_until(pilot, lambda: form.limit_state == "unknown")
        assert "Limit unknown" in text_of(form.query_one("#help-amount", Static))


async def test_a_transaction_over_the_available_balance_is_refused_in_the_form() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # The active card with the least money: all of it stays within the card's day limits.
        card_id, available = min(
            ((card, ledger_available(app, card)) for card in active_cards(app)), key=lambda found: found[1]
        )
        shown = f"{available:,.2f}"

        # From Cards (t), as from Transactions (n): the app's own form opening builds the guard.
        await wait_ready(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        await select_row(pilot, card_id)
        reads = journal_methods(app).count("card.balance")  # the card's detail reads it too
        form = await press_for_form(pilot, "t")
        assert isinstance(form, CreateTransactionForm)
        await wait_until(pilot, lambda: form.limit_state == "known")
        await pilot.pause()
        help_text = text_of(form.query_one("#help-amount", Static))
        assert f"At most {shown} KZT available on card {card_id} (card.balance)" in help_text

        set_fields(form, {"order_id": "ORD-OVER", "amount": str(available + Decimal("0.01"))})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        expected = f"more than the {shown} KZT available on card {card_id}"
        assert text_of(form.query_one("#error-amount", Label)) == expected  # shown while typing
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.phase == "editing" and form.submissions == 0
        assert text_of(form.query_one("#error-amount", Label)) == expected
        assert "transaction.create" not in journal_methods(app)

        # Another currency: nothing to compare with, so the API decides.
        set_fields(form, {"currency": "USD"})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        assert "cannot be checked in USD" in text_of(form.query_one("#help-amount", Static))
        assert text_of(form.query_one("#error-amount", Label)) == ""

        # Another card: its balance is read again; one it cannot read leaves the limit unknown.
        set_fields(form, {"currency": "KZT", "card_id": "9999999"})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        await wait_until(pilot, lambda: form.limit_state == "unknown")
        assert "Limit unknown" in text_of(form.query_one("#help-amount", Static))
        assert text_of(form.query_one("#error-amount", Label)) == ""
        set_fields(form, {"card_id": card_id})
        await pilot.pause(form.VALIDATE_DELAY + 0.1)
        await wait_until(pilot, lambda: form.limit_state == "known")
        # One read per card typed (debounced): on opening, for 9999999, and for the card again.
        assert journal_methods(app).count("card.balance") - reads == 3

        # Exactly what is available goes through.
        set_fields(form, {"amount": str(available)})
        await submit_form(pilot, form)
        assert journal_methods(app).count("transaction.create") == 1
        assert transaction(app, str(form.response["transaction_id"]))["status"] == "success"


async def command(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("colon")
    await wait_until(pilot, lambda: bool(pilot.app.screen.query("#command")))
    pilot.app.screen.query_one("#command", Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_command_line_opens_a_transaction_and_a_statement() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_transactions(pilot)
        seeded = screen.table.row_at(40)
        assert seeded is not None
        await pilot.press("f2")
        await command(pilot, f"transaction {seeded.key}")
        assert app.screen is screen
        await wait_until(
            pilot, lambda: screen.table.current_row is not None and screen.table.current_row.key == seeded.key
        )
        # Not cached: transaction.info is asked, and an unknown id is said so.
        await command(pilot, "transaction 019e0000-0000-7000-8000-00000000dead")
        await wait_until(
            pilot,
            lambda: any(
                "not_found" in str(n.message) or "not found" in str(n.message) for n in app._notifications
            ),
        )
        await command(pilot, "statement 7001001")
        await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))


async def test_export_and_copy_for_ticket() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # `e` on Clients, as on every list (the palette's "Export…" does the same).
        await wait_ready(pilot)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("down", "enter")  # clients as JSON
        await pilot.pause()
        (clients,) = exports.exports_folder().glob("clients-*.json")
        assert json.loads(clients.read_text())["count"] == app.screen.table.row_count  # type: ignore[attr-defined]

        await open_transactions(pilot)
        await filter_to(pilot, "status:cleared")
        expected = app.screen.table.row_count  # type: ignore[attr-defined]
        assert expected > 0
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("enter")  # the first choice: CSV
        await pilot.pause()
        folder = exports.exports_folder()
        (path,) = folder.glob("transactions-*.csv")
        lines = path.read_text().splitlines()
        assert len(lines) == expected + 1 and all(",cleared," in line for line in lines[1:])

        # Requests: t copies a Markdown summary of the selected request (OSC 52).
        await pilot.press("f4")
        await wait_until(pilot, lambda: getattr(app.screen, "SECTION", "") == "Requests")
        await settle(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard.startswith("**transaction.info** — success")
        assert "- request_id: `00000000-0000-4000-8000-" in app.clipboard
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("down", "enter")  # this exchange as JSON
        await pilot.pause()
        assert len(list(folder.glob("request-*.json"))) == 1


# One console for the three refusals (each used to start its own: ~20 s of a CI run apiece); every
# amount is still typed into both forms and refused there, and a refusal names the amount.
REFUSED_AMOUNTS = (
    ("0", "must be greater than zero"),
    ("-5", "must be greater than zero"),
    ("12.345", "must have at most 2 decimal places"),
)


async def test_amount_fields_refuse_zero_negatives_and_three_decimals_before_sending() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_transactions(pilot)
        await filter_to(pilot, "status:cleared")
        # Create (its card from the selected row), and the guarded refund of a cleared row.
        for amount, problem in REFUSED_AMOUNTS:
            for key, method, fields in (
                ("n", "transaction.create", {"order_id": "ORD-1", "amount": amount, "currency": "KZT"}),
                ("r", "transaction.refund", {"amount": amount}),
            ):
                form = await press_for_form(pilot, key)
                assert form.method.name == method
                if isinstance(form, AmountGuardForm):
                    await wait_until(pilot, lambda form=form: form.limit_state == "known")  # type: ignore[misc]
                set_fields(form, fields)
                await pilot.press("ctrl+s")
                await pilot.pause()
                assert form.phase == "editing" and form.submissions == 0, (method, amount)
                assert problem in text_of(form.query_one("#error-amount", Label)), (method, amount)
                assert method not in journal_methods(app), f"nothing was sent for {amount}"
                await pilot.press("escape")  # typed-in form: leave it, discarding the draft
                await wait_until(pilot, lambda: bool(app.screen.query("#leave-discard")))
                await pilot.click("#leave-discard")
                await wait_until(pilot, lambda: isinstance(pilot.app.screen, ListScreen))
                await settle(pilot)


async def test_transaction_info_reads_nested_values_one_per_line() -> None:
    """`i`: the answer's transaction and additional values, each on its own line, not clipped JSON."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_transactions(pilot)
        row = screen.table.current_row
        assert row is not None
        form = await press_for_form(pilot, "i")
        await submit_form(pilot, form)
        await settle(pilot)
        lines = text_of(form.query_one("#result", Static)).splitlines()
        assert not any("{" in line or "…" in line for line in lines)
        keyed = {line.split()[0]: line.split(maxsplit=1)[1] for line in lines}
        assert keyed["transaction.transaction_id"] == row.key
        assert keyed["transaction.status"] == transaction(app, row.key)["status"]
        assert "additional.order_id" in keyed
        assert form.query_one("#result-box").region.bottom <= form.query_one("#buttons").region.y
