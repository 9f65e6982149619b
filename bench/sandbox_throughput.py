"""Sandbox throughput: signed card/info requests per second.

Three views, each with 1, 8 and 32 concurrent clients (keep-alive), answered by the real engine
(a seeded card, so the read does real work):

- in-process over httpx.ASGITransport: the app and engine with no sockets, sharing one thread
  with the httpx client that signs and parses each call (so not an upper bound either);
- over loopback HTTP with an httpx.AsyncClient load generator in this process, against
  `fpconsole sandbox serve --delay 0` (uvicorn, one worker, in a subprocess). Each request is
  freshly signed, as a real client would. This is the *client's* view: on a 2-core machine the
  Python load generator saturates first and the server idles at 30-45 % of a core;
- over loopback HTTP with `wrk` (C, one thread) against the same server: the *server's* view,
  the one the target is about. card/info is a read and the sandbox keeps no record of a read's
  request_id, so one request signed with the project's own signing code is replayed (the bench
  checks first that the sandbox answers the same signed read repeatedly, and wrk checks every
  answer is a 200 with "status":"ok"). Prints req/s, latency p50/p99 and the server's CPU share.

    python bench/sandbox_throughput.py [--seconds 3] [--concurrency 1,8,32] [--no-http] [--no-wrk]

Without wrk (`apt-get install -y wrk`) the bench says so and prints the other figures. The whole
run takes about 35 s with the defaults. uvicorn picks httptools/uvloop when they are installed
(`uvicorn[standard]`), h11/asyncio otherwise; the figures say which one ran.
Target: >= 1,000 req/s over loopback HTTP on one worker (judged on the wrk figures).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx

from fpconsole.api.signing import HEADER_NAME, sign
from fpconsole.sandbox.embedded import embedded_transport
from fpconsole.sandbox.settings import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET, SandboxSettings

PATH = "/v5/card-api/card/info"
TARGET_RPS: Final = 1_000
WRK_INSTALL: Final = "apt-get install -y wrk (Debian/Ubuntu; brew install wrk on macOS)"


def signed(card_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"request_id": str(uuid.uuid4()), "card_id": card_id}, separators=(",", ":")).encode()
    signature = sign(body, uri=PATH, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET)
    return body, {"Content-Type": "application/json", HEADER_NAME: signature}


def _snapshot_request() -> tuple[bytes, dict[str, str]]:
    body = b'{"limit":1}'
    signature = sign(
        body, uri="/sandbox/snapshot", auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET
    )
    return body, {HEADER_NAME: signature}


async def first_card(client: httpx.AsyncClient) -> str:
    body, headers = _snapshot_request()
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


# --- wrk: the server's view ---------------------------------------------------------------------

# wrk runs this in each of its threads; `response` checks every answer (a signature refusal would be a
# 200 with "status":"error" by default, which wrk alone would count as a success), and `done`
# prints one JSON line for the bench. Latencies are in microseconds.
WRK_SCRIPT: Final = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["{header}"] = [==[{signature}]==]

local threads = {{}}
function setup(thread) table.insert(threads, thread) end

bad = 0
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"ok"', 1, true) then bad = bad + 1 end
end

function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '{{"requests":%d,"duration_us":%d,"p50_us":%.0f,"p99_us":%.0f,"bad":%d,"socket_errors":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), b,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class WrkFigure:
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int
    socket_errors: int
    server_busy: float | None


def replay_check(base_url: str) -> tuple[bytes, dict[str, str]] | str:
    """One signed card/info request the sandbox answers "ok" three times in a row, or why not.

    wrk sends the same bytes again and again; that is honest only if the sandbox accepts a
    replayed signed read (it does: reads are answered at once and their request_id is not
    recorded, unlike state-changing calls, whose repeated request_id is `duplicate_request_id`).
    """
    with httpx.Client(base_url=base_url) as client:
        snap_body, snap_headers = _snapshot_request()
        snapshot = client.post("/sandbox/snapshot", content=snap_body, headers=snap_headers).json()
        body, headers = signed(str(snapshot["cards"][0]["card_id"]))
        for attempt in range(1, 4):
            answer = client.post(PATH, content=body, headers=headers)
            if answer.status_code != 200 or b'"status":"ok"' not in answer.content:
                return (
                    f"the sandbox refused copy #{attempt} of the same signed read (HTTP "
                    f"{answer.status_code}: {answer.text[:120]!r}); replaying one request would measure "
                    "refusals, so a wrk Lua script cycling pre-signed requests is needed instead"
                )
    return body, headers


def run_wrk(
    base_url: str, server_pid: int, body: bytes, headers: dict[str, str], connections: int, seconds: float
) -> WrkFigure | str:
    """One wrk run (one thread, so the other core stays with the server); a figure or an error."""
    text = body.decode("ascii")
    assert "]==]" not in text  # Lua long-bracket strings: no escaping needed otherwise
    script = WRK_SCRIPT.format(body=text, header=HEADER_NAME, signature=headers[HEADER_NAME])
    with tempfile.TemporaryDirectory(prefix="fpconsole-wrk-") as tmp:
        script_path = os.path.join(tmp, "card_info.lua")
        with open(script_path, "w") as handle:
            handle.write(script)
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
            "-s", script_path, base_url + PATH,
        ]  # fmt: skip
        cpu_before, wall_before = cpu_seconds(server_pid), time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 20, check=False)
        except subprocess.TimeoutExpired:
            return "wrk did not finish in time"
        cpu_after, wall = cpu_seconds(server_pid), time.perf_counter() - wall_before
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[:200]}"
    result = json.loads(lines[-1])
    busy = None
    if cpu_before is not None and cpu_after is not None:
        busy = (cpu_after - cpu_before) / wall
    return WrkFigure(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        bad=int(result["bad"]),
        socket_errors=int(result["socket_errors"]),
        server_busy=busy,
    )


def wrk_figures(base_url: str, server_pid: int, levels: list[int], seconds: float, label: str) -> None:
    if shutil.which("wrk") is None:
        print(f"wrk (server's view): not installed, figures skipped; install it with: {WRK_INSTALL}")
        return
    checked = replay_check(base_url)
    if isinstance(checked, str):
        print(f"wrk (server's view): skipped: {checked}")
        return
    body, headers = checked
    lowest: float | None = None
    for connections in levels:
        figure = run_wrk(base_url, server_pid, body, headers, connections, seconds)
        if isinstance(figure, str):
            print(f"{label:<42} {connections:>4} clients  {figure}", flush=True)
            lowest = 0.0
            continue
        note = f"  p50 {figure.p50_ms:.2f} ms  p99 {figure.p99_ms:.2f} ms"
        if figure.server_busy is not None:
            note += f"  server CPU {figure.server_busy:.0%}"
        if figure.bad or figure.socket_errors:
            note += f"  ({figure.bad} not ok, {figure.socket_errors} socket errors)"
        print(f"{label:<42} {connections:>4} clients  {figure.rps:>8,.0f} req/s{note}", flush=True)
        ok_rps = 0.0 if figure.bad or figure.socket_errors else figure.rps
        lowest = ok_rps if lowest is None else min(lowest, ok_rps)
    if lowest is not None:
        verdict = "met" if lowest >= TARGET_RPS else "NOT met"
        print(f"target >= {TARGET_RPS:,} req/s on one worker (wrk, every level, no failures): {verdict}")


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
    process, base_url = start_server(["--delay", "0"])
    try:
        print(f"server: fpconsole sandbox serve --delay 0, 1 uvicorn worker, {server_stack()}")
        label = "HTTP, httpx load generator (client view)"
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
        if not args.no_wrk:
            wrk_figures(base_url, process.pid, levels, args.seconds, "HTTP, wrk -t1 (server view)")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def main(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk figures")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
