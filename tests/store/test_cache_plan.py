"""The per-owner lists (a client's cards, a card's transactions) are read through an index that
gives their order, on a cache as full as its bound: SQLite once preferred walking every card of
the profile in recent-first order instead (20-28 ms per lookup at 100,000 cards)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from fpconsole.store import cache_schema
from fpconsole.store.cache import EntityCache
from fpconsole.store.db import user_version

CARDS = 100_000


def _fill(conn: sqlite3.Connection, profile: str) -> None:
    """100,000 cards of 5,000 clients and as many transactions, written in one statement each
    (the cache's own prime takes seconds for this)."""
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1) "
        "INSERT INTO cards (profile, card_id, client_id, masked_pan, last4, status, last_seen, search) "
        "SELECT ?, printf('9%07d', i), printf('CL-%d', 200000 + i % 5000), "
        "printf('440043******%04d', i % 10000), printf('%04d', i % 10000), 'active', i, '' FROM n",
        (CARDS, profile),
    )
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1) "
        "INSERT INTO transactions (profile, transaction_id, card_id, amount, last_seen, search) "
        "SELECT ?, printf('T%07d', i), printf('9%07d', i % 20000), '10.00', i, '' FROM n",
        (CARDS, profile),
    )
    conn.execute("COMMIT")


@pytest.fixture(scope="module")
def full_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EntityCache]:
    path = tmp_path_factory.mktemp("plan") / "cache.sqlite3"
    with EntityCache.open(path, profile="qa") as cache:
        _fill(cache.conn, "qa")
        yield cache


def _plan(cache: EntityCache, sql: str, params: list[object]) -> str:
    return " | ".join(str(row[3]) for row in cache.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def _search_sql(cache: EntityCache, kind: cache_schema.EntityKind, **owner: str) -> tuple[str, list[object]]:
    """The statement EntityCache.search runs, caught as SQLite receives it."""
    seen: list[str] = []
    cache.conn.set_trace_callback(seen.append)
    try:
        found = cache.search(kind, limit=20, **owner)  # type: ignore[arg-type]
    finally:
        cache.conn.set_trace_callback(None)
    assert found, "the lookup found nothing: the fill or the query is wrong"
    statement = next(s for s in seen if s.lstrip().upper().startswith("SELECT") and "ORDER BY" in s)
    return statement, []


def test_a_clients_cards_are_read_through_the_client_index(full_cache: EntityCache) -> None:
    sql, params = _search_sql(full_cache, "cards", client_id="CL-200007")
    plan = _plan(full_cache, sql, params)
    assert "USING INDEX cards_client (profile=? AND client_id=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index gives the order: nothing is sorted
    assert len(full_cache.search("cards", client_id="CL-200007", limit=50)) == CARDS // 5000


def test_a_cards_transactions_are_read_through_the_card_index(full_cache: EntityCache) -> None:
    sql, params = _search_sql(full_cache, "transactions", card_id="90000007")
    plan = _plan(full_cache, sql, params)
    assert "USING INDEX transactions_card (profile=? AND card_id=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_count_of_a_clients_cards_reads_the_index_alone(full_cache: EntityCache) -> None:
    plan = _plan(
        full_cache,
        "SELECT count(*) FROM cards t WHERE t.profile = ? AND t.client_id = ?",
        ["qa", "CL-200007"],
    )
    assert "COVERING INDEX cards_client" in plan, plan
    assert full_cache.count("cards", client_id="CL-200007") == CARDS // 5000


def test_migration_from_v3_keeps_the_cards_and_orders_the_owner_indexes(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with EntityCache.open(path, profile="qa") as cache:
        cache.upsert_card("9001", client_id="CL-1", card_mask="440043******4455", status="active")
    # Back to v3's indexes, as an older fpconsole left the file, with a card in it.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP INDEX cards_client")
    conn.execute("CREATE INDEX cards_client ON cards (profile, client_id, last_seen)")
    conn.execute("DROP INDEX transactions_card")
    conn.execute("CREATE INDEX transactions_card ON transactions (profile, card_id, last_seen)")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with EntityCache.open(path, profile="qa") as cache:
        assert user_version(cache.conn) == len(cache_schema.MIGRATIONS)
        columns = [row[2] for row in cache.conn.execute("PRAGMA index_info(cards_client)")]
        assert columns == ["profile", "client_id", "last_seen", "card_id"]
        columns = [row[2] for row in cache.conn.execute("PRAGMA index_info(transactions_card)")]
        assert columns == ["profile", "card_id", "last_seen", "transaction_id"]
        assert [c.key for c in cache.search("cards", client_id="CL-1")] == ["9001"]
    assert not list(tmp_path.glob("*.corrupt-*"))
