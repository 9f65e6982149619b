"""Fixtures for the console's pilot and snapshot tests (see snapshot_apps.py for the app).

`deterministic_console` pins what the app reads from the machine rather than from its context:
- the entity cache stamps primed rows with wall time (`fpconsole.store.cache.now_us`), while
  rows the client sees are stamped with the fake clock; left alone, the recent-first order of
  the lists would depend on today's date relative to the fake clock. It is pinned to the fake
  clock's start, so primed rows sort just before anything the test's requests touch;
- Requests shows times in the local zone (`astimezone()`): TZ is set to UTC+5, as the sandbox.

It also shortens the lists' detail debounce (`ListScreen.DETAIL_DELAY`, 0.15 s for people) to
keep the suite fast; tests wait for the fetch it starts either way (snapshot_apps.settle).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from snapshot_apps import START

from fpconsole.store import cache as cache_module
from fpconsole.tui.screens.base import ListScreen


def _pinned_console(monkeypatch: pytest.MonkeyPatch, tz: str) -> Iterator[None]:
    pinned = cache_module.to_micros(START)
    monkeypatch.setattr(cache_module, "now_us", lambda: pinned)
    monkeypatch.setattr(ListScreen, "DETAIL_DELAY", 0.01)
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def deterministic_console(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from _pinned_console(monkeypatch, "<+05>-5")


@pytest.fixture
def console_in_minus_three(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """deterministic_console in UTC-03:00: neither the sandbox's +05:00 nor UTC, so a time shown
    as stored, in either, is caught (tests/tui/test_times_*.py)."""
    yield from _pinned_console(monkeypatch, "<-03>3")
