"""Typing in a form at different speeds: ms from writing a character to the first byte of its
echo, fpconsole's Create client (Phone field) beside a stock form of labelled Inputs, in one run
(goal: every keystroke within 16 ms of what the stock form takes, at any typing speed: the
debounced validation and draft save must not land on a key).

Also printed: bytes written per key, from the key to the next one (its echo plus whatever the
pause after it brings: the debounced check's error line), against the goal of 1 KiB per typed
character over SSH.

Run: python bench/typing_latency.py [-n 24]. Figures only; nothing is asserted. On a loaded
machine compare the two columns, not the absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ssh_bytes import STOCK, fpconsole_command, key_bytes, read_until_quiet, spawn

INTERVALS = (0.08, 0.35, 0.6, 1.0)  # seconds between keys: a burst, then slower typists


def echo_times(fd: int, keys: str, interval: float) -> tuple[list[float], list[int]]:
    """For each key: seconds to the first byte written after it, and bytes written until the next."""
    times: list[float] = []
    sizes: list[int] = []
    for character in keys:
        written = 0
        while select.select([fd], [], [], 0)[0]:  # drop what is left of the last key
            os.read(fd, 65536)
        os.write(fd, character.encode())
        start = time.monotonic()
        ready, _, _ = select.select([fd], [], [], 5)
        if ready:
            times.append(time.monotonic() - start)
            written += len(os.read(fd, 65536))
        deadline = start + interval
        while (left := deadline - time.monotonic()) > 0:
            if select.select([fd], [], [], left)[0]:
                written += len(os.read(fd, 65536))
        sizes.append(written)
    return times, sizes


def measure(
    command: str, ready: str, setup: list[str], count: int, env: dict[str, str]
) -> dict[float, tuple[list[float], list[int]]]:
    pid, fd = spawn(command, env)
    boot = b""
    started = time.monotonic()
    while ready.encode() not in boot and time.monotonic() - started < 60:
        boot += read_until_quiet(fd, 0.2, 2)
    read_until_quiet(fd, 1.5, 15)
    for key in setup:
        os.write(fd, key_bytes(key))
        read_until_quiet(fd, 0.6, 10)
    found: dict[float, tuple[list[float], list[int]]] = {}
    for interval in INTERVALS:
        found[interval] = echo_times(fd, ("77011234567" * 8)[:count], interval)
        for _ in range(count):  # empty the field again (not measured)
            os.write(fd, b"\x7f")
        read_until_quiet(fd, 0.8, 10)
    os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    os.close(fd)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--keys", type=int, default=12, help="keys per typing speed")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fpconsole-typing-"))
    try:
        stock = measure(f"{sys.executable} {STOCK} form", "Stock form", [], args.keys, {})
        ours = measure(
            fpconsole_command(), "SANDBOX", ["n", "tab", "tab"], args.keys, {"FPCONSOLE_HOME": str(home)}
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"key to first byte of its echo, 120x40 pty, {args.keys} keys per speed (ms, median / max)")
    print(
        f"{'interval':>9s} {'stock form':>15s} {'Create client':>15s}  max over stock"
        f"   bytes/key stock, ours (median / max)"
    )
    for interval in INTERVALS:
        (s, s_bytes), (o, o_bytes) = stock[interval], ours[interval]
        print(
            f"{interval * 1000:7.0f}ms {statistics.median(s) * 1000:7.1f} / {max(s) * 1000:5.1f} "
            f"{statistics.median(o) * 1000:7.1f} / {max(o) * 1000:5.1f}  {(max(o) - max(s)) * 1000:+7.1f}"
            f"   {statistics.median(s_bytes):5.0f} / {max(s_bytes):5d}  {statistics.median(o_bytes):5.0f} / "
            f"{max(o_bytes):5d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
