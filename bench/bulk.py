"""Bulk onboarding throughput: rows per second for a 1,000-row file against the SERVED sandbox.

`fpconsole sandbox serve --delay 0` runs in a subprocess on a free loopback port (uvicorn, one
worker); this process runs BulkRunner with the real client over HTTP, resume state in a
throwaway FPCONSOLE_HOME. Each figure is one full run of the file: every row a client.add, a
card (card.issue, or its share of a card.bulk_issue plus a card.link), a card.info, and the
request/status polls in between; the rows are checked to be all done.

    python bench/bulk.py [--rows 1000] [--in-flight 4,6,8,12,16] [--cards each,bulk] [--poll 0.01]

--poll is the first request/status delay. The sandbox settles a request on the next call
(--delay 0), so the figure measures the client, the runner and the server, not waiting; with a
real API the settle time dominates and in_flight is what buys throughput.

Peak memory: this process's max RSS (getrusage) and the server's RSS at the end (psutil).
Target: >= 100 rows/s in each mode at its best in_flight. On two cores the client (httpx) is the
bottleneck at about 6 ms of CPU per row; past ~8 in flight more connections only add pool
overhead, so 8 (the command's default) is usually the best figure. It prints, per mode, the
in_flight whose rows/s peaked; run it twice with the levels in reverse order to see that the
peak is not the order (the machine warms up, other work comes and goes).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_ROWS_PER_S = 100.0


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["product_id", "phone", "type", "resident", "first_name", "last_name", "email", "country"]
        )
        for index in range(rows):
            writer.writerow(
                [2000, f"7701{index:07d}", 1, 1, "ALIYA", "SERIKOVA", f"client{index}@example.kz", "KAZ"]
            )


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fpconsole.sandbox.serve", "--port", "0", "--delay", "0"],
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


def server_rss_mb(pid: int) -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    return float(psutil.Process(pid).memory_info().rss) / 2**20


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of this process, or of `pid` (Linux /proc); 0 where unknown."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


async def one_run(
    base_url: str, csv_path: Path, *, in_flight: int, cards: Any, poll: float, profile: str
) -> tuple[float, int, int]:
    from fpconsole.api.client import CardApiClient, PollPolicy
    from fpconsole.bulk import BulkRunner, RetryPolicy, open_file_state, read_bulk_file
    from fpconsole.sandbox.settings import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET

    bulk_file = read_bulk_file(csv_path)
    policy = RetryPolicy(poll=PollPolicy(first_delay=poll, factor=2.0, max_delay=1.0))
    async with CardApiClient(
        base_url=base_url, auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET
    ) as client:
        requests = 0

        def count(event: Any) -> None:
            nonlocal requests
            requests += 1

        client.subscribe(count)
        with open_file_state(profile, bulk_file.fingerprint) as state:
            runner = BulkRunner(
                client, bulk_file.rows, store=state, in_flight=in_flight, cards=cards, policy=policy
            )
            started = time.perf_counter()
            results = await runner.run()
            elapsed = time.perf_counter() - started
    done = sum(1 for r in results if r.status == "done")
    return len(results) / elapsed, done, requests


async def run(args: argparse.Namespace) -> int:
    levels = [int(n) for n in args.in_flight.split(",")]
    modes = args.cards.split(",")
    work = Path(tempfile.mkdtemp(prefix="fpconsole-bench-"))
    os.environ["FPCONSOLE_HOME"] = str(work / "home")  # resume state: throwaway
    csv_path = work / "clients.csv"
    write_csv(csv_path, args.rows)
    process, base_url = start_server()
    print(
        f"bulk onboarding, {args.rows} rows, served sandbox at {base_url} (--delay 0), Python "
        f"{sys.version.split()[0]}, first poll {args.poll * 1000:g} ms, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    best: dict[str, float] = {}
    peak_at: dict[str, int] = {}
    try:
        for mode in modes:
            for in_flight in levels:
                cpu_before, server_before = cpu_seconds(), cpu_seconds(process.pid)
                rate, done, events = await one_run(
                    base_url,
                    csv_path,
                    in_flight=in_flight,
                    cards=mode,
                    poll=args.poll,
                    profile=f"bench-{mode}-{in_flight}",
                )
                if rate > best.get(mode, 0.0):
                    best[mode], peak_at[mode] = rate, in_flight
                # CPU per row does not depend on what else the machine is doing; the wall-clock
                # rate does (client and server share the cores with everything else).
                client_ms = (cpu_seconds() - cpu_before) * 1000 / args.rows
                server_ms = (cpu_seconds(process.pid) - server_before) * 1000 / args.rows
                status = "ok" if done == args.rows else f"ONLY {done} DONE"
                print(
                    f"  cards={mode:<4} in_flight={in_flight:<3} {rate:8.1f} rows/s  "
                    f"CPU per row: client {client_ms:.1f} ms, server {server_ms:.1f} ms  "
                    f"({events / args.rows:.0f} client events per row)  {status}",
                    flush=True,
                )
        client_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        server = server_rss_mb(process.pid)
        print(
            f"peak RSS: this process {client_peak:.0f} MiB"
            + (f", server {server:.0f} MiB at the end" if server is not None else "")
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    met = all(rate >= TARGET_ROWS_PER_S for rate in best.values())
    figures = ", ".join(f"{mode} {rate:.1f} (at in_flight {peak_at[mode]})" for mode, rate in best.items())
    verdict = "meets" if met else "MISSES"
    print(f"best rows/s per mode: {figures}: {verdict} the {TARGET_ROWS_PER_S:g} rows/s target")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--in-flight", default="4,6,8,12,16", help="comma-separated in_flight values")
    parser.add_argument("--cards", default="each,bulk", help="comma-separated modes: each, bulk")
    parser.add_argument("--poll", type=float, default=0.01, help="first request/status delay, seconds")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
