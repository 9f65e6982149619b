"""Dates typed at the edges of the calendar: a day datetime cannot shift into local time or step
past (until:9999-12-31, since:0001-01-01) was an OverflowError/ValueError raised in a handler,
which ends the console. The Transactions filter and the statement window report it like any
other mistake. Days ago read ASCII digits only, as every number the console reads."""

from __future__ import annotations

import pytest

from fpconsole.tui.statement_window import parse_days
from fpconsole.tui.transaction_query import parse_query


@pytest.mark.parametrize(
    "token", ["until:9999-12-31", "since:0001-01-01", "until:0001-01-01", "since:9999-12-31"]
)
def test_dates_at_the_edges_are_reported_not_raised(token: str) -> None:
    query = parse_query(token)
    prefix = token.partition(":")[0]
    assert query.problems == () or query.problems == (f"{prefix}: a date (2026-05-01), 7d or today",)


@pytest.mark.parametrize("token", ["since:٣d", "since:３d"])
def test_days_ago_read_ascii_digits_only(token: str) -> None:
    query = parse_query(token)
    assert query.since is None and query.problems == ("since: a date (2026-05-01), 7d or today",)


@pytest.mark.parametrize(
    ("first", "last"), [("9999-12-31", ""), ("0001-01-01", ""), ("9999-12-30", "9999-12-31")]
)
def test_a_statement_window_at_the_edges_is_refused_with_a_message(first: str, last: str) -> None:
    window, problem = parse_days(first, last)
    assert window is None or problem == ""
    if window is None:
        assert problem == "a date between 0002-01-01 and 9999-12-30"
