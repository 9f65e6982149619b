"""Mouse reporting through a real terminal (tmux): the console asks for it by default, and
neither `--no-mouse` nor `mouse = false` does, so the terminal's own select and copy work.
tmux says what the program in the pane asked for (#{mouse_any_flag})."""

from __future__ import annotations

import shutil

import pytest
from test_tmux import Pane, console_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def open_console(pane: Pane, *args: str) -> None:
    pane.keys(" ".join([console_command(), *args]), "Enter")
    pane.wait_for(lambda screen: "Clients" in screen and "● connected" in screen)


def test_the_console_asks_for_the_mouse_by_default(pane: Pane) -> None:
    open_console(pane)
    assert pane.value("mouse_any_flag") == "1"


def test_no_mouse_leaves_the_mouse_to_the_terminal(pane: Pane) -> None:
    open_console(pane, "--no-mouse")
    assert pane.value("mouse_any_flag") == "0" and pane.value("mouse_standard_flag") == "0"


def test_mouse_false_in_config_leaves_the_mouse_to_the_terminal(pane: Pane) -> None:
    (pane.home / "config").mkdir()
    (pane.home / "config" / "config.toml").write_text("[settings]\nmouse = false\n", encoding="utf-8")
    open_console(pane)
    assert pane.value("mouse_any_flag") == "0"


def test_a_moved_key_works_in_a_real_terminal(pane: Pane) -> None:
    (pane.home / "config").mkdir()
    (pane.home / "config" / "config.toml").write_text('[keys]\nfilter = "ctrl+f"\n', encoding="utf-8")
    open_console(pane)
    pane.wait_for("CL-100040")
    pane.keys("C-f")
    pane.type("CL-100045")
    pane.wait_for(
        lambda screen: "CL-100045" in screen and "CL-100040" not in screen and "CL-100041" not in screen
    )
