"""Keys typed in one burst around a form's selects land in the fields they were meant for, in a
real terminal: open a list, choose (Down, Enter, or typing to search it), Tab on and type, all
in one write, as a paste or fast typing over SSH delivers them."""

from __future__ import annotations

import shutil

import pytest
from test_tmux import Pane, start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_create_client_through_three_selects_in_one_write(pane: Pane) -> None:
    start(pane)
    pane.keys(
        "n", "Enter", "Down", "Enter", "Tab", "98", "Tab", "77011234567",
        "Tab", "Enter", "Down", "Enter", "Tab", "Space", "Up", "Enter", "Tab", "ALIYA", "Tab", "SERIKOVA",
    )  # fmt: skip
    pane.line_with("Last name *", "SERIKOVA")
    pane.line_with("Product *", "Freedom Wallet Card (1000)")
    pane.line_with("Branch id", "98")
    pane.line_with("Phone *", "77011234567")
    pane.line_with("Client type *", "individual (1)")
    pane.line_with("Residency *", "non-resident (2)")  # Up from the blank wraps to the last
    pane.line_with("First name *", "ALIYA")


def test_searching_an_open_list_and_escaping_it(pane: Pane) -> None:
    start(pane)
    # Typed to search: `wal` finds Freedom Wallet Card (by `l` alone it would be Electron Card).
    pane.keys("n", "Enter", "w", "a", "l", "Enter", "Tab", "98")
    pane.line_with("Branch id", "98")
    pane.line_with("Product *", "Freedom Wallet Card (1000)")
    # Esc closes the list and leaves the value. It goes on its own, and is seen to be read before
    # the next write: a terminal reads Esc with a key right behind it as Alt+that key (Esc Tab
    # arrives as Shift+Tab), whatever the console does.
    pane.keys("Tab", "Tab", "Enter", "Down")
    pane.wait_for("legal entity (2)")  # the list is open
    pane.keys("Escape")
    pane.wait_for(lambda screen: "legal entity (2)" not in screen)
    pane.keys("Tab", "Tab", "ALIYA")
    pane.line_with("First name *", "ALIYA")
    pane.line_with("Client type *", "Select…")


def test_letters_typed_on_closed_boxes_choose_in_one_write(pane: Pane) -> None:
    # No Enter: typed on the closed box, `2000` chooses Instant Card (2000), `1` individual (1),
    # `n` non-resident (2). Textual's Select dropped them without a word.
    start(pane)
    pane.keys("n", "2000", "Tab", "98", "Tab", "77011234567", "Tab", "1", "Tab", "n", "Tab", "ALIYA")
    pane.line_with("First name *", "ALIYA")
    pane.line_with("Product *", "Instant Card (2000)")
    pane.line_with("Branch id", "98")
    pane.line_with("Client type *", "individual (1)")
    pane.line_with("Residency *", "non-resident (2)")
