"""The balance chart's time axis never shows the same label twice (a two-day window used to read
05-08 05-08 05-09 05-09 05-09 05-10), whatever the window and the chart's width."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpconsole.tui.widgets.charts import time_ticks

PLUS5 = timezone(timedelta(hours=5))
START = datetime(2026, 5, 8, 9, 30, tzinfo=PLUS5).timestamp()


@pytest.fixture(autouse=True)
def local_zone_plus_five(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "<+05>-5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_week_is_labelled_once_per_day_at_midnight() -> None:
    ticks, labels = time_ticks(START, START + 7 * 86400, 6)
    assert labels == ["05-09", "05-11", "05-13", "05-15"]
    assert all(datetime.fromtimestamp(t, PLUS5).hour == 0 for t in ticks)


def test_a_window_across_new_year_says_the_year() -> None:
    start = datetime(2025, 12, 29, 12, tzinfo=PLUS5).timestamp()
    _, labels = time_ticks(start, start + 5 * 86400, 6)
    assert labels[0] == "2025-12-30" and labels[-1].startswith("2026-")


def test_a_short_window_goes_to_the_second_when_minutes_would_repeat() -> None:
    _, labels = time_ticks(START, START + 90, 6)
    assert labels == ["09:30:00", "09:30:18", "09:30:36", "09:30:54", "09:31:12", "09:31:30"]


@settings(max_examples=300, deadline=None)
@given(
    offset=st.floats(min_value=0, max_value=400 * 86400),
    span=st.floats(min_value=0.5, max_value=90 * 86400),
    count=st.integers(min_value=2, max_value=6),
)
def test_no_label_repeats(offset: float, span: float, count: int) -> None:
    start = START + offset
    ticks, labels = time_ticks(start, start + span, count)
    assert labels and len(labels) == len(ticks) == len(set(labels))
    assert len(labels) <= count + 1
    assert all(start - 1 <= t <= start + span + 1 for t in ticks)
