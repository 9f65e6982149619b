"""The statement's From…to dialog (QA 11f): a date that is not in the calendar says so and why,
and a window that is too long names both fields and how to fix it."""

from __future__ import annotations

from datetime import date

import pytest
from textual.app import App
from textual.widgets import Input, Static

from fpconsole.tui.statement_window import MAX_DAYS, WindowDialog, custom_window, parse_days


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        ("2026-02-30", "", "From: 2026-02-30 is not a real date: February 2026 has 28 days"),
        ("2024-02-30", "", "From: 2024-02-30 is not a real date: February 2024 has 29 days"),
        ("2026-04-01", "2026-04-31", "To: 2026-04-31 is not a real date: April 2026 has 30 days"),
        ("2026-13-01", "", "From: 2026-13-01 is not a real date: months go from 01 to 12"),
        ("2026-05-00", "", "From: 2026-05-00 is not a real date: days start at 01"),
        ("2026-05-01", "2026-00-01", "To: 2026-00-01 is not a real date: months go from 01 to 12"),
    ],
)
def test_a_date_not_in_the_calendar_is_named_with_the_reason(first: str, last: str, problem: str) -> None:
    assert parse_days(first, last) == (None, problem)


def test_a_window_too_long_names_the_fields_and_the_fix() -> None:
    window, problem = parse_days("2025-01-01", "2026-05-01")
    assert window is None
    assert problem == (
        f"From 2025-01-01 to 2026-05-01 is 486 days; at most {MAX_DAYS}: move From later or To earlier"
    )


def test_the_longest_window_allowed_is_366_days() -> None:
    assert parse_days("2024-01-01", "2024-12-31")[0] == custom_window(date(2024, 1, 1), date(2024, 12, 31))
    assert parse_days("2024-01-01", "2025-01-01")[0] is None  # 367 days, both ends included


class _Host(App[None]):
    def on_mount(self) -> None:
        self.push_screen(WindowDialog(custom_window(date(2026, 5, 1), date(2026, 5, 31))))


async def test_the_dialog_shows_why_the_date_is_refused() -> None:
    app = _Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WindowDialog)
        dialog.query_one("#window-from", Input).value = "2026-02-30"
        await pilot.press("enter", "enter")  # From → To, To → apply
        await pilot.pause()
        shown = str(dialog.query_one("#window-error", Static).render())
        assert "2026-02-30 is not a real date: February 2026 has 28 days" in shown
        assert app.screen is dialog  # nothing applied, what was typed is still there
        assert dialog.query_one("#window-from", Input).value == "2026-02-30"
