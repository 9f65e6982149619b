"""The `/` filter's qualifiers: parsed per list, and every one not understood named with the
ones the list takes (never dropped in silence)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fpconsole.list_filters import LIST_QUALIFIERS, ListFilter, parse_filter, parse_when

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def parse(text: str, section: str = "cards") -> ListFilter:
    return parse_filter(text, LIST_QUALIFIERS[section], now=lambda: NOW)


def test_qualifiers_and_free_words_combine() -> None:
    found = parse("status:Blocked product:1000 client:CL-100045 ivanov 1234")
    assert (found.status, found.product, found.client, found.text) == (
        "blocked",
        1000,
        "CL-100045",
        "ivanov 1234",
    )
    assert found.problems == ()


def test_since_takes_days_hours_minutes_and_dates() -> None:
    local = NOW.astimezone()
    assert parse("since:2h").since == NOW - timedelta(hours=2)
    assert parse("since:30m").since == NOW - timedelta(minutes=30)
    seven = parse("since:7d").since
    assert seven is not None and seven.date() == local.date() - timedelta(days=7) and seven.hour == 0
    day = parse("since:2026-05-01").since
    assert day is not None and (day.year, day.month, day.day, day.hour) == (2026, 5, 1, 0)
    until = parse("until:2026-05-01", "transactions").until
    assert until is not None and until.day == 2  # to the end of that day


def test_an_unknown_qualifier_is_named_with_the_accepted_ones() -> None:
    found = parse("colour:red ivanov", "clients")
    assert found.text == "ivanov"
    assert found.problems == ("unknown qualifier colour: (this list takes product: client: since:)",)
    # status: exists elsewhere, but clients have none.
    assert "unknown qualifier status:" in parse("status:active", "clients").problems[0]


def test_a_bad_value_is_named_with_what_is_accepted() -> None:
    assert parse("status:frozen").problems == (
        "status:frozen is not a status here; one of inactive, active, blocked, closed",
    )
    assert parse("product:1234").problems == ("product:1234 is not a product; one of 1000, 2000, 3000",)
    assert "since:lastweek is not a time; use 7d, 2h" in parse("since:lastweek").problems[0]
    assert (
        "method:card.frobnicate is not a Card API method"
        in parse("method:card.frobnicate", "requests").problems[0]
    )
    assert parse("status:frozen").status is None  # not applied


def test_a_qualifier_still_being_typed_and_times_stay_quiet() -> None:
    assert parse("status:").problems == ()
    found = parse("12:30 2026-05-01T10:00")
    assert found.problems == () and found.text == "12:30 2026-05-01T10:00"


def test_requests_take_method_and_outcomes() -> None:
    found = parse("method:card/block status:error", "requests")
    assert (found.method, found.status) == ("card.block", "error")


@given(st.text(max_size=60))
def test_any_text_parses_without_an_exception(text: str) -> None:
    for section in LIST_QUALIFIERS:
        found = parse(text, section)
        assert isinstance(found.problems, tuple)


@given(st.text(alphabet="0123456789mhdw-:T+Zyestoda", max_size=30))
def test_any_time_value_is_a_moment_or_none(value: str) -> None:
    moment = parse_when(value, NOW)
    assert moment is None or moment.tzinfo is not None
