"""Local-state figures: cache search at 100,000 entities, journal throughput, journal cost per call,
journal verify.

    python bench/store.py [--entities 100000] [--appends 20000]

Prints figures and asserts nothing (targets: search median < 20 ms, > 5,000 appends/s).
Everything happens in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from fpconsole.api.events import RequestSent, ResponseReceived
from fpconsole.store.cache import EntityCache
from fpconsole.store.cache_schema import EntityKind
from fpconsole.store.journal import Journal

FIRST = [
    "Aliya",
    "Timur",
    "Dana",
    "Arman",
    "Madina",
    "Yerlan",
    "Asel",
    "Nurlan",
    "Gulnara",
    "Ruslan",
    "Zhanna",
    "Sergey",
    "Olga",
    "Ivan",
    "Svetlana",
    "Pavel",
    "Aigerim",
    "Daniyar",
    "Kamila",
    "Bauyrzhan",
]
LAST = [
    "Akhmetov",
    "Nurlanova",
    "Ivanov",
    "Petrova",
    "Kim",
    "Tsoi",
    "Sadykov",
    "Bekova",
    "Omarov",
    "Zhumabayev",
    "Seitkali",
    "Abenov",
    "Karimova",
    "Li",
    "Smirnov",
    "Kassymov",
    "Tulegenova",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(action: Callable[[], object], repeat: int = 1) -> list[float]:
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        found.append((time.perf_counter() - start) * 1000)
    return found


def fill(cache: EntityCache, count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    clients: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    for n in range(count):
        clients.append(
            {
                "client_id": f"CL-{100000 + n}",
                "first_name": rng.choice(FIRST) + rng.choice(["", "a", "bek", "gul"]),
                "last_name": rng.choice(LAST) + rng.choice(["", "a", "uly", "kyzy"]),
                "phone": f"770{rng.randint(10_000_000, 99_999_999)}",
                "product_id": rng.choice([1000, 2000, 3000]),
                "type": "1",
            }
        )
        cards.append(
            {
                "card_id": str(7_000_000 + n),
                "card_mask": f"440043******{rng.randint(0, 9999):04d}",
                "status": rng.choice(["active", "active", "blocked", "inactive", "closed"]),
                "client_id": f"CL-{100000 + rng.randrange(count)}",
                "product_id": 2000,
                "expiry": "05/29",
            }
        )
    cache.prime(clients=clients, cards=cards)
    return [c["phone"] for c in clients], [c["card_mask"][-4:] for c in cards]


def queries(
    rng: random.Random, phones: list[str], last4s: list[str], count: int
) -> list[tuple[EntityKind, str]]:
    """What people type in a `/` filter: name parts, phone parts, ids, last four, short and misses."""
    found: list[tuple[EntityKind, str]] = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.3:
            name = rng.choice(FIRST + LAST).lower()
            start = rng.randrange(max(1, len(name) - 3))
            found.append(("clients", name[start : start + rng.randint(3, 6)]))
        elif kind < 0.45:
            phone = rng.choice(phones)
            start = rng.randrange(3, 7)
            found.append(("clients", phone[start : start + rng.randint(4, 7)]))
        elif kind < 0.55:
            found.append(("clients", f"CL-{100000 + rng.randrange(len(phones))}"))
        elif kind < 0.7:
            found.append(("cards", rng.choice(last4s)))
        elif kind < 0.8:
            found.append(("clients", f"{rng.choice(FIRST)} {rng.choice(LAST)[:4]}".lower()))
        elif kind < 0.9:
            kinds: list[EntityKind] = ["clients", "cards"]
            found.append((rng.choice(kinds), rng.choice("aeiklmnorst") + rng.choice("aeinrsu")))
        else:
            found.append(("clients", "zq" + str(rng.randrange(1000))))
    return found


def bench_search(folder: Path, entities: int) -> None:
    rng = random.Random(7)
    path = folder / "cache.sqlite3"
    with EntityCache.open(path, profile="bench", max_entities=entities) as cache:
        start = time.perf_counter()
        phones, last4s = fill(cache, entities, rng)
        print(f"prime {entities:,} clients + {entities:,} cards: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        fill(cache, entities, random.Random(7))  # the same snapshot again, as at each console start
        print(f"prime the same snapshot again: {time.perf_counter() - start:.1f} s")
        mix = queries(rng, phones, last4s, 400)
        for kind, text in mix[:20]:  # warm the page cache, as a running console would have it
            cache.search(kind, text)
        search = [t for kind, text in mix for t in timed(partial(cache.search, kind, text, limit=50))]
        count = [t for kind, text in mix for t in timed(partial(cache.count, kind, text))]
        page = timed(lambda: cache.search("clients", limit=50, offset=0), 50)
        deep = timed(lambda: cache.search("clients", limit=50, offset=entities - 100), 20)
        last = cache.search("clients", limit=50, offset=entities - 150)[-1]
        keyset = timed(lambda: cache.search("clients", limit=50, after=last), 50)
    print(f"search over {entities:,} entities (page of 50, {len(mix)} mixed queries):")
    print(
        f"  search  median {statistics.median(search):6.2f} ms   p95 {percentile(search, 0.95):6.2f} ms"
        f"   max {max(search):6.2f} ms   (target: median < 20 ms)"
    )
    print(f"  count   median {statistics.median(count):6.2f} ms   p95 {percentile(count, 0.95):6.2f} ms")
    print(
        f"  no filter, first page median {statistics.median(page):.2f} ms; offset {entities - 100:,}: "
        f"{statistics.median(deep):.2f} ms; keyset at the same depth: {statistics.median(keyset):.2f} ms"
    )
    for verify in (False, True):
        opened = timed(partial(_open_and_close, path, verify), 5)
        label = "with quick_check" if verify else "usual (check due daily)"
        size = path.stat().st_size / 1e6
        print(f"  open the {size:.0f} MB cache, {label}: {statistics.median(opened):.1f} ms")


def _open_and_close(path: Path, verify: bool) -> None:
    EntityCache.open(path, profile="bench", verify=verify).close()


def events(n: int) -> tuple[RequestSent, ResponseReceived]:
    rid = f"00000000-0000-4000-8000-{n:012d}"
    now = datetime.now(UTC)
    body = {"request_id": rid, "card_id": "7001234", "description": "lost"}
    return (
        RequestSent("card.block", "/v5/card-api/card/block", rid, {"card_id": "7001234"}, body, True, now),
        ResponseReceived(
            "card.block", rid, "ok", "process", {"status": "ok", "request_status": "process"}, 42.0, now
        ),
    )


def bench_journal(folder: Path, appends: int) -> None:
    path = folder / "journal.sqlite3"
    pairs = [events(n) for n in range(appends)]
    with Journal.open(path, profile="bench") as journal:
        start = time.perf_counter()
        for sent, _ in pairs:
            journal.record(sent)
        elapsed = time.perf_counter() - start
    print(
        f"journal appends: {appends / elapsed:,.0f} per second ({appends:,} RequestSent, "
        "one write transaction each, WAL, synchronous=NORMAL; target > 5,000)"
    )

    costs: list[float] = []
    with Journal.open(folder / "journal2.sqlite3", profile="bench") as journal:
        for sent, answer in pairs[:5000]:
            start = time.perf_counter()
            journal.record(sent)
            journal.record(answer)
            costs.append((time.perf_counter() - start) * 1e6)
    print(
        f"journal cost per API call (sent + answered): median {statistics.median(costs):.0f} µs, "
        f"p95 {percentile(costs, 0.95):.0f} µs"
    )

    with (
        Journal.open(folder / "journal3.sqlite3", profile="bench") as journal,
        EntityCache.open(folder / "cache3.sqlite3", profile="bench") as cache,
    ):
        both: list[float] = []
        for sent, answer in pairs[:5000]:
            start = time.perf_counter()
            for subscriber in (journal.record, cache.ingest):
                subscriber(sent)
                subscriber(answer)
            both.append((time.perf_counter() - start) * 1e6)
    print(
        f"journal + cache subscribers per API call: median {statistics.median(both):.0f} µs, "
        f"p95 {percentile(both, 0.95):.0f} µs"
    )

    # `fpconsole journal verify` walks the whole chain: what a full journal costs to check.
    with Journal.open(path, profile="bench") as journal:
        start = time.perf_counter()
        report = journal.verify()
        elapsed = time.perf_counter() - start
    print(
        f"journal verify: {report.entries:,} entries in {elapsed * 1000:.0f} ms "
        f"({report.entries / elapsed:,.0f} per second; intact: {report.intact})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fpconsole-bench-") as folder:
        bench_search(Path(folder), args.entities)
        bench_journal(Path(folder), args.appends)


if __name__ == "__main__":
    main()
