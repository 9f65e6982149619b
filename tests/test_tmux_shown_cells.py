"""In a real terminal: the cells the console skips because the terminal shows them already
(partial_paint, shown_cells) are what a full repaint draws, after section switches, a form
opened and typed into, and a resize; and the console follows the resize even when the shell
exports LINES and COLUMNS. (ctrl+l's own tests are in tests/tui/test_shown_cells_app.py: text
written over the console from outside races with the console's own writes.)"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable

import pytest
from test_tmux import Pane, start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def form_at(width: int, phone: str) -> Callable[[str], bool]:
    def check(screen: str) -> bool:
        top = next((line for line in screen.splitlines() if "╭" in line), "")
        return f"Phone *               {phone} " in screen and len(top.rstrip()) == width

    return check


def test_skipped_cells_are_what_a_full_repaint_draws(pane: Pane) -> None:
    # Exported, as some shells have them: Textual read its size from them on every resize.
    pane.keys("export LINES=30 COLUMNS=100", "Enter")
    start(pane)
    pane.keys("F3", "Down", "Down", "F2", "Down", "n")
    pane.wait_for("Create client")
    pane.keys("Tab", "Tab")  # Branch id, then Phone
    pane.type("ALIYA")  # not a phone: its error line shows under it
    pane.wait_for(form_at(100, "ALIYA"))
    pane.tmux("resize-window", "-t", "fp", "-x", "90", "-y", "28")
    pane.type("Y")  # a key after the resize: it shows at the new size
    pane.wait_for(form_at(90, "ALIYAY"))

    # Paints that skip what the terminal shows: a select opened and closed, the focus moved.
    pane.keys("Tab", "Enter", "Escape", "BTab")
    pane.type("Z")
    before = pane.wait_for(form_at(90, "ALIYAYZ"))
    # ctrl+l paints every cell; a key after it shows once that paint is done.
    pane.keys("C-l")
    pane.type("W")
    after = pane.wait_for(form_at(90, "ALIYAYZW"))

    assert after == before.replace("ALIYAYZ ", "ALIYAYZW")


def console_pid(pane: Pane) -> int:
    shell = pane.value("pane_pid")
    found = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True, timeout=10, check=True)
    return int(found.stdout.split()[0])


def test_the_list_comes_back_whole_after_a_stop_and_fg(pane: Pane) -> None:
    """Stopped from outside (SIGTSTP, as a job-control shell does) and brought back with `fg`, the
    console repaints every cell: the list came back blank and stayed so, line by line as cells
    changed."""
    start(pane)
    os.kill(console_pid(pane), signal.SIGTSTP)
    pane.wait_for(lambda screen: "Stopped" in screen and "CL-100040" not in screen)
    pane.type("fg")
    pane.keys("Enter")
    pane.wait_for(lambda screen: "CL-100040" in screen and "● connected" in screen and "Quit" in screen)
