"""In a real terminal: stopped from outside with SIGSTOP (which no program can catch, so the
console never left its terminal mode) and continued with SIGCONT, again and again, the console
still takes keys and ctrl+q still ends it. Textual started another input thread on every
SIGCONT: after a few cycles ctrl+q blanked the screen and the console hung, with threads left
reading the terminal (QA, 7 cycles; 4 here)."""

from __future__ import annotations

import os
import shutil
import signal

import pytest
from test_tmux import Pane, console_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def restarts_logged(pane: Pane) -> int:
    log = pane.home / "state" / "logs" / "fpconsole.log"
    return log.read_text().count("continued after a stop from outside") if log.exists() else 0


def test_ctrl_q_ends_the_console_after_stops_and_continues_from_outside(pane: Pane) -> None:
    # The pane's own program, as on a jump host's login: no job-control shell takes the terminal
    # back while it is stopped. The pane stays once it ends, to be asked how.
    pane.tmux("set-option", "-t", "fp", "remain-on-exit", "on")
    pane.keys(f"exec {console_command()} --debug", "Enter")
    pane.wait_for(lambda screen: "CL-100040" in screen and "● connected" in screen)
    pid = int(pane.value("pane_pid"))
    for cycle in range(1, 5):
        os.kill(pid, signal.SIGSTOP)
        os.kill(pid, signal.SIGCONT)
        # Each continue handled before the next (signals sent together coalesce).
        pane.wait_for(lambda _screen, cycle=cycle: restarts_logged(pane) >= cycle)
    pane.keys("F3")  # it still takes keys
    pane.wait_for(lambda screen: "Card     Number" in screen and "● connected" in screen)
    pane.keys("C-q")
    pane.wait_for(lambda _screen: pane.value("pane_dead") == "1" and ended(pid))


def ended(pid: int) -> bool:
    """Gone, or a zombie tmux has not reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
