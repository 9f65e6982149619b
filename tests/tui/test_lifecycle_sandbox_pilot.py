"""Issue 9's lifecycle, all of it in the console on a fresh embedded sandbox (no demo data): create a
client, issue a card to it, activate it, top it up from the Sandbox section (F7), create → clear
→ refund a transaction on it, and read its statement showing those entries. Every step is on the
card made in this run; without the top-up the transaction is refused (the card has 0.00)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from form_helpers import set_fields, text_of, type_text
from snapshot_apps import (
    FakeClock,
    RequestIds,
    SnapshotApp,
    cells_of,
    confirm,
    embedded_profile,
    press_for_form,
    select_row,
    settle,
    submit_form,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.tui.amount_guard import AmountGuardForm
from fpconsole.tui.app import ConsoleContext
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.sandbox import SandboxScreen
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.screens.transactions import TransactionsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
NEW_CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.last_name": "SADYKOVA",
}


def fresh_app() -> SnapshotApp:
    """The console over an empty in-memory sandbox (nothing seeded), settling at once."""
    clock = FakeClock()
    engine = SandboxEngine(db=":memory:", delay=0, clock=clock, rng_seed=7)
    context = ConsoleContext(
        profile=embedded_profile(),
        user_host="qa@jumphost",
        theme="fpconsole-dark",
        sandbox_delay=0,
        clock=clock,
        client_clock=clock,
        new_request_id=RequestIds(),
        sandbox_engine=engine,
    )
    return SnapshotApp(context, clock=clock, engine=engine, poll_delay=0.02)


def _accounts(app: SnapshotApp, card_id: str) -> list[dict[str, Any]]:
    from fpconsole.api import methods as api

    body = api.CARD_BALANCE.request.model_validate(
        {"card_id": card_id, "request_id": "00000000-0000-4000-9000-000000000001"}
    )
    return list(app.engine.handle(api.CARD_BALANCE, body, partner=PARTNER)["balances"]["accounts"])


def available(app: SnapshotApp, card_id: str) -> Decimal:
    (account,) = _accounts(app, card_id)
    return Decimal(str(account["amount"]))


async def back_to(pilot: Pilot[Any], kind: type[Any]) -> Any:
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await settle(pilot)
    return pilot.app.screen


async def guarded(pilot: Pilot[Any], key: str) -> AmountGuardForm:
    form = await press_for_form(pilot, key)
    assert isinstance(form, AmountGuardForm)
    await wait_until(pilot, lambda: form.limit_state == "known")
    await pilot.pause()
    return form


async def test_lifecycle_on_a_card_made_in_this_run() -> None:
    app = fresh_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        await settle(pilot)
        assert app.engine.snapshot(partner=PARTNER)["clients"] == []  # fresh: nothing seeded

        # 1. Create a client.
        form = await press_for_form(pilot, "n")
        set_fields(form, NEW_CLIENT)
        await type_text(pilot, "#field-client_first_name", "ALIYA")
        await submit_form(pilot, form)
        client_id = str(form.response["client_id"])
        clients = await back_to(pilot, ListScreen)
        await wait_until(pilot, lambda: cells_of(app, client_id) is not None)
        await select_row(pilot, client_id)

        # 2. Issue a card to it (the form is prefilled with the client).
        form = await press_for_form(pilot, "i")
        assert form.read_input().values["client_id"] == client_id
        await submit_form(pilot, form)
        card_id = str(form.response["cards"][0]["card_id"])
        await back_to(pilot, type(clients))

        # 3. Activate it in Cards.
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await wait_until(pilot, lambda: cells_of(app, card_id) is not None)
        await select_row(pilot, card_id)
        form = await press_for_form(pilot, "A")
        await submit_form(pilot, form)
        await back_to(pilot, CardsScreen)
        await wait_until(pilot, lambda: (cells_of(app, card_id) or ("",) * 3)[2] == "active")
        assert available(app, card_id) == 0  # a new card has nothing to spend

        # 4. Top it up from the Sandbox section: the card comes from the selection in Cards.
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, SandboxScreen))
        sandbox = app.screen
        assert isinstance(sandbox, SandboxScreen)
        await app.workers.wait_for_complete()
        assert sandbox.query_one("#sb-card_id", Input).value == card_id
        await pilot.press("t", "tab", *"10000", "enter")
        await wait_until(pilot, lambda: "Topped up" in text_of(sandbox.query_one("#result-topup", Static)))
        assert available(app, card_id) == Decimal(10_000)

        # 5. Create a transaction on it, from Cards (t).
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        form = await guarded(pilot, "t")
        assert form.read_input().values["card_id"] == card_id
        set_fields(form, {"order_id": "ORD-LIFE-1", "amount": "3000"})
        await submit_form(pilot, form)
        transaction_id = str(form.response["transaction_id"])
        await back_to(pilot, CardsScreen)

        # 6. Clear part of it and refund part of that, from Transactions.
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransactionsScreen))
        await settle(pilot)
        await wait_until(pilot, lambda: cells_of(app, transaction_id) is not None)
        await select_row(pilot, transaction_id)
        form = await guarded(pilot, "c")
        set_fields(form, {"amount": "1200"})
        await submit_form(pilot, form)
        await back_to(pilot, TransactionsScreen)
        form = await guarded(pilot, "r")
        set_fields(form, {"amount": "500"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await confirm(pilot)
        await wait_until(pilot, lambda: form.phase == "success")
        await back_to(pilot, TransactionsScreen)

        # 7. The statement shows the top-up, the clearing and the refund, and ends at the ledger.
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
        assert Decimal(10_000) in [op.amount for op in statement.operations if op.signed > 0]
        assert available(app, card_id) == Decimal(10_000) - 3000 + 500  # 1,800 still held
        assert statement.end_balance() == Decimal(10_000) - 1200 + 500
        # 8. The card's history in the Sandbox section: every state change and ledger entry.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, TransactionsScreen))
        await pilot.press("f7")
        await wait_until(pilot, lambda: app.screen is sandbox)
        await pilot.press("escape", "h")
        sandbox.query_one("#sb-history_card", Input).value = card_id
        await pilot.press("enter")
        table = sandbox.query_one("#history-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        events = [tuple(table.get_row_at(index)[1:3]) for index in range(table.row_count)]
        assert events == [
            ("status", ""),
            ("status", ""),
            ("credit", "10,000.00 KZT"),
            ("hold", "3,000.00 KZT"),
            ("pay", "1,200.00 KZT"),
            ("refund", "500.00 KZT"),
        ], events
        journal = [e.method for e in reversed(app.backend.journal.entries(limit=100)) if e.changes_state]  # type: ignore[union-attr]
        assert journal == [
            "client.add",
            "card.issue",
            "card.activate",
            "sandbox.top_up",  # the F7 top-up: journaled, so a recording of this session replays
            "transaction.create",
            "transaction.clearing",
            "transaction.refund",
        ]
