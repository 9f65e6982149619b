"""Sandbox throughput: signed card/info requests per second.

Over loopback HTTP against `fpconsole sandbox serve` (uvicorn, one worker, in a subprocess) with
1, 8 and 32 concurrent clients (httpx.AsyncClient, keep-alive), and in-process over
httpx.ASGITransport. Each request is freshly signed, as a real client would, and answered by the
real engine (a seeded card, so the read does real work).

    python bench/sandbox_throughput.py [--seconds 3] [--concurrency 1,8,32] [--no-http]

uvicorn picks httptools/uvloop when they are installed (`uvicorn[standard]`), h11/asyncio
otherwise; the figures say which one ran. Target: >= 1,000 rps over HTTP on one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET, SandboxSettings

PATH = "/v5/card-api/card/info"


def signed(card_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"request_id": str(uuid.uuid4()), "card_id": card_id}, separators=(",", ":")).encode()
    signature = sign(body, uri=PATH, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET)
    return body, {"Content-Type": "application/json", HEADER_NAME: signature}


async def first_card(client: httpx.AsyncClient) -> str:
    body = b'{"limit":1}'
    headers = {
        HEADER_NAME: sign(
            body, uri="/sandbox/snapshot", auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET
        )
    }
    response = await client.post("/sandbox/snapshot", content=body, headers=headers)
    return str(response.json()["cards"][0]["card_id"])


async def hammer(
    make_client: Callable[[], httpx.AsyncClient], concurrency: int, seconds: float
) -> tuple[float, int]:
    """Requests per second and the number of failures, over `seconds` after a short warm-up."""
    async with make_client() as client:
        card_id = await first_card(client)
        done = 0
        failed = 0
        stop_at = 0.0

        async def worker() -> None:
            nonlocal done, failed
            while time.perf_counter() < stop_at:
                body, headers = signed(card_id)
                response = await client.post(PATH, content=body, headers=headers)
                if response.status_code != 200 or response.json().get("status") != "ok":
                    failed += 1
                done += 1

        stop_at = time.perf_counter() + 0.5  # warm-up: connections, caches
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        done = failed = 0
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - started), failed


def start_server(extra: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fpconsole.sandbox.serve", "--port", "0", "--seed", "5", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"serve did not start: {line!r}")
    return process, line.split("listening on", 1)[1].strip()


def server_stack() -> str:
    found = []
    for name in ("httptools", "uvloop"):
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return "+".join(found) if found else "h11+asyncio (pure Python)"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def report(label: str, concurrency: int, rps: float, failed: int, server_busy: float | None = None) -> None:
    note = f"  ({failed} failed)" if failed else ""
    if server_busy:
        # On a small machine the load generator competes with the server for the same cores;
        # the server's own CPU share tells how much more one worker could take.
        note += f"  server CPU {server_busy:.0%} -> ~{rps / server_busy:,.0f} req/s per busy core"
    print(f"{label:<42} {concurrency:>4} clients  {rps:>8,.0f} req/s{note}", flush=True)


async def run(args: argparse.Namespace) -> None:
    levels = [int(n) for n in args.concurrency.split(",")]
    print(f"signed card/info, {args.seconds:g} s per figure, Python {sys.version.split()[0]}")
    transport = embedded_transport(SandboxSettings.default(delay=0, seed=5))
    for concurrency in levels:

        def in_process() -> httpx.AsyncClient:
            return httpx.AsyncClient(transport=transport, base_url="http://sandbox.embedded")

        rps, failed = await hammer(in_process, concurrency, args.seconds)
        report("in-process (ASGITransport)", concurrency, rps, failed)
    await transport.aclose()
    if args.no_http:
        return
    process, base_url = start_server([])
    try:
        label = f"HTTP, 1 worker, {server_stack()}"
        for concurrency in levels:
            limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
            cpu_before, wall_before = cpu_seconds(process.pid), time.perf_counter()
            rps, failed = await hammer(
                functools.partial(httpx.AsyncClient, base_url=base_url, limits=limits),
                concurrency,
                args.seconds,
            )
            cpu_after, wall = cpu_seconds(process.pid), time.perf_counter() - wall_before
            busy = None
            if cpu_before is not None and cpu_after is not None:
                busy = (cpu_after - cpu_before) / wall
            report(label, concurrency, rps, failed, busy)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def main(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
