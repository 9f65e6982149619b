"""Opening a form: fpconsole's Create client (n in Clients) beside a stock Textual app that
pushes a screen of labelled Inputs on n, in one run (goal: at most 1.2x the stock app).

Measured in a 120x40 pseudo-terminal as an operator sees it: from writing the key to the form's
title on screen (its first paint) and to the last byte of its paint (the output then quiet for
0.35 s, which is not counted), and the bytes written for it. Create client is opened two ways,
alternately (fpconsole/tui/spare_form.py):
- after the operator typed in the last form, threw it away, and read the list for a moment
  (READ_S): the console has built a new form ahead meanwhile;
- at once after Esc closed the last form as it opened: the console shows that one again (the
  operator then types in it and throws it away, for the next run).
Figures only; nothing is asserted.

Run: python bench/form_open.py [-n 8]
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
from ssh_bytes import STOCK, fpconsole_command, read_until_quiet, spawn


def paint_time(fd: int, key: bytes, marker: bytes, quiet: float = 0.35) -> tuple[float, float, int]:
    """Seconds from writing `key` to the marker on screen and to the last byte it painted, and
    the bytes written to the terminal for it (what the form costs over SSH)."""
    os.write(fd, key)
    start = last = time.monotonic()
    seen = b""
    shown = 0.0
    while time.monotonic() - start < 20:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
            last = time.monotonic()
            if not shown and marker in seen:
                shown = last - start
        elif marker in seen and time.monotonic() - last > quiet:
            break
    if marker not in seen:
        raise RuntimeError(f"{marker!r} never appeared")
    return shown, last - start, len(seen)


READ_S = 1.5  # the list read before n: longer than the pause the console builds a form in
AT_ONCE_QUIET_S = 0.05  # n again as soon as the list is back: no pause to build one in


def measure(
    command: str, ready: str, marker: str, runs: int, env: dict[str, str], *, throw_away: bool
) -> dict[str, list[tuple[float, float, int]]]:
    """Each run: n after reading the list, Esc (closed as it opened: kept); then n at once (the
    kept form), a digit typed, Esc and `y` (thrown away). The stock app's form is closed with Esc
    either way."""
    pid, fd = spawn(command, env)
    boot = b""
    started = time.monotonic()
    while ready.encode() not in boot and time.monotonic() - started < 60:
        boot += read_until_quiet(fd, 0.2, 2)
    read_until_quiet(fd, 1.5, 15)  # the first start's background work settles
    times: dict[str, list[tuple[float, float, int]]] = {"after reading": [], "at once": []}
    for _ in range(runs):
        for kind, quiet in (("after reading", READ_S), ("at once", AT_ONCE_QUIET_S)):
            read_until_quiet(fd, quiet, 10)  # the list on screen for this long before n
            times[kind].append(paint_time(fd, b"n", marker.encode()))
            if kind == "at once" and throw_away:
                # Tab to the first text field, a digit, Esc, and `y` in the leave dialog: a form
                # with the operator's typing in it is never shown again, so the next run's
                # "after reading" opens one built ahead meanwhile.
                for keys in (b"\t7", b"\x1b", b"y"):
                    os.write(fd, keys)
                    read_until_quiet(fd, AT_ONCE_QUIET_S, 10)
            else:
                os.write(fd, b"\x1b")
                read_until_quiet(fd, AT_ONCE_QUIET_S, 10)  # the list is back
    os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    os.close(fd)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=8)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fpconsole-form-open-"))
    try:
        stock = measure(
            f"{sys.executable} {STOCK} form-open", "row-00000", "Birth date", args.runs, {}, throw_away=False
        )
        ours = measure(
            fpconsole_command(),
            "SANDBOX",
            "Create client",
            args.runs,
            {"FPCONSOLE_HOME": str(home)},
            throw_away=True,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"form open, 120x40 pty, {args.runs} runs each, ms from the key (median / max)")
    print(f"{'':28s} {'title shown':>15s} {'last byte':>15s} {'KiB written':>12s}")
    rows = {
        "stock form": stock["after reading"] + stock["at once"],
        "Create client, list read": ours["after reading"],
        "Create client, n after Esc": ours["at once"],
    }
    medians: dict[str, tuple[float, float]] = {}
    for name, times in rows.items():
        shown, done = [t[0] for t in times], [t[1] for t in times]
        written = statistics.median(t[2] for t in times) / 1024
        medians[name] = (statistics.median(shown), statistics.median(done))
        print(
            f"{name:28s} {medians[name][0] * 1000:7.0f} / {max(shown) * 1000:5.0f} "
            f"{medians[name][1] * 1000:7.0f} / {max(done) * 1000:5.0f} {written:12.1f}"
        )
    stock_shown, stock_done = medians["stock form"]
    for name in ("Create client, list read", "Create client, n after Esc"):
        shown_ratio, done_ratio = medians[name][0] / stock_shown, medians[name][1] / stock_done
        print(f"ratio, {name[15:]:20s} {shown_ratio:7.2f}x         {done_ratio:7.2f}x  (goal 1.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
