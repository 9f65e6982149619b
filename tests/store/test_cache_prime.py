"""Incremental prime: only what is new or changed is written, a chunk per short transaction, and
other threads read the cache between chunks (the console's lists while a big sandbox primes)."""

from __future__ import annotations

import threading
from typing import Any

from fpconsole.store.cache import EntityCache, PrimeState


def snapshot(clients: int, cards: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "clients": [
            {"client_id": f"CL-{n}", "first_name": f"Name{n}", "phone": f"7701{n:07d}", "email": f"c{n}@x.kz"}
            for n in range(clients)
        ],
        "cards": [
            {
                "card_id": str(7_000_000 + n),
                "card_mask": f"440043******{n:04d}",
                "status": "active",
                "client_id": f"CL-{n % max(1, clients)}",
                "expiry": "05/29",
            }
            for n in range(cards)
        ],
    }


def keys(cache: EntityCache, kind: str, limit: int = 1000) -> list[str]:
    return [e.key for e in cache.search(kind, limit=limit)]  # type: ignore[arg-type]


def test_a_first_prime_lists_the_snapshot_newest_first_as_a_full_prime_does(tmp_path: Any) -> None:
    data = snapshot(30, 45)
    with (
        EntityCache.open(tmp_path / "a.sqlite3", profile="qa") as full,
        EntityCache.open(tmp_path / "b.sqlite3", profile="qa") as chunked,
    ):
        assert full.prime(**data) == 75
        assert chunked.prime_changes(**data, chunk=7) == 75
        for kind in ("clients", "cards"):
            assert keys(chunked, kind) == keys(full, kind)
        assert keys(chunked, "clients")[0] == "CL-29"


def test_an_unchanged_snapshot_writes_nothing(tmp_path: Any) -> None:
    data = snapshot(20, 20)
    with EntityCache.open(tmp_path / "c.sqlite3", profile="qa") as cache:
        cache.prime_changes(**data, chunk=8)
        order, writes = keys(cache, "cards"), cache.changes
        assert cache.prime_changes(**snapshot(20, 20), chunk=8) == 0
        assert cache.changes == writes  # not one write transaction
        assert keys(cache, "cards") == order


def test_only_the_new_and_the_changed_are_written_and_a_changed_one_keeps_its_place(tmp_path: Any) -> None:
    with EntityCache.open(tmp_path / "d.sqlite3", profile="qa") as cache:
        cache.prime_changes(**snapshot(10, 10), chunk=4)
        order = keys(cache, "cards")
        later = snapshot(11, 10)  # one client more
        later["cards"][3]["status"] = "blocked"  # and one card blocked in the sandbox
        assert cache.prime_changes(**later, chunk=4) == 2
        assert keys(cache, "clients")[0] == "CL-10"
        assert keys(cache, "cards") == order
        card = cache.get("cards", "7000003")
        assert card is not None and card.status == "blocked"  # type: ignore[union-attr]


def test_a_client_whose_extra_fields_are_the_same_is_not_rewritten(tmp_path: Any) -> None:
    with EntityCache.open(tmp_path / "e.sqlite3", profile="qa") as cache:
        cache.prime_changes(**snapshot(3, 0))
        cache.upsert_client("CL-1", country="KZ", touch=False)  # the cache knows more than the snapshot
        assert cache.prime_changes(**snapshot(3, 0)) == 0
        client = cache.get("clients", "CL-1")
        assert client is not None and client.extra == {"country": "KZ", "email": "c1@x.kz"}  # type: ignore[union-attr]


def test_other_threads_read_between_chunks_and_see_the_list_fill(tmp_path: Any) -> None:
    seen: list[int] = []
    with EntityCache.open(tmp_path / "f.sqlite3", profile="qa") as cache:

        def read_elsewhere(written: int) -> None:
            # A list read on another thread gets the lock between chunks (it would block on the
            # RLock if the prime held it across the whole snapshot).
            reader = threading.Thread(target=lambda: seen.append(cache.count("clients")))
            reader.start()
            reader.join(timeout=60)
            assert not reader.is_alive(), "a reader waited for the whole prime"

        assert cache.prime_changes(**snapshot(50, 0), chunk=10, between=read_elsewhere) == 50
    assert seen == [10, 20, 30, 40, 50]


def test_what_an_interrupted_prime_left_out_goes_back_to_its_place(tmp_path: Any) -> None:
    data = snapshot(40, 0)
    with (
        EntityCache.open(tmp_path / "g.sqlite3", profile="qa") as whole,
        EntityCache.open(tmp_path / "h.sqlite3", profile="qa") as resumed,
    ):
        whole.prime_changes(**data, chunk=5)
        # Stopped after the newest 15, then started again later with the whole snapshot.
        resumed.prime_changes(clients=data["clients"][-15:], chunk=5)
        assert resumed.prime_changes(**data, chunk=5) == 25
        assert keys(resumed, "clients") == keys(whole, "clients")


def test_a_snapshot_in_pages_lists_as_in_one_piece(tmp_path: Any) -> None:
    data = snapshot(23, 0)["clients"]
    with (
        EntityCache.open(tmp_path / "i.sqlite3", profile="qa") as whole,
        EntityCache.open(tmp_path / "j.sqlite3", profile="qa") as paged,
    ):
        whole.prime_changes(clients=data)
        state = PrimeState()
        for end in (23, 13, 3):  # newest page first, each page oldest first
            paged.prime_changes(clients=data[max(0, end - 10) : end], chunk=4, state=state)
        assert keys(paged, "clients") == keys(whole, "clients")
