"""Sandbox backups and per-partner controls: what a save, a load and a reset cost, and how big
a backup is, for a partner with N seeded demo clients (each with cards in every status and six
months of history) on a file database, next to another partner of the same size.

    python bench/sandbox_backup.py [--clients 10,100,300]

Each figure is the best of 3 runs (the box is shared). Also prints the per-call cost of reading
the partner's state (controls: the fault board's read per API request) on a file database.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fpconsole.sandbox.engine import SandboxEngine

A, B = "100500", "777"


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="10,100,300", help="seeded clients per partner, comma separated")
    args = parser.parse_args()
    print(f"{'clients':>8} {'rows':>8} {'size':>10} {'save':>9} {'load':>9} {'reset':>9}")
    for count in (int(c) for c in args.clients.split(",")):
        with (
            tempfile.TemporaryDirectory() as folder,
            SandboxEngine(Path(folder) / "s.sqlite3", delay=0) as engine,
        ):
            for partner in (A, B):
                for start in range(0, count, 1000):
                    engine.seed(min(1000, count - start), partner=partner)
            info = engine.save_backup(A, "bench")
            save = best_of(3, lambda: engine.save_backup(A, "bench", replace=True))
            load = best_of(3, lambda: engine.load_backup(A, "bench"))
            rows = sum(
                int(engine._conn.execute(f"SELECT COUNT(*) FROM {t} WHERE partner = ?", (A,)).fetchone()[0])
                for t in ("clients", "cards", "accounts", "transactions", "ledger")
            )

            def reset_and_restore() -> None:
                engine.reset(A)
                engine.load_backup(A, "bench")

            both = best_of(3, reset_and_restore)
            print(
                f"{count:>8} {rows:>8} {info['size_bytes'] / 1024:>8.0f} KiB {save * 1000:>7.1f} ms "
                f"{load * 1000:>7.1f} ms {(both - load) * 1000:>7.1f} ms"
            )
    with (
        tempfile.TemporaryDirectory() as folder,
        SandboxEngine(Path(folder) / "s.sqlite3", delay=0) as engine,
    ):
        engine.set_controls(A, faults={"error_rate": 0.1})
        engine.controls(A)
        calls = 20_000
        took = best_of(3, lambda: [engine.controls(A) for _ in range(calls)])
        print(
            f"reading a partner's controls (version check, file db): {took / calls * 1e6:.1f} us per request"
        )


if __name__ == "__main__":
    main()
