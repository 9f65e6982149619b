"""Statement rows show the year, and exports are written in the zone the screen shows times in
(and say which): a spreadsheet and the screen agree."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from snapshot_apps import make_app, wait_ready, wait_until

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.display_time import zone_label
from fpconsole.tui.screens.statement import StatementScreen, operation_row
from fpconsole.tui.statement_model import build_statement
from fpconsole.tui.widgets.paged_table import PagedTable

PLUS5 = timezone(timedelta(hours=5))


@pytest.fixture
def tz_plus_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The console's machine in UTC+02:00, the API answering in UTC+05:00."""
    monkeypatch.setenv("TZ", "<+02>-2")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def statement() -> object:
    ops = [
        {"datetime": "2025-12-31T23:30:00+05:00", "type": "pay", "amount": 10, "commission": 0, "rrn": "1"},
    ]
    return build_statement(
        "7001001",
        datetime(2025, 12, 31, tzinfo=PLUS5),
        datetime(2026, 1, 2, tzinfo=PLUS5),
        statement={"operations": ops},
        extended=None,
        balances=None,
    )


@pytest.mark.usefixtures("tz_plus_two")
def test_rows_show_the_year_and_exports_use_the_screens_zone() -> None:
    found = statement()
    op = found.operations[0]  # type: ignore[attr-defined]
    assert operation_row(0, op).cells[0] == "2025-12-31 20:30"  # local (UTC+2), with the year
    document = found.to_json()  # type: ignore[attr-defined]
    assert document["time_zone"] == "UTC+02:00"
    assert document["operations"][0]["datetime"] == "2025-12-31T20:30:00+02:00"  # as on screen
    assert document["start"] == "2025-12-30T21:00:00+02:00"


def test_zone_labels() -> None:
    assert zone_label(datetime(2026, 1, 1, tzinfo=UTC)) == "UTC+00:00"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))) == "UTC-03:30"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1), "CET"))) == "CET (UTC+01:00)"


@pytest.mark.usefixtures("deterministic_console")
async def test_the_statement_screen_shows_the_year_and_its_zone() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        card = next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
        app.open_statement(str(card["card_id"]))
        await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))
        screen = app.screen
        assert isinstance(screen, StatementScreen)
        await wait_until(pilot, lambda: screen.statement is not None and not screen.fetching, timeout=10)
        await pilot.pause()
        table = screen.query_one("#operations", PagedTable)
        row = table.row_at(0)
        assert row is not None and row.cells[0].startswith("2026-")
        heading = str(screen.query_one("#heading").render())
        assert "UTC+05:00 · " in heading and "operation" in heading
