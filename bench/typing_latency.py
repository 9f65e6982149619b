"""Typing in a form at different speeds: ms from writing a character to the first byte of its
echo, fpconsole's Create client (Phone field) beside a stock form of labelled Inputs, in one run
(goal: every keystroke within 16 ms of what the stock form takes, at any typing speed: the
debounced validation and draft save must not land on a key).

Also printed: bytes written per key, from the key to the next one (its echo plus whatever the
pause after it brings: the debounced check's error line), against the goal of 1 KiB per typed
character over SSH; and the CPU the app's main thread spends on each key (bench/key_cpu.py),
to the echo and to the next key. Wall time in a pty moves with whatever else the machine runs
(the stock form's own slowest key went from 8 to 54 ms between runs); CPU time hardly does, so
it tells what a key costs fpconsole from what the machine did meanwhile.

Run: python bench/typing_latency.py [-n 24]. Figures only; nothing is asserted. On a loaded
machine compare the two columns, not the absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
from ssh_bytes import STOCK, key_bytes, read_until_quiet, spawn

INTERVALS = (0.08, 0.35, 0.6, 1.0)  # seconds between keys: a burst, then slower typists
KEY_CPU = Path(__file__).resolve().parent / "key_cpu.py"


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


def key_cpu(recorded: Path, count: int) -> dict[float, tuple[list[float], list[float]]]:
    """From bench/key_cpu.py's record, per typing speed: each typed digit's main-thread CPU (ms)
    to its echo, and to the next key (what the pause after it ran as well)."""
    keys = json.loads(recorded.read_text())
    found: dict[float, tuple[list[float], list[float]]] = {}
    typed = [index for index, (key, _, _) in enumerate(keys) if key.isdigit()]
    for group, interval in enumerate(INTERVALS):
        to_echo: list[float] = []
        to_next: list[float] = []
        for index in typed[group * count : (group + 1) * count]:
            _, arrived, echoed = keys[index]
            if echoed is not None:
                to_echo.append((echoed - arrived) * 1000)
            if index + 1 < len(keys):
                to_next.append((keys[index + 1][1] - arrived) * 1000)
        found[interval] = (to_echo, to_next)
    return found


def median_max(values: list[float]) -> str:
    return f"{statistics.median(values):5.1f} / {max(values):5.1f}" if values else "    – /     –"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--keys", type=int, default=12, help="keys per typing speed")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fpconsole-typing-"))
    stock_cpu, ours_cpu = home / "stock-cpu.json", home / "ours-cpu.json"
    traced = f"{sys.executable} {KEY_CPU}"
    try:
        stock = measure(f"{traced} {stock_cpu} {STOCK} form", "Stock form", [], args.keys, {})
        ours = measure(
            f"{traced} {ours_cpu} -m fpconsole",
            "SANDBOX",
            ["n", "tab", "tab"],
            args.keys,
            {"FPCONSOLE_HOME": str(home)},
        )
        stock_keys, ours_keys = key_cpu(stock_cpu, args.keys), key_cpu(ours_cpu, args.keys)
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
    print("\nmain thread's CPU per key (ms, median / max): to its echo, and to the next key")
    print(
        f"{'interval':>9s} {'stock, to echo':>15s} {'ours, to echo':>15s}  "
        f"{'stock, to next':>15s} {'ours, to next':>15s}"
    )
    for interval in INTERVALS:
        (s_echo, s_next), (o_echo, o_next) = stock_keys[interval], ours_keys[interval]
        print(
            f"{interval * 1000:7.0f}ms {median_max(s_echo):>15s} {median_max(o_echo):>15s}  "
            f"{median_max(s_next):>15s} {median_max(o_next):>15s}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
