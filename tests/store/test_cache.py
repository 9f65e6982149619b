"""Entity cache: upserts, search, paging, bounds, migrations and damaged files."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fpconsole.store import cache_schema
from fpconsole.store.cache import CachedCard, CachedClient, CachedEntity, EntityCache, parse_expiry
from fpconsole.store.db import LocalStateWarning, user_version


def seed_clients(cache: EntityCache) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    people = [
        ("1001", "Anna", "Ivanova", "77011234567"),
        ("1002", "Timur", "Akhmetov", "77027654321"),
        ("1003", "Joanna", "Kim", "77059998877"),
        ("1004", "Ivan", "Petrov", "77011112233"),
    ]
    for index, (client_id, first, last, phone) in enumerate(people):
        cache.upsert_client(
            client_id,
            first_name=first,
            last_name=last,
            phone=phone,
            product_id=2000,
            seen_at=start + timedelta(minutes=index),
        )


def ids(records: Sequence[CachedEntity]) -> list[str]:
    return [r.key for r in records]


def test_upsert_get_and_merge(cache: EntityCache) -> None:
    cache.upsert_client(
        "1001", first_name="Anna", last_name="Ivanova", phone="77011234567", product_id="2000"
    )
    cache.upsert_client("1001", phone="77019990000", type="1", email="anna@example.com")
    found = cache.get("clients", "1001")
    assert isinstance(found, CachedClient)
    # Fields not given keep their value; product_id is stored as a number.
    assert (found.first_name, found.last_name, found.phone, found.product_id, found.type) == (
        "Anna",
        "Ivanova",
        "77019990000",
        2000,
        "1",
    )
    assert found.extra == {"email": "anna@example.com"} and found.name == "Anna Ivanova"
    assert cache.get("clients", "nope") is None
    assert cache.count("clients") == 1


def test_cards_never_store_more_than_first6_last4(cache: EntityCache) -> None:
    cache.upsert_card("7001", card_mask="4400431234567891", status="active", expiry="12/28")
    cache.upsert_card("7002", card_mask="4400 4312 **** 7892")  # leaks 2 middle digits
    cache.upsert_card("7003", card_mask="440043******7893")
    first, second, third = (cache.get("cards", k) for k in ("7001", "7002", "7003"))
    assert isinstance(first, CachedCard) and isinstance(second, CachedCard) and isinstance(third, CachedCard)
    assert first.card_mask == "440043******7891" and first.last4 == "7891"
    assert (first.expiry_month, first.expiry_year) == (12, 2028)
    assert second.card_mask == "440043******7892"
    assert third.card_mask == "440043******7893"
    raw = [r[0] for r in cache.conn.execute("SELECT masked_pan || search FROM cards")]
    assert not any("4400431234567891" in text or "43127892" in text for text in raw)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1003", ["1003"]),  # id
        ("anna", ["1003", "1001"]),  # any part of a name, most recent first
        ("ANNA iva", ["1001"]),  # several words, case-insensitive
        ("akhm", ["1002"]),
        ("ivan", ["1004", "1001"]),  # Ivan Petrov and Ivanova
        ("+7 701 123", ["1001"]),  # phone typed with spaces and a plus
        ("1234567", ["1001"]),
        ("998", ["1003"]),
        ("im", ["1003", "1002"]),  # short words use the plain scan: Kim, Timur
        ("zzz", []),
        ("%", []),  # LIKE wildcards are literal
    ],
)
def test_search_clients(cache: EntityCache, query: str, expected: list[str]) -> None:
    seed_clients(cache)
    assert ids(cache.search("clients", query)) == expected
    assert cache.count("clients", query) == len(expected)


def test_search_cards_by_last4_client_and_status(cache: EntityCache) -> None:
    cache.upsert_card("7001", card_mask="440043******1111", status="active", client_id="1001")
    cache.upsert_card("7002", card_mask="440043******2222", status="blocked", client_id="1001")
    cache.upsert_card("7003", card_mask="440043******1111", status="active", client_id="1002")
    assert ids(cache.search("cards", "1111")) == ["7003", "7001"]
    assert ids(cache.search("cards", "2222")) == ["7002"]
    assert ids(cache.search("cards", client_id="1001")) == ["7002", "7001"]
    assert ids(cache.search("cards", "1111", client_id="1001")) == ["7001"]
    assert ids(cache.search("cards", "blocked")) == ["7002"]
    assert cache.count("cards", client_id="1001") == 2


def _seed_cards_of_clients(cache: EntityCache) -> None:
    seed_clients(cache)
    cache.upsert_card("7001", card_mask="440043******6806", status="active", client_id="1002")
    cache.upsert_card("7002", card_mask="440043******6806", status="closed", client_id="1004")
    cache.upsert_card("7003", card_mask="440043******4567", status="active", client_id="1003")
    cache.upsert_card("7004", card_mask="440043******9999", status="active")  # no client


def test_search_clients_by_the_last_four_of_their_cards(cache: EntityCache) -> None:
    _seed_cards_of_clients(cache)
    assert ids(cache.search("clients", "6806")) == ["1004", "1002"]  # most recent first
    assert cache.count("clients", "6806") == 2
    # The client's own digits still match: 4567 ends 1001's phone and 1003's card.
    assert ids(cache.search("clients", "4567")) == ["1003", "1001"]
    assert ids(cache.search("clients", "6806 timur")) == ["1002"]  # with other words: all must match
    assert ids(cache.search("clients", "9999")) == []
    assert ids(cache.search("clients", "680")) == []  # three digits are not a card's last four
    # Paging over the id list agrees with the whole list.
    assert ids(cache.search("clients", "6806", limit=1, offset=1)) == ["1002"]
    # The lookup goes through the cards_last4 index, not a scan of the cards.
    sql, params = cache._query("clients", "6806", {}, "t.*")
    plan = " ".join(str(row[3]) for row in cache.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "cards_last4" in plan and "SCAN k" not in plan and "SCAN t" not in plan


def test_transactions_keep_decimal_text(cache: EntityCache) -> None:
    cache.upsert_transaction(
        "tx-1", card_id="7001", order_id="ORD-7788", amount="3500.50", currency="KZT", held=3500.5
    )
    cache.upsert_transaction("tx-1", status="cleared", cleared="3500.50")
    found = cache.get("transactions", "tx-1")
    assert found is not None
    assert found.amount == "3500.50" and found.held == "3500.5" and found.status == "cleared"  # type: ignore[union-attr]
    assert ids(cache.search("transactions", "ord-77")) == ["tx-1"]
    assert ids(cache.search("transactions", card_id="7001")) == ["tx-1"]


def test_profiles_do_not_see_each_other(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with EntityCache.open(path, profile="qa") as qa, EntityCache.open(path, profile="prod") as prod:
        qa.upsert_client("1", first_name="Only", last_name="Qa")
        assert prod.count("clients") == 0 and prod.search("clients", "only") == []
        assert qa.count("clients") == 1


def test_paging_offset_and_keyset_agree(cache: EntityCache) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(25):
        cache.upsert_client(f"{n:04d}", first_name="Same", seen_at=start + timedelta(seconds=n // 3))
    expected = ids(cache.search("clients", limit=100))
    assert len(expected) == 25 and expected[0] == "0024"
    by_offset = [
        k for offset in range(0, 25, 7) for k in ids(cache.search("clients", limit=7, offset=offset))
    ]
    by_keyset: list[str] = []
    last = None
    while True:
        page = cache.search("clients", "same", limit=7, after=last)
        if not page:
            break
        by_keyset += ids(page)
        last = page[-1]
    assert by_offset == expected == by_keyset


def test_prime_keeps_snapshot_order_and_counts(cache: EntityCache) -> None:
    written = cache.prime(
        clients=[{"client_id": "1", "first_name": "Old"}, {"client_id": "2", "first_name": "New"}],
        cards=[{"card_id": "7001", "card_mask": "440043******0001", "client_id": "1", "expiry": "01/30"}],
        transactions=[{"transaction_id": "t1", "amount": "10.00", "status": "success", "pan": "x"}, "junk"],  # type: ignore[list-item]
    )
    assert written == 4
    assert ids(cache.search("clients")) == ["2", "1"]
    card = cache.get("cards", "7001")
    assert isinstance(card, CachedCard) and card.expiry_year == 2030


def test_eviction_is_bounded_and_batched(tmp_path: Path) -> None:
    with EntityCache.open(tmp_path / "c.sqlite3", profile="qa", max_entities=200) as cache:
        start = datetime(2025, 1, 1, tzinfo=UTC)
        for n in range(200):
            cache.upsert_client(str(n), seen_at=start + timedelta(seconds=n))
        assert cache.count("clients") == 200
        cache.upsert_client("200", seen_at=start + timedelta(seconds=200))
        # Over the bound by one: the oldest 1 % + 1 go at once, not one per insert.
        assert cache.count("clients") == 198
        assert cache.get("clients", "0") is None and cache.get("clients", "2") is None
        assert cache.get("clients", "3") is not None and cache.get("clients", "200") is not None
        cache.prime(clients=[{"client_id": f"p{n}"} for n in range(500)])
        assert cache.count("clients") <= 200
        assert cache.get("clients", "p499") is not None and cache.get("clients", "3") is None


def test_bound_is_per_profile(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with EntityCache.open(path, profile="a", max_entities=10) as a, EntityCache.open(path, profile="b") as b:
        b.prime(clients=[{"client_id": str(n)} for n in range(30)])
        a.prime(clients=[{"client_id": str(n)} for n in range(30)])
        assert a.count("clients") <= 10 and b.count("clients") == 30


def _v1_file(path: Path) -> None:
    """A cache as version 1 wrote it, built by hand from the v1 migration."""
    conn = sqlite3.connect(path, isolation_level=None)
    cache_schema.MIGRATIONS[0].apply(conn)
    conn.execute(
        "INSERT INTO clients (profile, client_id, first_name, last_name, phone, last_seen) "
        "VALUES ('qa', '501', 'Aliya', 'Nurlanova', '77013334455', 1)"
    )
    conn.execute(
        "INSERT INTO cards (profile, card_id, masked_pan, last4, status, last_seen) "
        "VALUES ('qa', '9001', '440043******4455', '4455', 'active', 2)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_migration_from_v1(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    _v1_file(path)
    with EntityCache.open(path, profile="qa") as cache:
        assert user_version(cache.conn) == cache_schema.MIGRATIONS[-1].version
        assert ids(cache.search("clients", "nurlan")) == ["501"]
        assert ids(cache.search("clients", "3334")) == ["501"]
        assert ids(cache.search("cards", "4455")) == ["9001"]
        cache.upsert_client("502", first_name="Nurlan")
        assert ids(cache.search("clients", "nurlan")) == ["502", "501"]
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_search_works_without_fts5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_schema, "_fts_available", lambda conn: False)
    with EntityCache.open(tmp_path / "nofts.sqlite3", profile="qa") as cache:
        seed_clients(cache)
        assert ids(cache.search("clients", "anna")) == ["1003", "1001"]
        assert cache.count("clients", "+7 702") == 1
        _seed_cards_of_clients(cache)
        assert ids(cache.search("clients", "6806")) == ["1004", "1002"]
        assert ids(cache.search("clients", "4567")) == ["1003", "1001"]


def _assert_moved_aside_and_usable(path: Path) -> None:
    aside = list(path.parent.glob("cache.sqlite3.corrupt-*"))
    assert len(aside) == 1
    with EntityCache.open(path, profile="qa") as cache:
        cache.upsert_client("1", first_name="Fresh")
        assert ids(cache.search("clients", "fresh")) == ["1"]


def test_garbage_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.warns(LocalStateWarning, match="moved to .*cache.sqlite3.corrupt-"):
        cache = EntityCache.open(path, profile="qa")
    assert cache.recovered_from is not None
    assert cache.recovered_from.read_bytes().startswith(b"this is not a database")
    assert cache.count("clients") == 0
    cache.close()
    _assert_moved_aside_and_usable(path)


def test_newer_schema_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.warns(LocalStateWarning, match="schema version 99 is newer"):
        EntityCache.open(path, profile="qa").close()
    _assert_moved_aside_and_usable(path)


def test_damaged_pages_fail_quick_check_and_are_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with EntityCache.open(path, profile="qa") as cache:
        cache.prime(clients=[{"client_id": str(n), "first_name": "Name" * 20} for n in range(3000)])
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 40), page):
        data[offset + 8 : offset + 200] = b"\xff" * 192  # scribble over b-tree page contents
    path.write_bytes(bytes(data))
    with pytest.warns(LocalStateWarning, match="unusable"):
        cache = EntityCache.open(path, profile="qa", verify=True)
    assert cache.count("clients") == 0
    cache.close()


def test_a_folder_that_cannot_be_created_gives_a_memory_cache(tmp_path: Path) -> None:
    """A file where the cache folder should be: the console still starts, and says why."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    with pytest.warns(LocalStateWarning, match=r"cannot be created \(File exists: .*cache\).*in-memory"):
        cache = EntityCache.open(blocker / "cache.sqlite3", profile="qa")
    with cache:
        cache.upsert_client("1", first_name="Transient")
        assert ids(cache.search("clients", "transient")) == ["1"]
        assert cache.recovered_from is None
    assert blocker.read_text() == "not a folder"


def test_parse_expiry() -> None:
    assert parse_expiry("12/28") == (12, 2028)
    assert parse_expiry("2029-03") == (3, 2029)
    assert parse_expiry("0731") == (7, 2031)
    assert parse_expiry("13/28") == (None, None)
    assert parse_expiry(None) == (None, None)
