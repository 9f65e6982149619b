"""Fault drill: `fpconsole bulk` against a served sandbox that fails 10% of calls, is SIGKILLed
mid-run and restarted, while bulk itself is SIGTERMed mid-run and resumed.

    python bench/fault_drill.py [--rows 500] [--faults SPEC] [--in-flight 8] [--delay 0.2]
                                [--kill-at 0.25] [--down 3] [--term-at 0.6] [--json] [--keep]

What it does, in a throwaway FPCONSOLE_HOME whose config has one profile, `drill`, pointing at
the served sandbox (loopback, a free port, a SQLite file):

1. `fpconsole sandbox serve --faults SPEC --db FILE --port P` (default SPEC: 4% API errors,
   3% HTTP 503, 2% connections dropped after the request was applied, 1% requests held
   unanswered — 10% of calls in all);
2. `fpconsole bulk FILE.csv --profile drill` over ROWS rows, run again and again (a row that got
   an injected error fails, and the rerun tries it again) until every row is done;
3. once KILL_AT of the rows are done, the server is SIGKILLed, stays down DOWN seconds, and is
   started again on the same database and port; once TERM_AT are done, bulk gets SIGTERM (it
   must save, print the summary and exit 143), and the next run resumes it;
4. at the end the sandbox is asked (signed /sandbox/snapshot) what it holds.

It prints: rows done, duplicated (clients with the same phone, more than one card for a client:
must be 0), lost (rows not done, or done with an id the sandbox does not have: must be 0), and
the longest silence on the stderr of any bulk run (from its start to its exit: must be < 10 s),
with each run's exit code and time, how long bulk took to stop after SIGTERM, and how long the
server was down. It exits 1 when a must-be does not hold. Figures, not a test; tests/bulk/
test_fault_drill.py runs a small version of it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

DEFAULT_FAULTS = "error_rate=4%,http5xx_rate=3%,drop_rate=2%,timeout_rate=1%,seed=7"
PROGRESS = re.compile(r"^(\d+)/(\d+) done")
MAX_SILENCE_S = 10.0
READ_TIMEOUT_S = 5.0  # the drill profile's: a held request costs 5 s, not 30
MAX_RUNS = 12


@dataclass
class Run:
    number: int
    exit_code: int | None = None
    seconds: float = 0.0
    longest_silence_s: float = 0.0
    silence_after: str = ""  # the line the longest silence followed
    summary: str = ""
    server_killed: bool = False
    sigterm: bool = False
    stop_after_sigterm_s: float | None = None
    exit_after_server_died_s: float | None = None  # when this run stopped by itself (exit 3)
    lines: int = 0


@dataclass
class Figures:
    rows: int
    faults: str
    runs: list[Run] = field(default_factory=list)
    rows_done: int = 0
    duplicated: int = 0
    lost: int = 0
    orphan_cards: int = 0
    longest_silence_s: float = 0.0
    server_down_s: float | None = None
    sandbox_clients: int = 0
    sandbox_cards: int = 0

    @property
    def ok(self) -> bool:
        return (
            self.rows_done == self.rows
            and self.duplicated == 0
            and self.lost == 0
            and self.longest_silence_s < MAX_SILENCE_S
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_csv(path: Path, rows: int) -> set[str]:
    phones = set()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["product_id", "phone", "type", "resident", "first_name", "last_name", "email"])
        for index in range(rows):
            phone = f"7702{index:07d}"
            phones.add(phone)
            writer.writerow([2000, phone, 1, 1, "ALIYA", "DRILL", f"drill{index}@example.kz"])
    return phones


def write_config(home: Path, port: int) -> None:
    config = home / "config"
    config.mkdir(parents=True, mode=0o700)
    (config / "config.toml").write_text(
        f'[profiles.drill]\nkind = "sandbox"\nbase_url = "http://127.0.0.1:{port}"\n'
        f"read_timeout = {READ_TIMEOUT_S}\n",
        encoding="utf-8",
    )


class Server:
    """`fpconsole sandbox serve` in a subprocess, restartable on the same database and port."""

    def __init__(self, home: Path, port: int, faults: str, delay: float, down: float) -> None:
        self.home = home
        self.down = down
        self.port = port
        self.argv = [
            sys.executable,
            "-m",
            "fpconsole",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--db",
            str(home / "sandbox.sqlite3"),
            "--faults",
            faults,
            "--delay",
            str(delay),
        ]
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60.0) -> None:
        self.starts += 1
        log = self.home / f"serve-{self.starts}.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "listening on" in log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise SystemExit(f"sandbox serve exited {self.process.returncode}:\n{log.read_text()}")
            time.sleep(0.05)
        raise SystemExit(f"sandbox serve did not start within {timeout:g} s:\n{log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Lines:
    """Reads a stream in a thread, each line with the moment it arrived."""

    def __init__(self, stream: TextIO) -> None:
        self.items: list[tuple[float, str]] = []
        self.done = 0  # the latest "N/TOTAL done" seen
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            self.items.append((time.monotonic(), line.rstrip("\n")))
            match = PROGRESS.match(line)
            if match:
                self.done = int(match.group(1))

    def join(self) -> None:
        self._thread.join(timeout=30)


def restart_in_background(server: Server, figures: Figures, events: dict[str, Any]) -> threading.Thread:
    def work() -> None:
        down = time.monotonic()
        server.kill()
        time.sleep(server.down)
        try:
            server.start()
        except SystemExit as exc:
            events["restart_failed"] = str(exc)
        figures.server_down_s = time.monotonic() - down

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def run_bulk(
    number: int,
    home: Path,
    csv_path: Path,
    in_flight: int,
    figures: Figures,
    server: Server,
    events: dict[str, Any],
) -> Run:
    run = Run(number)
    env = {**os.environ, "FPCONSOLE_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "fpconsole", "bulk", str(csv_path), "--profile", "drill"]
    argv += ["--in-flight", str(in_flight)]
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    err, out = Lines(process.stderr), Lines(process.stdout)
    termed_at: float | None = None
    killed_at: float | None = None
    while process.poll() is None:
        done = err.done
        if not events["killed"] and done >= events["kill_at"]:
            events["killed"] = True
            run.server_killed = True
            killed_at = time.monotonic()
            # In a thread: this loop goes on watching bulk (and timing its exit) meanwhile.
            events["restarter"] = restart_in_background(server, figures, events)
        elif events["killed"] and not events["termed"] and done >= events["term_at"]:
            events["termed"] = True
            run.sigterm = True
            termed_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
        time.sleep(0.02)
    ended = time.monotonic()
    err.join()
    out.join()
    run.exit_code = process.returncode
    run.seconds = ended - started
    run.lines = len(err.items)
    if termed_at is not None:
        run.stop_after_sigterm_s = ended - termed_at
    if killed_at is not None and run.exit_code == 3:
        run.exit_after_server_died_s = ended - killed_at
    run.summary = " ".join(line for _, line in out.items)
    previous, previous_line = started, "(start)"
    for at, line in [*err.items, (ended, "(exit)")]:
        if at - previous > run.longest_silence_s:
            run.longest_silence_s, run.silence_after = at - previous, previous_line
        previous, previous_line = at, line
    stamped = (f"{at - started:7.2f} {line}" for at, line in err.items)
    (home / f"bulk-run-{number}.stderr").write_text("\n".join(stamped) + f"\n{ended - started:7.2f} (exit)\n")
    return run


async def sandbox_holds(port: int) -> dict[str, Any]:
    from fpconsole.api.client import CardApiClient
    from fpconsole.sandbox.settings import BUILTIN_SANDBOX_AUTH_ID, BUILTIN_SANDBOX_SECRET

    async with CardApiClient(
        base_url=f"http://127.0.0.1:{port}", auth_id=BUILTIN_SANDBOX_AUTH_ID, secret=BUILTIN_SANDBOX_SECRET
    ) as client:
        return await client.post_control("/sandbox/snapshot", {"limit": 100_000})


def tally(figures: Figures, result_csv: Path, phones: set[str], snapshot: dict[str, Any]) -> None:
    clients = [c for c in snapshot["clients"] if str(c["phone"]) in phones]
    client_ids = {c["client_id"] for c in clients}
    cards = snapshot["cards"]
    cards_of: dict[str, int] = {}
    for card in cards:
        if card.get("client_id"):
            cards_of[card["client_id"]] = cards_of.get(card["client_id"], 0) + 1
    card_owner = {card["card_id"]: card.get("client_id") for card in cards}
    figures.sandbox_clients, figures.sandbox_cards = len(clients), len(cards)
    figures.duplicated = (len(clients) - len({str(c["phone"]) for c in clients})) + sum(
        n - 1 for client, n in cards_of.items() if client in client_ids and n > 1
    )
    figures.orphan_cards = sum(1 for owner in card_owner.values() if not owner)
    rows = list(csv.DictReader(result_csv.read_text(encoding="utf-8").splitlines()))
    done = [r for r in rows if r["status"] == "done"]
    figures.rows_done = len(done)
    broken = [
        r for r in done if r["client_id"] not in client_ids or card_owner.get(r["card_id"]) != r["client_id"]
    ]
    figures.lost = (figures.rows - len(done)) + len(broken)


def drill(
    rows: int,
    faults: str,
    in_flight: int,
    delay: float,
    kill_at: float,
    down: float,
    term_at: float,
    keep: bool,
) -> Figures:
    home = Path(tempfile.mkdtemp(prefix="fpconsole-drill-"))
    figures = Figures(rows=rows, faults=faults)
    server: Server | None = None
    try:
        port = free_port()
        write_config(home, port)
        csv_path = home / "clients.csv"
        phones = write_csv(csv_path, rows)
        server = Server(home, port, faults, delay, down)
        server.start()
        events: dict[str, Any] = {
            "killed": False,
            "termed": False,
            "kill_at": max(1, int(rows * kill_at)),
            "term_at": max(1, int(rows * term_at)),
        }
        for number in range(1, MAX_RUNS + 1):
            run = run_bulk(number, home, csv_path, in_flight, figures, server, events)
            figures.runs.append(run)
            restarter = events.pop("restarter", None)
            if restarter is not None:
                restarter.join()  # the next run starts with the server back
            if "restart_failed" in events:
                raise SystemExit(events["restart_failed"])
            if run.exit_code == 0 and events["termed"]:
                break
        figures.longest_silence_s = max(run.longest_silence_s for run in figures.runs)
        snapshot = asyncio.run(sandbox_holds(port))
        tally(figures, home / "clients.result.csv", phones, snapshot)
    finally:
        if server is not None:
            server.stop()
        if keep:
            print(f"drill folder kept: {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
    return figures


def report(figures: Figures) -> str:
    lines = [
        f"fault drill: {figures.rows} rows, faults {figures.faults}",
        f"server SIGKILLed and restarted on the same db and port: down {figures.server_down_s or 0:.1f} s",
    ]
    for run in figures.runs:
        events = [e for e, on in (("server killed", run.server_killed), ("SIGTERM", run.sigterm)) if on]
        stop = f", stopped {run.stop_after_sigterm_s:.2f} s after SIGTERM" if run.stop_after_sigterm_s else ""
        if run.exit_after_server_died_s is not None:
            stop += f", exit 3 {run.exit_after_server_died_s:.1f} s after the server died"
        lines.append(
            f"  run {run.number}: exit {run.exit_code} in {run.seconds:.1f} s, longest silence "
            f"{run.longest_silence_s:.1f} s{stop}" + (f" [{', '.join(events)}]" if events else "")
        )
        lines.append(f"         longest silence after: {run.silence_after[:100]}")
        lines.append(f"         {run.summary}")
    lines += [
        f"rows done:   {figures.rows_done}/{figures.rows}",
        f"duplicated:  {figures.duplicated}  (sandbox: {figures.sandbox_clients} clients, "
        f"{figures.sandbox_cards} cards, {figures.orphan_cards} cards without a client)",
        f"lost:        {figures.lost}",
        f"longest silence on bulk's stderr: {figures.longest_silence_s:.1f} s "
        f"(must be < {MAX_SILENCE_S:g} s)",
        "OK" if figures.ok else "NOT OK",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--faults", default=DEFAULT_FAULTS)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.2, help="the sandbox's settle delay (s)")
    parser.add_argument(
        "--kill-at", type=float, default=0.25, help="fraction of rows done when the server dies"
    )
    parser.add_argument("--down", type=float, default=3.0, help="seconds the server stays dead")
    parser.add_argument(
        "--term-at", type=float, default=0.6, help="fraction of rows done when bulk gets SIGTERM"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="keep the drill folder (logs, stderr of each run)"
    )
    args = parser.parse_args()
    figures = drill(
        args.rows, args.faults, args.in_flight, args.delay, args.kill_at, args.down, args.term_at, args.keep
    )
    if args.json:
        print(json.dumps({**asdict(figures), "ok": figures.ok}))
    else:
        print(report(figures))
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
