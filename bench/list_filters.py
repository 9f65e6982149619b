"""The `/` filter's qualifiers at the cache's bound: 100,000 cards (1 in 50 blocked, 1 in 4 of
product 1000), each qualifier's first page (50 rows) and count, as the Cards list reads them.

    python bench/list_filters.py [--cards 100000] [--repeat 20]

Prints the median milliseconds per query. Target: every qualifier under 5 ms for both the page
and the count (they read through an index: cards_status, cards_product, cards_client,
cards_seen; tests/store/test_cache_filters.py checks the plans).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fpconsole.store.cache import EntityCache, to_datetime


def fill(cache: EntityCache, cards: int) -> None:
    conn = cache.conn
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO cards "
        "(profile, card_id, client_id, masked_pan, last4, status, product_id, last_seen, search) "
        "SELECT 'qa', printf('9%07d', i), printf('CL-%d', 200000 + i % 5000), "
        "printf('440043******%04d', i % 10000), printf('%04d', i % 10000), "
        "CASE WHEN i % 50 = 0 THEN 'blocked' ELSE 'active' END, "
        "CASE WHEN i % 4 = 0 THEN 1000 ELSE 2000 END, i, '' FROM n",
        (cards,),
    )
    conn.execute("COMMIT")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = EntityCache.open(Path(folder) / "cache.sqlite3", profile="qa")
        fill(cache, args.cards)
        cases: dict[str, dict[str, object]] = {
            "(none)": {},
            "status:blocked": {"status": "blocked"},
            "product:1000": {"product_id": 1000},
            "client:CL-200007": {"client_id": "CL-200007"},
            "client:CL-200000 status:blocked": {"client_id": "CL-200000", "status": "blocked"},
            "since:(last 1%)": {"seen_since": to_datetime(args.cards - args.cards // 100)},
            "status:blocked since:(last 1%)": {
                "status": "blocked",
                "seen_since": to_datetime(args.cards - args.cards // 100),
            },
        }
        print(f"{args.cards:,} cards; median of {args.repeat} runs, ms")
        print(f"{'filter':34} {'page':>8} {'count':>8}")
        for name, filters in cases.items():
            page = median_ms(lambda f=filters: cache.search("cards", limit=50, **f), args.repeat)  # type: ignore[misc]
            count = median_ms(lambda f=filters: cache.count("cards", **f), args.repeat)  # type: ignore[misc]
            print(f"{name:34} {page:8.2f} {count:8.2f}")
        cache.close()


if __name__ == "__main__":
    main()
