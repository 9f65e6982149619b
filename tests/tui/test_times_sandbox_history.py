"""F7's card history shows a moment at the same time as the statement, in the console's zone, and
says which (QA finding 10: it showed a refund at 15:20, the sandbox's +05:00 wall clock,
unlabelled, while the statement showed it at 10:20, the console's UTC).

The console here runs in UTC-03:00: neither the sandbox's +05:00 nor UTC, so a time shown as
stored, in either, is caught.
"""

from __future__ import annotations

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from textual.widgets import DataTable, Static

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui import display_time
from fpconsole.tui.sandbox_calls import history_columns, history_row
from fpconsole.tui.screens.sandbox import SandboxScreen
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.statement_model import shown_time

ZONE = "UTC-03:00"


pytestmark = pytest.mark.usefixtures("console_in_minus_three")

REFUND_AT = "2026-12-06T15:20:00+05:00"  # the sandbox's answer: 10:20 UTC, 07:20 in UTC-03:00


def test_the_history_shows_a_moment_as_the_statement_does_and_says_the_zone() -> None:
    moment = display_time.parse_time(REFUND_AT)
    assert moment is not None
    event = {
        "at": REFUND_AT,
        "kind": "ledger",
        "details": {"type": "refund", "amount": "5", "currency": "KZT"},
    }
    assert history_row(event)[0] == shown_time(moment) == "2026-12-06 07:20"
    assert history_columns()[0] == f"When ({ZONE})"


def _active_card(app: SnapshotApp) -> str:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return str(next(c["card_id"] for c in cards if c["status"] == "active"))


async def test_the_card_history_and_the_statement_show_an_operation_at_the_same_time() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        card_id = _active_card(app)
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, SandboxScreen))
        sandbox = app.screen
        assert isinstance(sandbox, SandboxScreen)
        await app.workers.wait_for_complete()
        await pilot.press("h", *card_id, "enter")
        table = sandbox.query_one("#history-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0 and not sandbox.busy, timeout=30)
        assert f"({ZONE})" in str(table.ordered_columns[0].label)
        history: dict[str, set[str]] = {}
        for index in range(table.row_count):
            when, kind, _amount, _detail = (str(cell) for cell in table.get_row_at(index))
            history.setdefault(kind, set()).add(when)

        app.open_statement(card_id)
        await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))
        statement = app.screen
        assert isinstance(statement, StatementScreen)
        await pilot.press("3")  # this month
        await wait_until(
            pilot, lambda: statement.statement is not None and not statement.fetching, timeout=30
        )
        assert statement.statement is not None
        shown: list[tuple[str, str]] = [(shown_time(op.at), op.type) for op in statement.statement.operations]
        assert shown, "the seed gives this card operations this month"
        for when, kind in shown:
            assert when in history.get(kind, set()), (when, kind, history)
        heading = text_of(statement.query_one("#heading", Static))
        assert ZONE in heading
