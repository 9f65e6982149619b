"""Esc and the next key sent in one write, as a busy console over SSH (or tmux's escape-time)
reads them: the form closes and the next key does its own job. Textual's parser took the pair
for Alt+key: Esc : closed nothing and opened nothing (fpconsole/tui/escape_keys.py)."""

from __future__ import annotations

import shutil

import pytest
from test_tmux import Pane, start


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_escape_and_the_next_key_in_one_write_are_two_keys(pane: Pane) -> None:
    start(pane)
    pane.keys("n")
    pane.wait_for("Create client")
    pane.keys("Escape", ":")  # one write: ESC and ':' arrive in one read
    pane.wait_for(lambda screen: "Create client" not in screen and ":card 7001234 ·" in screen)
    pane.type("card 7001001")
    pane.keys("Enter")
    screen = pane.wait_for(lambda text: "card_id" in text and "7001001" in text)
    assert "Create client" not in screen
