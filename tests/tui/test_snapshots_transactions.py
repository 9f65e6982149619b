"""Snapshots of the Transactions screen, a statement's charts and the guarded refund and clearing
forms, at 80x24 and 120x40, over the deterministic console (fixed clock, ids and seed; see snapshot_apps.py).

Update with `pytest tests/tui/test_snapshots_transactions.py --snapshot-update`, after looking at
each new SVG as a picture."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import set_fields
from snapshot_apps import SIZES, make_app, settle, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.tui.amount_guard import AmountGuardForm
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.screens.transactions import TransactionsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE_IDS = list(SIZES)


async def to_transactions(pilot: Pilot[Any], query: str = "") -> TransactionsScreen:
    await wait_ready(pilot)
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TransactionsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, TransactionsScreen)
    if query:
        screen.query_one("#filter", Input).value = query
        await pilot.press("slash", "enter")
    await settle(pilot)
    return screen


@pytest.mark.parametrize("size", SIZE_IDS)
def test_transactions_screen(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await to_transactions(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZE_IDS)
def test_statement_charts(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot)
        pilot.app.open_statement("7001001")  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, StatementScreen))
        screen = pilot.app.screen
        assert isinstance(screen, StatementScreen)
        await wait_until(pilot, lambda: screen.statement is not None and not screen.fetching)
        await pilot.press("c")
        await wait_until(pilot, lambda: bool(screen.query("#spend-chart")))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZE_IDS)
def test_refund_form_refuses_more_than_is_left(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await to_transactions(pilot, "status:cleared card:7001009")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AmountGuardForm))
        form = pilot.app.screen
        assert isinstance(form, AmountGuardForm)
        await wait_until(pilot, lambda: form.limit_state == "known")
        set_fields(form, {"amount": "99999", "description": "customer returned the goods"})
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZE_IDS)
def test_clearing_form_shows_what_is_still_held(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await to_transactions(pilot, "status:success")  # authorised: money held, not yet cleared
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, AmountGuardForm))
        form = pilot.app.screen
        assert isinstance(form, AmountGuardForm)
        await wait_until(pilot, lambda: form.limit_state == "known")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)
