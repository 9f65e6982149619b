"""Bytes written to the terminal per key, fpconsole side by side with stock Textual apps: what an
operator pays per key over a slow SSH link.

Measured as ../shared/tools/ssh_bytes.py does (a 120x40 pseudo-terminal, xterm-256color; after
each key, read until the output has been quiet for 0.35 s), in one run:
- bytes per Down in Clients, Cards, Requests and Transactions, against a stock DataTable app
  (goal: at most 2x the stock app's median, about 2 KiB);
- bytes per character typed in the Create client form's Phone field, against a stock form of
  labelled Inputs (goal: at most 1 KiB).

Run: python bench/ssh_bytes.py [-n 12] [--only clients,form]. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
STOCK = ROOT / "stock_apps.py"
ROWS, COLUMNS = 40, 120
QUIET = 0.35  # as the shared tool: a key's output has ended after this long without a byte
SECTION_QUIET = 2.0  # after a setup key that opens a section (see measure)

KEYS = {
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "tab": b"\t",
    "enter": b"\r",
    "escape": b"\x1b",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
}


def key_bytes(key: str) -> bytes:
    return KEYS.get(key, key.encode())


@dataclass
class Case:
    name: str
    command: str
    marker: str
    setup: list[str]  # keys pressed (each waited out) before the measured ones
    keys: list[str]  # the measured keys, one measurement each
    reference: str = ""  # the stock case this one is compared with
    env: dict[str, str] = field(default_factory=dict)


def read_until_quiet(fd: int, quiet: float = QUIET, limit: float = 20.0) -> bytes:
    out = b""
    start = last = time.monotonic()
    while time.monotonic() - start < limit:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            last = time.monotonic()
        elif out and time.monotonic() - last > quiet:
            break
        elif not out and time.monotonic() - start > 2.0:
            break  # the key changed nothing on screen
    return out


def spawn(command: str, env: dict[str, str]) -> tuple[int, int]:
    """`command` in a COLUMNS x ROWS pseudo-terminal: (pid, the terminal's fd)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS), **env)
        os.execvp("bash", ["bash", "-c", "exec " + command])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    return pid, fd


def measure(case: Case, dump: Path | None = None) -> tuple[int, list[int]]:
    pid, fd = spawn(case.command, case.env)
    boot = b""
    started = time.monotonic()
    while case.marker.encode() not in boot and time.monotonic() - started < 60:
        boot += read_until_quiet(fd, 0.2, 2)
    if case.marker.encode() not in boot:
        raise RuntimeError(f"{case.name}: {case.marker!r} never appeared")
    boot += read_until_quiet(fd, 1.0, 10)
    for key in case.setup:
        os.write(fd, key_bytes(key))
        # A section's first opening (F3, F4…) builds its screen: the terminal can stay quiet for
        # more than 0.6 s between the key's echo and the screen's paint, which then landed in the
        # first measured key (a whole screen, 28 KiB, as its max).
        read_until_quiet(fd, SECTION_QUIET if key.startswith("f") else 0.6, 10)
    per: list[int] = []
    for number, key in enumerate(case.keys):
        os.write(fd, key_bytes(key))
        written = read_until_quiet(fd)
        per.append(len(written))
        if dump is not None:
            (dump / f"{case.name}-{number:02d}.bin").write_bytes(written)
    os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    os.close(fd)
    return len(boot), per


def fpconsole_command() -> str:
    found = shutil.which("fpconsole", path=str(Path(sys.executable).parent))
    return found or f"{sys.executable} -m fpconsole"


def cases(presses: int, home: Path) -> list[Case]:
    fp = fpconsole_command()
    python = sys.executable
    down = ["down"] * presses
    digits = list(("77011234567" * 4)[:presses])

    def console(name: str, setup: list[str], keys: list[str], reference: str) -> Case:
        # Each case its own home: a first start on the embedded sandbox with its demo data.
        return Case(name, fp, "SANDBOX", setup, keys, reference, {"FPCONSOLE_HOME": str(home / name)})

    return [
        Case("datatable", f"{python} {STOCK} datatable", "row-00000", [], down),
        console("clients", [], down, "datatable"),
        console("cards", ["f3"], down, "datatable"),
        # Moving through Cards makes the reads that fill the Requests timeline.
        console("requests", ["f3", *(["down"] * (presses + 2)), "f4"], down, "datatable"),
        console("transactions", ["f5"], down, "datatable"),
        Case("stock-form", f"{python} {STOCK} form", "Stock form", [], digits),
        # n opens Create client on its Product select; two tabs reach Phone.
        console("form", ["n", "tab", "tab"], digits, "stock-form"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--presses", type=int, default=12, help="measured keys per case")
    parser.add_argument("--only", default="", help="comma-separated case names (stock ones always run)")
    parser.add_argument("--dump", type=Path, help="write each key's output to DIR/<case>-<n>.bin")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    home = Path(tempfile.mkdtemp(prefix="fpconsole-ssh-bytes-"))
    medians: dict[str, float] = {}
    print(f"bytes written per key, {COLUMNS}x{ROWS} pty, {args.presses} keys per case\n")
    print(f"{'case':13s} {'startup':>9s} {'median':>9s} {'max':>9s}  vs stock (median)")
    for case in cases(args.presses, home):
        if only and case.name not in only and case.reference:
            continue
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
        boot, per = measure(case, args.dump)
        median = statistics.median(per)
        medians[case.name] = median
        ratio = ""
        if case.reference and medians.get(case.reference):
            ratio = f"{median / medians[case.reference]:5.2f}x {case.reference}"
        what = "press" if case.keys[0] == "down" else "char"
        print(
            f"{case.name:13s} {boot / 1024:7.1f} K {median / 1024:7.2f} K {max(per) / 1024:7.2f} K  "
            f"{ratio}  (per {what})"
        )
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
