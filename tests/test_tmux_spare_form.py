"""In a real terminal: the form built while the list is read (spare_form.py) takes keys typed
in one burst with `n`, shows what a full repaint draws, and the next one brings back the draft
kept from it. The console says in its --debug log when a form is built ahead."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from test_tmux import DEADLINE_S, Pane, console_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def built_ahead(pane: Pane, times: int) -> None:
    """Wait until the log says Create client was built ahead `times` times."""
    log = pane.home / "state" / "logs" / "fpconsole.log"
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.count("client.add built ahead") >= times:
            return
        time.sleep(0.1)
    raise AssertionError(f"Create client was not built ahead {times} times; the log says:\n{text}")


def phone_shows(number: str) -> object:
    return lambda screen: f"Phone *               {number}" in screen


def test_a_form_built_ahead_takes_a_burst_and_shows_what_a_repaint_draws(pane: Pane) -> None:
    assert isinstance(pane.home, Path)
    pane.keys(f"{console_command()} --debug", "Enter")
    pane.wait_for(lambda screen: "CL-100040" in screen and "● connected" in screen)
    built_ahead(pane, 1)

    pane.keys("n", "Tab", "Tab")  # one write: the form's first field, then Branch id, then Phone
    pane.type("77019998877")
    before = pane.wait_for(phone_shows("77019998877"))
    pane.keys("C-l")  # every cell painted again; a key after it shows once that paint is done
    pane.type("6")
    after = pane.wait_for(phone_shows("770199988776"))
    assert after == before.replace("77019998877 ", "770199988776")

    pane.keys("Escape")
    pane.wait_for("Keep it as a draft")
    pane.keys("k")
    pane.wait_for(lambda screen: "CL-100040" in screen and "Create client" not in screen)
    built_ahead(pane, 2)  # the next one, with the draft in it
    pane.keys("n")
    screen = pane.wait_for(phone_shows("770199988776"))
    assert "Draft restored from last time." in screen
