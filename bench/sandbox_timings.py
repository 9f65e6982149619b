"""Sandbox timings the tests used to assert and now only check for correctness: how long
seeding takes, how fast a held (timeout-fault) request ends when its client gives up, and how
close latency faults land to what was asked.

    python bench/sandbox_timings.py [--repeat 5]

Prints one line per figure (best and median of --repeat runs). Nothing here fails: the figures
are for a human to compare between changes and machines (a loaded 2-core CI box runs slower).
Reference, idle 2-core machine: seed(50) ~0.5 s; a given-up hold ends in a few ms after the
client's 0.3 s deadline; latency=150ms answers in ~155 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox.app import create_app
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.faults import parse_fault_spec
from fpconsole.sandbox.settings import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET, SandboxSettings

PARTNER = BUILTIN_SANDBOX_AUTH_ID
NOW = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)
CARD_INFO = "/v5/card-api/card/info"
BODY = {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001001"}


def seed_seconds() -> float:
    with tempfile.TemporaryDirectory() as folder:
        engine = SandboxEngine(Path(folder) / "seeded.sqlite3", delay=0, clock=lambda: NOW)
        try:
            started = time.perf_counter()
            engine.seed(50, partner=PARTNER)
            return time.perf_counter() - started
        finally:
            engine.close()


def _signed(path: str, payload: object) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = sign(body, uri=path, auth_id=PARTNER, secret=BUILTIN_SANDBOX_SECRET)
    return body, {"Content-Type": "application/json", HEADER_NAME: signature}


def _client(faults: str) -> httpx.AsyncClient:
    settings = SandboxSettings.default(delay=0, faults=parse_fault_spec(faults), seed=1)
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://sandbox.bench")


async def given_up_hold_seconds() -> float:
    """From the client's 0.3 s deadline to the request actually ending (hold is 120 s)."""
    body, headers = _signed(CARD_INFO, BODY)
    async with _client("timeout_rate=1") as client:
        started = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.post(CARD_INFO, content=body, headers=headers), timeout=0.3)
        return time.perf_counter() - started - 0.3


async def latency_seconds() -> float:
    body, headers = _signed(CARD_INFO, BODY)
    async with _client("latency=150ms") as client:
        await client.post(CARD_INFO, content=body, headers=headers)  # opens and seeds the engine
        started = time.perf_counter()
        await client.post(CARD_INFO, content=body, headers=headers)
        return time.perf_counter() - started


def report(label: str, samples: list[float]) -> None:
    best, median = min(samples), statistics.median(samples)
    print(f"{label:<44} best {best * 1000:8.1f} ms   median {median * 1000:8.1f} ms   (n={len(samples)})")


async def run(repeat: int) -> None:
    report("seed(50) into a file database", [seed_seconds() for _ in range(repeat)])
    report(
        "timeout fault: end after the client gave up", [await given_up_hold_seconds() for _ in range(repeat)]
    )
    report("latency=150ms fault: answer time", [await latency_seconds() for _ in range(repeat)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure")
    args = parser.parse_args(argv)
    asyncio.run(run(max(args.repeat, 1)))


if __name__ == "__main__":
    main()
