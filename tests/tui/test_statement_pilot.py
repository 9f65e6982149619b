"""The statement screen through the UI: a statement of 2,000 operations renders and scrolls to its
last row quickly (the table is virtual, the rows are in memory); the presets change the window;
charts are mounted only when their tab opens; the export writes the operations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from snapshot_apps import START, FakeClock, make_app, settle, wait_ready, wait_until
from textual.pilot import Pilot

from fpconsole import exports
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.widgets.paged_table import PagedTable

pytestmark = pytest.mark.usefixtures("deterministic_console")

OPERATIONS = 2_000
SIZE = (100, 30)


def busy_card_engine(clock: FakeClock, operations: int) -> tuple[SandboxEngine, str]:
    """One seeded client's active card, topped up `operations` times a minute apart: that many
    ledger rows, all in this month's window, and a cap that lets a statement list them all."""
    engine = SandboxEngine(db=":memory:", delay=0, clock=clock, rng_seed=7, statement_cap=operations + 100)
    engine.seed(1, partner=PARTNER)
    card_id = next(c["card_id"] for c in engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
    clock.now = START.replace(day=1, hour=6)  # the month starts; the seed's history is older
    for index in range(operations):
        clock.advance(60)
        engine.credit(card_id, Decimal(index % 97 + 1), partner=PARTNER)
    clock.now = START
    return engine, str(card_id)


async def open_statement(pilot: Pilot[Any], card_id: str) -> StatementScreen:
    app = pilot.app
    app.open_statement(card_id)  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))
    screen = app.screen
    assert isinstance(screen, StatementScreen)
    await wait_until(pilot, lambda: screen.statement is not None and not screen.fetching, timeout=10)
    await pilot.pause()
    return screen


async def test_a_statement_of_2000_operations_renders_and_scrolls() -> None:
    clock = FakeClock()
    engine, card_id = busy_card_engine(clock, OPERATIONS)
    app = make_app(clock=clock, sandbox_engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await open_statement(pilot, card_id)
        statement = screen.statement
        assert statement is not None
        table = screen.query_one("#operations", PagedTable)
        assert table.row_count == len(statement.operations) >= OPERATIONS
        assert table.has_focus

        for _ in range(3):
            await pilot.press("pagedown")
        assert table.cursor_row == 3 * (table.size.height - 1)
        await pilot.press("end")
        await pilot.pause()
        last = table.row_count - 1
        assert table.cursor_row == last
        assert table.scroll_offset.y + table.size.height - 1 > last  # the last row is on screen
        oldest = statement.operations[-1]
        row = table.current_row
        assert row is not None and row.cells[-1] == oldest.rrn
        assert oldest.at == min(op.at for op in statement.operations)
        # The chart's balance ends at the ledger's, however many operations led there.
        (account,) = statement.accounts
        assert statement.balance_series()[-1][1] == account.balance


async def test_presets_charts_and_export() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = "7001001"
        screen = await open_statement(pilot, card_id)
        assert screen.window is not None and screen.window.preset == "month"
        month_count = len(screen.statement.operations)  # type: ignore[union-attr]

        await pilot.press("2")  # 7 days
        await wait_until(pilot, lambda: screen.window.preset == "7d" and not screen.fetching)  # type: ignore[union-attr]
        assert len(screen.statement.operations) <= month_count  # type: ignore[union-attr]

        await pilot.press("4")  # From…to: the dialog
        await wait_until(pilot, lambda: pilot.app.screen is not screen)
        dialog = pilot.app.screen
        dialog.query_one("#window-from").value = "2026-04-01"  # type: ignore[attr-defined]
        dialog.query_one("#window-to").value = "2026-04-30"  # type: ignore[attr-defined]
        await pilot.press("enter")  # From → To
        await pilot.press("enter")  # apply
        await wait_until(pilot, lambda: screen.window.preset == "custom" and not screen.fetching)  # type: ignore[union-attr]
        statement = screen.statement
        assert statement is not None
        assert all(op.at.month == 4 for op in statement.operations)
        # A window in the past: what happened since is fetched, so the chart ends at that day's balance.
        later = [e for e in app.backend.journal.entries(method="card.statement", limit=10)]  # type: ignore[union-attr]
        assert later[0].request["start_date"] == "2026-04-30T23:59:59+05:00"
        series = statement.balance_series()
        assert series[-1][1] == statement.end_balance()

        # Charts mount only when their tab is opened (plotext is not imported before that).
        assert not screen.query("#balance-chart")
        await pilot.press("c")
        await wait_until(pilot, lambda: bool(screen.query("#balance-chart")))
        await settle(pilot)
        chart = screen.query_one("#balance-chart")
        assert chart.points == series  # type: ignore[attr-defined]
        spend = screen.query_one("#spend-chart")
        assert spend.bars == statement.spend_by("merchant")  # type: ignore[attr-defined]
        await pilot.press("m")
        assert spend.bars == statement.spend_by("mcc")  # type: ignore[attr-defined]

        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ActionsMenu))
        await pilot.press("enter")  # operations as CSV
        await pilot.pause()
        (path,) = exports.exports_folder().glob(f"statement-{card_id}-*.csv")
        assert len(path.read_text().splitlines()) == len(statement.operations) + 1

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, StatementScreen))


async def test_a_statement_of_an_unknown_card_says_why_in_full_at_80_columns() -> None:
    clock = FakeClock()
    engine, _card_id = busy_card_engine(clock, 0)
    app = make_app(clock=clock, sandbox_engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        app.open_statement("9999999999")  # type: ignore[attr-defined]
        await wait_until(
            pilot, lambda: isinstance(app.screen, StatementScreen) and bool(app.screen.query("#heading"))
        )
        heading = app.screen.query_one("#heading")
        await wait_until(pilot, lambda: "Could not fetch" in str(heading.render()), timeout=10)
        await pilot.pause()
        said = str(heading.render())
        assert len(said) > 78, said  # the case at hand: longer than one line
        # The heading grows to hold all of it (padding 1 each side), not cut at the edge.
        assert heading.size.height * (heading.size.width - 2) >= len(said), (heading.size, said)
