"""What the Card API client costs on top of bare httpx, and what importing it costs.

    python bench/client_overhead.py [--calls 5000] [--imports 7]

1. Per call: `CardApiClient.call("card.info", ...)` (build + validate + sign + send + parse +
   events) against a bare `httpx.AsyncClient.post` of a prebuilt body followed by
   `response.json()`, both on the same `httpx.MockTransport` handler. Median µs per call each
   way and the difference. Target: the difference < 150 µs.
2. Import time, in fresh interpreters (median of N): `fpconsole.api`, and
   `fpconsole.api.client` + `fpconsole.api.methods`. Target: < 120 ms. Then the same split:
   the dependencies alone (asyncio, httpx, pydantic), and fpconsole's own modules after them.

Prints figures only; nothing is asserted (speed is not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

from fpconsole.api.client import CardApiClient
from fpconsole.api.signing import sign

BASE_URL = "http://card-api.bench"
PATH = "/v5/card-api/card/info"
ANSWER = json.dumps(
    {
        "status": "ok",
        "request_status": "success",
        "dt": "2025-05-01T10:00:00+05:00",
        "card": {
            "card_id": "7001234",
            "card_mask": "440043******1237",
            "status": "active",
            "client_id": "CL-100045",
            "product_id": 2000,
            "expiry": "09/29",
            "currency": "KZT",
            "iban": "KZ000000000000000001",
        },
    },
    separators=(",", ":"),
).encode()


def handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=ANSWER, headers={"Content-Type": "application/json"})


async def _timed(calls: int, one: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(500, calls // 10 + 1)):  # warm-up: schemas built, caches filled
        await one()
    samples: list[float] = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        await one()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


async def per_call(calls: int) -> tuple[float, float]:
    body = {"card_id": "7001234"}
    async with httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(handler)) as bare:
        raw = b'{"request_id":"0f8fad5b-d9cb-469f-a165-70867728950e","card_id":"7001234"}'
        headers = {
            "Content-Type": "application/json",
            "X-JWS-Signature": sign(raw, uri=PATH, auth_id="100500", secret="bench-secret"),
        }

        async def bare_call() -> object:
            response = await bare.post(PATH, content=raw, headers=headers)
            return response.json()

        bare_samples = await _timed(calls, bare_call)

    client = CardApiClient(
        base_url=BASE_URL, auth_id="100500", secret="bench-secret", transport=httpx.MockTransport(handler)
    )
    client.subscribe(lambda event: None)  # one subscriber, as the journal would be
    async with client:

        async def client_call() -> object:
            return await client.call("card.info", body)

        client_samples = await _timed(calls, client_call)
    return statistics.median(bare_samples), statistics.median(client_samples)


# What the client cannot do without, imported before the clock starts for the "ours" line:
# asyncio, httpx (its CLI blocked, as fpconsole.api does) and pydantic's model machinery.
DEPENDENCIES = (
    "import sys; sys.modules.setdefault('httpx._main', None); "
    "import asyncio, httpx, pydantic, pydantic.main, pydantic_core"
)


def import_ms(statement: str, runs: int, before: str = "pass") -> float:
    code = (
        f"{before}; import time; started = time.perf_counter(); "
        f"{statement}; "
        "print((time.perf_counter() - started) * 1000)"
    )
    samples = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        samples.append(float(done.stdout))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--imports", type=int, default=7)
    args = parser.parse_args()

    bare, client = asyncio.run(per_call(args.calls))
    print(f"card.info x {args.calls} on httpx.MockTransport (median per call)")
    print(f"  bare httpx post + json      {bare:8.1f} µs")
    print(f"  CardApiClient.call          {client:8.1f} µs")
    print(f"  added by the client         {client - bare:8.1f} µs   (target < 150 µs)")

    print(f"import time, fresh interpreter (median of {args.imports})")
    for label, statement in (
        ("fpconsole.api", "import fpconsole.api"),
        ("fpconsole.api.client + methods", "import fpconsole.api.client, fpconsole.api.methods"),
    ):
        print(f"  {label:<30} {import_ms(statement, args.imports):8.1f} ms   (target < 120 ms)")
    # On a slow machine the dependencies alone can exceed the target: say which part is ours.
    deps = import_ms(DEPENDENCIES, args.imports)
    ours = import_ms("import fpconsole.api.client, fpconsole.api.methods", args.imports, before=DEPENDENCIES)
    print(f"  {'of which dependencies':<30} {deps:8.1f} ms   (asyncio, httpx, pydantic)")
    print(f"  {'of which fpconsole':<30} {ours:8.1f} ms   (imported after them)")


if __name__ == "__main__":
    main()
