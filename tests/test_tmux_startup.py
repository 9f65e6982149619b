"""Keys typed while the console starts, in a real terminal (QA finding 11): `F3`, `:card
7001001⏎`, `t`, `ORD-55⇥⇥77` in one write, sent before the console is even running (with the
command that starts it, as a pasted script does) and 0.3 s after (imports still running, the
terminal still in cooked mode, which turns Enter into a line feed). Either way the transaction
form opens on that card with both fields filled, as on an idle console."""

from __future__ import annotations

import os
import pty
import re
import shutil
import time

import pytest
from test_tmux import Pane, console_command

from fpconsole.tui.early_keys import read_cooked_lines

BURST = ("F3", ":card 7001001", "Enter", "t", "ORD-55", "Tab", "Tab", "77")


def form_filled(screen: str) -> bool:
    return all(
        re.search(rf"{label}\s+{value}(?!\w)", screen)
        for label, value in (("Order id \\*", "ORD-55"), ("Card id \\*", "7001001"), ("Amount \\*", "77"))
    )


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("when", ["with-the-command", "0.3s-after"])
def test_a_burst_typed_while_the_console_starts_lands(pane: Pane, when: str) -> None:
    if when == "with-the-command":
        pane.keys(console_command(), "Enter", *BURST)
    else:
        pane.keys(console_command(), "Enter")
        time.sleep(0.3)  # the scenario itself (keys while it starts), not a wait for an event
        pane.keys(*BURST)
    screen = pane.wait_for(form_filled)
    assert "Create transaction" in screen
    assert "card 7001001t" not in screen  # the command box is gone, not holding the rest


def test_lines_typed_in_cooked_mode_get_their_enter_back() -> None:
    """What the terminal held before raw mode: complete lines come back with Enter as `\\r`; the
    unfinished line stays for the raw reader, untouched."""
    master, slave = pty.openpty()
    try:
        os.write(master, b"\x1bOR:card 7001001\rtORD-55\t\t77")  # cooked: the \r arrives as \n
        deadline = time.monotonic() + 30
        typed = b""
        while not typed and time.monotonic() < deadline:
            typed = read_cooked_lines(slave)
        assert typed == b"\x1bOR:card 7001001\r"
        import termios
        import tty

        tty.setraw(slave, termios.TCSANOW)
        assert os.read(slave, 100) == b"tORD-55\t\t77"
    finally:
        os.close(master)
        os.close(slave)


def test_nothing_typed_reads_nothing() -> None:
    master, slave = pty.openpty()
    try:
        assert read_cooked_lines(slave) == b""
    finally:
        os.close(master)
        os.close(slave)
