"""The `/` filter's qualifiers (status:, product:, client:, since:) read through an index at the
cache's bound: 100,000 cards. Without cards_status, counting `status:blocked` read every card of
the profile (75 ms); with a client named too, the client's own index stays the one used."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from test_cache_plan import CARDS, _fill

from fpconsole.store.cache import EntityCache, to_datetime


@pytest.fixture(scope="module")
def full_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EntityCache]:
    path = tmp_path_factory.mktemp("filters") / "cache.sqlite3"
    with EntityCache.open(path, profile="qa") as cache:
        _fill(cache.conn, "qa")
        # One card in 50 blocked, one in 4 of product 1000; card i was last seen at i µs.
        cache.conn.execute("UPDATE cards SET status = 'blocked' WHERE id % 50 = 0")
        cache.conn.execute("UPDATE cards SET product_id = 1000 WHERE id % 4 = 0")
        yield cache


def _statements(cache: EntityCache, **filters: object) -> list[str]:
    """The SELECTs a search and a count with these filters run, as SQLite received them."""
    seen: list[str] = []
    cache.conn.set_trace_callback(seen.append)
    try:
        cache.search("cards", limit=20, **filters)  # type: ignore[arg-type]
        cache.count("cards", **filters)  # type: ignore[arg-type]
    finally:
        cache.conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def _plans(cache: EntityCache, **filters: object) -> list[str]:
    return [
        " | ".join(str(row[3]) for row in cache.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in _statements(cache, **filters)
    ]


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"status": "blocked"}, "cards_status (profile=? AND status=?)"),
        ({"product_id": 1000}, "cards_product (profile=? AND product_id=?)"),
        ({"status": "blocked", "client_id": "CL-200000"}, "cards_client (profile=? AND client_id=?)"),
        ({"product_id": 1000, "client_id": "CL-200000"}, "cards_client (profile=? AND client_id=?)"),
        ({"seen_since": to_datetime(CARDS - 100)}, "cards_seen (profile=? AND last_seen>?)"),
        ({"status": "blocked", "seen_since": to_datetime(CARDS - 100)}, "AND status=? AND last_seen>?)"),
    ],
)
def test_each_qualifier_is_read_through_an_index(
    full_cache: EntityCache, filters: dict[str, object], index: str
) -> None:
    plans = _plans(full_cache, **filters)
    assert len(plans) == 2, plans
    for plan in plans:
        assert index in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # the index gives the list's order
        assert not plan.startswith("SCAN"), plan


def test_the_qualifiers_narrow_to_exactly_the_matching_cards(full_cache: EntityCache) -> None:
    assert full_cache.count("cards", status="blocked") == CARDS // 50
    assert full_cache.count("cards", product_id=1000) == CARDS // 4
    both = full_cache.count("cards", status="blocked", product_id=1000)
    assert both == len([i for i in range(1, CARDS + 1) if i % 50 == 0 and i % 4 == 0])
    recent = full_cache.search("cards", status="blocked", seen_since=to_datetime(CARDS - 200), limit=50)
    assert recent and all(card.status == "blocked" for card in recent)
    assert all(card.last_seen >= to_datetime(CARDS - 200) for card in recent)
    assert [c.last_seen for c in recent] == sorted((c.last_seen for c in recent), reverse=True)


def test_qualifiers_that_do_not_apply_to_a_kind_are_left_out(tmp_path: Path) -> None:
    with EntityCache.open(tmp_path / "cache.sqlite3", profile="qa") as cache:
        cache.upsert_client("CL-1", first_name="Ivan", product_id=1000)
        cache.upsert_client("CL-2", first_name="Petr", product_id=2000)
        # Clients have no status; `client_id` on clients is the client itself.
        assert [c.key for c in cache.search("clients", product_id=1000)] == ["CL-1"]
        assert [c.key for c in cache.search("clients", client_id="CL-2")] == ["CL-2"]
        assert cache.count("clients", status="blocked") == 2
        assert cache.count("clients", seen_since=datetime.now().astimezone()) == 0
