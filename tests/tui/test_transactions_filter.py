"""The Transactions filter: `card:` `status:` `since:` `until:` tokens and free words, parsed and
run against a real entity cache; the list's order is by id (creation), not by last sighting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fpconsole.store.cache import EntityCache
from fpconsole.tui import data
from fpconsole.tui.transaction_query import TransactionQuery, parse_query

NOW = datetime(2026, 5, 14, 4, 30, tzinfo=UTC)  # 09:30 in UTC+5
PLUS5 = timezone(timedelta(hours=5))


@pytest.fixture(autouse=True)
def local_zone_plus5(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "<+05>-5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def parse(text: str) -> TransactionQuery:
    return parse_query(text, now=lambda: NOW)


def test_tokens_become_exact_filters_and_the_rest_free_words() -> None:
    query = parse("card:7001234 status:Cleared since:2026-05-01 until:2026-05-31 ORD-77 x")
    assert query.card_id == "7001234"
    assert query.status == "cleared"
    assert query.since == datetime(2026, 5, 1, tzinfo=PLUS5)
    assert query.until == datetime(2026, 6, 1, tzinfo=PLUS5)  # the whole last day is included
    assert query.text == "ORD-77 x"
    assert not query.problems


def test_relative_days_and_unfinished_tokens() -> None:
    assert parse("since:7d").since == datetime(2026, 5, 7, tzinfo=PLUS5)
    assert parse("since:today").since == datetime(2026, 5, 14, tzinfo=PLUS5)
    assert parse("since:yesterday").since == datetime(2026, 5, 13, tzinfo=PLUS5)
    assert parse("card:").is_empty  # still typing
    assert parse("http://x").text == "http://x"  # an unknown prefix is just a word


def test_bad_tokens_are_reported_not_dropped_silently() -> None:
    query = parse("status:done since:yesterweek")
    assert query.status is None and query.since is None
    assert query.problems == (
        "status: one of new, success, error, cleared, refunded",
        "since: a date (2026-05-01), 7d or today",
    )


@pytest.fixture
def cache(tmp_path: Path) -> EntityCache:
    found = EntityCache.open(tmp_path / "cache.db", profile="sandbox")
    rows = [
        # id (time-ordered, as UUIDv7), card, status, created (mixed offsets, as the sandbox and
        # the client write them)
        ("019e0000-0000-7000-8000-000000000001", "7001001", "success", "2026-04-30T23:30:00+05:00"),
        ("019e0000-0000-7000-8000-000000000002", "7001001", "cleared", "2026-05-01T00:30:00+05:00"),
        ("019e0000-0000-7000-8000-000000000003", "7001002", "cleared", "2026-05-13T20:00:00+00:00"),
        ("019e0000-0000-7000-8000-000000000004", "7001002", "error", "2026-05-14T09:00:00+05:00"),
    ]
    for transaction_id, card_id, status, created in rows:
        found.upsert_transaction(
            transaction_id,
            card_id=card_id,
            status=status,
            created_at=created,
            order_id=f"ORD-{transaction_id[-1]}",
            amount="100",
        )
    return found


def ids(cache: EntityCache, text: str) -> list[str]:
    query = parse(text)
    found = [row["transaction_id"][-1] for row in data.fetch_transactions(cache, query, 0, 100)]
    assert data.count_transactions(cache, query) == len(found)
    return found


def test_filters_run_against_the_cache(cache: EntityCache) -> None:
    assert ids(cache, "") == ["4", "3", "2", "1"]  # newest created first
    assert ids(cache, "card:7001001") == ["2", "1"]
    assert ids(cache, "status:cleared") == ["3", "2"]
    # Local days: 2026-05-01 starts at 00:00+05:00; the 23:30 of the day before is out.
    assert ids(cache, "since:2026-05-01") == ["4", "3", "2"]
    # 2026-05-13T20:00Z is 2026-05-14 01:00 local: not on the 13th.
    assert ids(cache, "until:2026-05-13") == ["2", "1"]
    assert ids(cache, "since:today") == ["4", "3"]
    assert ids(cache, "ord-3") == ["3"]
    assert ids(cache, "card:7001002 status:error") == ["4"]
    assert data.fetch_transactions(cache, parse(""), 1, 2)[0]["transaction_id"].endswith("3")


def test_a_transaction_seen_again_keeps_its_place(cache: EntityCache) -> None:
    # The cache's own search is "most recently seen first": the detail fetch would move the row
    # (and the cursor) to the top. Listed by id, it stays where it was.
    data.remember_transaction(
        cache, {"transaction_id": "019e0000-0000-7000-8000-000000000002", "held": "0", "cleared": "100"}
    )
    assert ids(cache, "") == ["4", "3", "2", "1"]
    found = data.get_transaction(cache, "019e0000-0000-7000-8000-000000000002")
    assert found is not None and (found["held"], found["cleared"], found["status"]) == ("0", "100", "cleared")


def test_without_a_cache_nothing_is_listed() -> None:
    assert data.count_transactions(None, TransactionQuery()) == 0
    assert data.fetch_transactions(None, TransactionQuery(), 0, 10) == []
    data.remember_transaction(None, {"transaction_id": "x"})
