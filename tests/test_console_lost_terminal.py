"""A console whose terminal goes away ends, whether or not a SIGHUP comes with it.

An SSH session that drops, or a tmux killed with the console in it, closes the pseudo-terminal:
reads from it give end-of-file or EIO, writes fail. Textual's input thread used to loop on that
end-of-file at 100% CPU, and its writer thread died on the first failed write, after which the
console's own shutdown blocked on a full queue: consoles were found hours later, orphaned,
spinning. Each test here runs the console on a pseudo-terminal of its own and closes the
terminal side the user had."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow

DEADLINE_S = 60.0  # a deadline for a hang, not a speed check: two loaded cores


def start_console(home: Path) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    os.set_blocking(master, False)
    env = {
        **os.environ,
        "FPCONSOLE_HOME": str(home),
        "FPCONSOLE_USER_HOST": "qa@jumphost",
        "TEXTUAL_ANIMATIONS": "none",
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    # A session of its own without this terminal as its controlling one: closing the terminal
    # sends no SIGHUP, so the console has only the dead terminal itself to go by.
    console = subprocess.Popen(
        [sys.executable, "-m", "fpconsole"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    return console, master


def read_until(master: int, text: bytes) -> None:
    seen = b""
    deadline = time.monotonic() + DEADLINE_S
    while text not in seen:
        assert time.monotonic() < deadline, f"the console never showed {text!r}"
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            seen += os.read(master, 65536)


def ends(console: subprocess.Popen[bytes]) -> bool:
    try:
        console.wait(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        cpu = psutil.Process(console.pid).cpu_percent(interval=0.5)
        console.kill()
        console.wait()
        raise AssertionError(f"the console outlived its terminal (using {cpu:.0f}% CPU)") from None
    return True


def test_the_console_ends_when_its_terminal_closes_without_a_hangup(isolated_home: Path) -> None:
    console, master = start_console(isolated_home)
    try:
        read_until(master, b"Clients")
    finally:
        os.close(master)
    assert ends(console)


def test_the_console_ends_on_a_hangup_after_its_terminal_is_gone(isolated_home: Path) -> None:
    # tmux killed: the terminal closes and SIGHUP follows, while the console still draws.
    console, master = start_console(isolated_home)
    try:
        read_until(master, b"Clients")
    finally:
        os.close(master)
    console.send_signal(signal.SIGHUP)
    assert ends(console)
