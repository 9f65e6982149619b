"""Clearing and Refund open through the app's `open_form`, like every other form: the entry's form
class (the guarded form), a read-only console's refusal, and a draft kept per transaction."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import set_fields
from snapshot_apps import make_app, press_for_form, settle, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.api.methods import REGISTRY
from fpconsole.api.names import MethodName
from fpconsole.tui.amount_guard import TransactionGuardForm
from fpconsole.tui.screens.transactions import TransactionsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)


async def cleared_transactions(pilot: Pilot[Any]) -> TransactionsScreen:
    """The Transactions list filtered to cleared ones (each may be refunded), first one selected."""
    await wait_ready(pilot)
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TransactionsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, TransactionsScreen)
    await pilot.press("slash")
    screen.query_one("#filter", Input).value = "status:cleared"
    await pilot.press("enter")
    await settle(pilot)
    await wait_until(pilot, lambda: screen.table.row_count >= 2)
    return screen


async def refund_form(pilot: Pilot[Any]) -> TransactionGuardForm:
    form = await press_for_form(pilot, "r")
    assert isinstance(form, TransactionGuardForm)
    await wait_until(pilot, lambda: form.limit_state == "known")
    return form


@pytest.mark.parametrize("name", ["transaction.clearing", "transaction.refund"])
def test_the_settlements_name_the_guarded_form(name: str) -> None:
    from fpconsole.tui.forms.screen import form_class_for

    assert form_class_for(REGISTRY.resolve(name)) is TransactionGuardForm


async def test_a_refund_draft_belongs_to_its_transaction() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await cleared_transactions(pilot)
        first = screen.table.current_row
        assert first is not None
        form = await refund_form(pilot)
        assert form.form_key == f"transaction.refund:{first.key}"
        assert form.read_input().values["transaction_id"] == first.key
        set_fields(form, {"amount": "1.50", "description": "kept for this one"})
        await pilot.pause()
        await pilot.press("escape")  # typed-in form: the leave dialog asks first
        await wait_until(pilot, lambda: pilot.app.screen is not form)
        await pilot.press("k")  # keep it as a draft
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TransactionsScreen))
        await settle(pilot)

        await pilot.press("down")
        await settle(pilot)
        second = screen.table.current_row
        assert second is not None and second.key != first.key
        other = await refund_form(pilot)
        assert other.form_key == f"transaction.refund:{second.key}"
        assert other.read_input().values.get("amount", "") == ""  # not the amount typed for the first one
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TransactionsScreen))

        await pilot.press("up")
        await settle(pilot)
        again = await refund_form(pilot)
        assert again.read_input().values["amount"] == "1.50"


@pytest.mark.parametrize(
    ("name", "title"),
    [("transaction.clearing", "Clearing transaction"), ("transaction.refund", "Refund transaction")],
)
async def test_a_read_only_console_refuses_clearing_and_refund(name: str, title: str) -> None:
    """The keys are hidden on a read-only console; the way in behind them refuses too (it is
    open_form's refusal, which every form gets)."""
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await cleared_transactions(pilot)
        row = screen.table.current_row
        assert row is not None
        notes: list[str] = []
        original = app.notify

        def notify(message: str, *args: Any, **kwargs: Any) -> None:
            notes.append(str(message))
            original(message, *args, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        screen.open_settlement(MethodName(name), row)
        await settle(pilot)
        assert pilot.app.screen is screen
        assert f"Read-only: {title} changes state." in notes
