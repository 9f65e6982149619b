"""In a real terminal, a first start: the sandbox is seeded and listed by a second process while
the console starts (fpconsole/tui/first_start.py). Its rows are listed, the console writes the
history after them, and a console that ends before the child leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from test_tmux import Pane, console_command
from test_tmux_stop_cont import ended

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def processes_on(home: Path) -> list[int]:
    """The processes whose FPCONSOLE_HOME is this home: the console, and its child while it runs."""
    wanted = f"FPCONSOLE_HOME={home}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if wanted in environ.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return [pid for pid in found if not ended(pid)]


def shell_pid(pane: Pane) -> int:
    return int(pane.value("pane_pid"))


def test_a_first_start_lists_the_sandbox_and_then_its_history(pane: Pane) -> None:
    pane.keys(console_command(), "Enter")
    pane.wait_for(lambda screen: "CL-100040" in screen and "● connected" in screen)
    pane.keys("F5")  # Transactions: the history the console wrote once the clients were listed
    pane.wait_for(lambda screen: "Transactions" in screen and " KZT success " in screen)
    pane.keys("C-q")
    pane.wait_for(lambda _screen: processes_on(pane.home) == [shell_pid(pane)])


def test_a_console_ended_while_its_sandbox_is_prepared_leaves_no_process_behind(pane: Pane) -> None:
    shell = shell_pid(pane)
    pane.keys(console_command(), "Enter")
    # The console and its child, seeding: the terminal goes away (SIGHUP) before the child ends,
    # whether or not the console got as far as handling signals.
    pane.wait_for(lambda _screen: len(processes_on(pane.home)) == 3)
    console = next(pid for pid in processes_on(pane.home) if parent_of(pid) == shell)
    os.kill(console, signal.SIGHUP)
    pane.wait_for(lambda _screen: processes_on(pane.home) == [shell])
    pane.keys("clear", "Enter", console_command(), "Enter")  # the next start finishes what it left
    pane.wait_for(lambda screen: "CL-100040" in screen and "● connected" in screen)
    pane.keys("C-q")
    pane.wait_for(lambda _screen: processes_on(pane.home) == [shell])


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])
