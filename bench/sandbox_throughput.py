"""Sandbox throughput beside a bare Starlette endpoint: reads and writes per second over loopback
HTTP, for 1 and 2 uvicorn workers, and the sandbox's share of the bare figure.

For each worker count the bench starts, one after the other, under the same uvicorn (whatever
it picks: httptools/uvloop with `uvicorn[standard]`, h11/asyncio without):

- `fpconsole sandbox serve --delay 0 --seed 3 --db FILE --workers N` (a fresh file database);
- bench/apps/bare_starlette.py: the same paths answered with a fixed `ok` after reading the
  body; no signature, no validation, no database. The framework's floor.

and drives each with `wrk` (C, one thread, keep-alive connections):

- reads: signed `card/info` of a seeded card. The sandbox keeps no record of a read's
  request_id, so one signed request is replayed (checked first: the sandbox answers the same
  signed read "ok" three times);
- writes: signed `client/add`, each with its own request_id, pre-signed with the project's own
  signing code and cycled by wrk's Lua script. With --delay 0 each answer is `process` and the
  write is applied in its own transaction, so a write's cost is recording and applying it.

The sandbox answers reads on the event loop (an engine that never writes nor waits) and writes in
engine threads, which take turns at the file's write lock (engine/store.py: FileWriteLock).

wrk checks every answer is a 200 with "status":"ok"; a figure with failures says so. Prints
req/s, p50/p99 latency, the server's CPU time per request (all its processes, with psutil) and
the ratio sandbox/bare per row; the goals are a ratio >= 0.6 for reads and >= 0.45 for writes.
On a machine busy with other work the req/s of both fall and their ratio with them; the ratio of
CPU per request says what the sandbox costs beside the bare endpoint all the same. --repeat N
measures every pair N times (bare, then sandbox, each time) and prints the run with the median
ratio, and the median of the CPU ratios: on a shared machine one run says little.

    python bench/sandbox_throughput.py [--seconds 3] [--connections 16] [--workers 1,2] [--repeat 1]

Needs wrk (`apt-get install -y wrk`): a Python load generator on the same small machine
saturates long before the server does. The whole run takes about 40 s with the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from fpconsole.api.sandbox_partner import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET
from fpconsole.api.signing import HEADER_NAME, sign

READ_PATH: Final = "/v5/card-api/card/info"
WRITE_PATH: Final = "/v5/card-api/client/add"
GOALS: Final = {"reads": 0.6, "writes": 0.45}
WRK_INSTALL: Final = "apt-get install -y wrk (Debian/Ubuntu; brew install wrk on macOS)"
ROOT: Final = Path(__file__).resolve().parents[1]
START_WAIT_S: Final = 60.0
# Pre-signed writes per second of measuring: above what one host answers, so wrk never wraps
# around to a request_id already used (which the sandbox would refuse, and the figure would say).
WRITES_PER_SECOND_BOUND: Final = 12_000


def signature(body: bytes, path: str) -> str:
    return sign(body, uri=path, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET)


def compact(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def read_request(card_id: str) -> tuple[bytes, str]:
    body = compact({"request_id": str(uuid.uuid4()), "card_id": card_id})
    return body, signature(body, READ_PATH)


def write_requests(count: int) -> list[tuple[bytes, str]]:
    found = []
    for n in range(count):
        person = {
            "phone": 77010000000 + n,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
        }
        body = compact({"request_id": str(uuid.uuid4()), "product_id": 2000, "client": person})
        found.append((body, signature(body, WRITE_PATH)))
    return found


# --- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    label: str
    process: subprocess.Popen[bytes]
    base_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_answering(process: subprocess.Popen[bytes], base_url: str, path: str) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {base_url} exited with {process.returncode}")
        try:
            httpx.post(base_url + path, content=b"{}", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server for {base_url} did not answer within {START_WAIT_S:g} s")


def start_sandbox(workers: int, db: Path) -> Server | str:
    """The sandbox with N workers, or why it cannot be started (an older serve without --workers)."""
    port = free_port()
    command = [
        sys.executable, "-m", "fpconsole.sandbox.serve", "--port", str(port), "--delay", "0",
        "--seed", "3", "--db", str(db),
    ]  # fmt: skip
    if workers != 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(process, base_url, "/sandbox/health")
    except SystemExit as exc:
        error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
        return f"{exc}: {error[-300:]}"
    assert process.stderr is not None
    process.stderr.close()
    return Server(f"sandbox, {workers} worker{'s' if workers > 1 else ''}", process, base_url)


def start_bare(workers: int) -> Server:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench" / "apps"), "bare_starlette:app",
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    _wait_until_answering(process, base_url, READ_PATH)
    return Server(f"bare Starlette, {workers} worker{'s' if workers > 1 else ''}", process, base_url)


def first_card(base_url: str) -> str:
    body = b'{"limit":1}'
    headers = {HEADER_NAME: signature(body, "/sandbox/snapshot")}
    answer = httpx.post(base_url + "/sandbox/snapshot", content=body, headers=headers, timeout=30).json()
    return str(answer["cards"][0]["card_id"])


def replay_check(base_url: str, body: bytes, signed: str) -> str | None:
    headers = {"Content-Type": "application/json", HEADER_NAME: signed}
    for attempt in range(1, 4):
        answer = httpx.post(base_url + READ_PATH, content=body, headers=headers, timeout=30)
        if answer.status_code != 200 or b'"status":"ok"' not in answer.content:
            return f"the sandbox refused copy #{attempt} of one signed read: {answer.text[:120]!r}"
    return None


# --- wrk ----------------------------------------------------------------------------------------

# wrk runs this in its thread; `response` checks every answer (a refusal is a 200 with
# "status":"error", which wrk alone would count as a success) and `done` prints one JSON line.
WRK_SCRIPT: Final = """
local requests = {{
{requests}
}}
local count = #requests
local index = 0
bad = 0

function request()
  index = index + 1
  local r = requests[(index - 1) % count + 1]
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json", ["{header}"] = r[2]}}, r[1])
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"status":"ok"', 1, true) then bad = bad + 1 end
end

local threads = {{}}
function setup(thread) table.insert(threads, thread) end

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
class Figure:
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    # The server's CPU time (all its processes) per answered request: what the req/s would be
    # bounded by on an idle machine. On a busy one (others' jobs on the same cores) req/s drops
    # for both servers alike, while this stays close to the cost of one request.
    cpu_us: float | None = None

    def shown(self) -> str:
        note = f"  ({self.failures} failed)" if self.failures else ""
        cpu = f"  CPU {self.cpu_us:5.0f} us/req" if self.cpu_us is not None else ""
        return f"{self.rps:>8,.0f} req/s  p50 {self.p50_ms:5.2f} ms  p99 {self.p99_ms:6.2f} ms{cpu}{note}"


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its children (the workers); None without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        root = psutil.Process(pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return None


def _lua_string(data: bytes | str) -> str:
    text = data.decode("ascii") if isinstance(data, bytes) else data
    assert "]==]" not in text  # Lua long brackets: nothing else needs escaping
    return f"[==[{text}]==]"


def run_wrk(
    server: Server, path: str, requests: list[tuple[bytes, str]], connections: int, seconds: float
) -> Figure:
    entries = ",\n".join(f"{{{_lua_string(body)}, {_lua_string(signed)}}}" for body, signed in requests)
    script = WRK_SCRIPT.format(requests=entries, path=path, header=HEADER_NAME)
    with tempfile.TemporaryDirectory(prefix="fpconsole-wrk-") as tmp:
        script_path = Path(tmp) / "requests.lua"
        script_path.write_text(script)
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(script_path), server.base_url + path,
        ]  # fmt: skip
        cpu_before = tree_cpu_seconds(server.process.pid)
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
        cpu_after = tree_cpu_seconds(server.process.pid)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()[:300]}")
    result = json.loads(lines[-1])
    return Figure(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        failures=int(result["bad"]) + int(result["socket_errors"]),
        cpu_us=(cpu_after - cpu_before) / result["requests"] * 1e6
        if cpu_before is not None and cpu_after is not None and result["requests"]
        else None,
    )


def server_stack() -> str:
    found = []
    for name in ("httptools", "uvloop"):
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return "+".join(found) if found else "h11+asyncio (pure Python)"


def measure(server: Server, kind: str, requests: list[tuple[bytes, str]], args: argparse.Namespace) -> Figure:
    path = READ_PATH if kind == "reads" else WRITE_PATH
    return run_wrk(server, path, requests, args.connections, args.seconds)


def run(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print(f"wrk is not installed; install it with: {WRK_INSTALL}")
        return 1
    levels = [int(n) for n in args.workers.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(
        f"load average {load:.1f} at the start: figures from a busy machine understate both servers\n"
        f"wrk -t1 -c{args.connections}, {args.seconds:g} s per figure, Python {sys.version.split()[0]}, "
        f"uvicorn with {server_stack()}, {os.cpu_count()} cores"
    )
    verdicts: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="fpconsole-bench-") as tmp:
        for workers in levels:
            runs: dict[str, list[tuple[Figure, Figure]]] = {"reads": [], "writes": []}
            for attempt in range(args.repeat):
                figures = measure_pair(workers, Path(tmp) / f"sandbox-{workers}-{attempt}.sqlite3", args)
                if figures is None:
                    break
                for kind, pair in figures.items():
                    runs[kind].append(pair)
            for kind, pairs in runs.items():
                if pairs:
                    verdicts.append(report(workers, kind, pairs))
    return 0 if all(verdicts) else 1


def measure_pair(workers: int, db: Path, args: argparse.Namespace) -> dict[str, tuple[Figure, Figure]] | None:
    """(sandbox, bare) figures of reads and writes with N workers; None when the sandbox did not start."""
    bare = start_bare(workers)
    try:
        bare_read = measure(bare, "reads", [read_request("7001001")], args)
        bare_write = measure(bare, "writes", write_requests(2000), args)
    finally:
        bare.stop()
    sandbox = start_sandbox(workers, db)
    if isinstance(sandbox, str):
        print(f"{workers} worker(s): the sandbox did not start: {sandbox}")
        return None
    write_count = int(args.seconds * WRITES_PER_SECOND_BOUND) + 1000
    try:
        read = read_request(first_card(sandbox.base_url))
        problem = replay_check(sandbox.base_url, *read)
        if problem:
            raise SystemExit(problem)
        return {
            "reads": (measure(sandbox, "reads", [read], args), bare_read),
            "writes": (measure(sandbox, "writes", write_requests(write_count), args), bare_write),
        }
    finally:
        sandbox.stop()


def _ratio(pair: tuple[Figure, Figure]) -> float:
    own, floor = pair
    return own.rps / floor.rps if floor.rps else 0.0


def report(workers: int, kind: str, pairs: list[tuple[Figure, Figure]]) -> bool:
    """Prints the run with the median ratio (and the median CPU ratio of all runs); met or not."""
    ordered = sorted(pairs, key=_ratio)
    own, floor = ordered[(len(ordered) - 1) // 2]
    ratio = _ratio((own, floor))
    met = ratio >= GOALS[kind] and not any(o.failures for o, _ in pairs)
    cpu_ratios = sorted(f.cpu_us / o.cpu_us for o, f in pairs if o.cpu_us and f.cpu_us)
    cpu_ratio = ""
    if cpu_ratios:
        cpu_ratio = f"; by CPU per request {statistics.median(cpu_ratios):.2f}"
    runs = (
        f", median of {len(pairs)} runs: {' '.join(f'{_ratio(p):.2f}' for p in ordered)}"
        if len(pairs) > 1
        else ""
    )
    print(
        f"{workers} worker{'s' if workers > 1 else ' '} {kind:<6}  sandbox {own.shown()}\n"
        f"{'':16}bare    {floor.shown()}\n"
        f"{'':16}ratio {ratio:.2f} (goal >= {GOALS[kind]}: {'met' if met else 'NOT met'}){cpu_ratio}{runs}",
        flush=True,
    )
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure")
    parser.add_argument("--connections", type=int, default=16, help="wrk's keep-alive connections")
    parser.add_argument("--workers", default="1,2", help="comma-separated uvicorn worker counts")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure each pair N times; print the median (shared machines)"
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
