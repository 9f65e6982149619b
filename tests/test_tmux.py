"""The installed `fpconsole` in a real terminal (tmux, 100x30), driven with keys only: the demo
data appears, a client is created through the form (selects chosen with the keyboard), and
ctrl+q gives the terminal back as it was (the shell prompt, canonical mode and echo on, no
alternate screen left behind). Keys sent in one write, Tabs among them, land in the fields they
were meant for (as typed ahead over SSH, or pasted)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WIDTH, HEIGHT = 100, 30
DEADLINE_S = 45.0  # generous: CI runs this beside other tests on two cores


def console_command() -> str:
    """The console as installed next to this Python (the venv's script), else `python -m`."""
    script = Path(sys.executable).with_name("fpconsole")
    return str(script) if script.exists() else f"{sys.executable} -m fpconsole"


class Pane:
    """One tmux server of our own (its own socket), with one session holding a plain bash."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.socket = f"fpconsole-test-{uuid.uuid4().hex[:12]}"
        env = {
            "FPCONSOLE_HOME": str(home),
            "FPCONSOLE_SANDBOX_DELAY": "0.3",
            "FPCONSOLE_USER_HOST": "qa@jumphost",
            "TEXTUAL_ANIMATIONS": "none",
        }
        settings = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "fp", "-x", str(WIDTH), "-y", str(HEIGHT),
            *settings, "bash --norc --noprofile",
        )  # fmt: skip

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        """Keys by name (Tab, Enter, C-s) or text, all in one tmux command: one write."""
        self.tmux("send-keys", "-t", "fp", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "fp", "-l", text)

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", "fp")

    def value(self, name: str) -> str:
        return self.tmux("display-message", "-p", "-t", "fp", f"#{{{name}}}").strip()

    def wait_for(self, what: str | Callable[[str], bool], timeout: float = DEADLINE_S) -> str:
        check = what if callable(what) else (lambda screen: what in screen)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what!r}; the pane shows:\n{screen}")

    def line_with(self, label: str, value: str) -> None:
        """Wait until the form's line for `label` shows `value` (typing is asynchronous)."""
        pattern = re.compile(rf"{re.escape(label)}\s+{re.escape(value)}(?!\w)")
        self.wait_for(lambda screen: bool(pattern.search(screen)), timeout=15)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def choose(pane: Pane, label: str, downs: int, shown: str) -> None:
    """A Select, with keys: enter opens it, down moves, enter picks. Sent without waiting for
    the list to open: keys wait for the focus moves before them."""
    pane.keys("Enter", *["Down"] * downs, "Enter")
    pane.line_with(label, shown)


def start(pane: Pane) -> None:
    pane.keys(console_command(), "Enter")
    pane.wait_for(lambda screen: "Clients" in screen and "CL-100040" in screen and "● connected" in screen)


def test_create_a_client_with_keys_and_quit_restores_the_terminal(pane: Pane) -> None:
    start(pane)
    assert pane.value("alternate_on") == "1"

    pane.keys("n")
    pane.wait_for("Create client")
    # The form opens on Product; Tab walks the fields in order. Each step is sent as soon as the
    # one before shows, as a person types, with no pause for the focus to move.
    choose(pane, "Product *", 2, "Instant Card (2000)")  # Select… → 1000 → 2000
    pane.keys("Tab", "Tab")  # Branch id, then Phone
    pane.type("77011234567")
    pane.line_with("Phone *", "77011234567")
    pane.keys("Tab")
    choose(pane, "Client type *", 1, "individual (1)")
    pane.keys("Tab")
    choose(pane, "Residency *", 1, "resident (1)")
    pane.keys("Tab")
    pane.type("ALIYA")
    pane.line_with("First name *", "ALIYA")
    pane.keys("Tab")
    pane.type("SADYKOVA")
    pane.line_with("Last name *", "SADYKOVA")
    pane.keys("C-s")

    screen = pane.wait_for("client_id  CL-100041")
    assert re.search(r"sent → process → success", screen)
    pane.keys("Escape")
    screen = pane.wait_for(lambda text: "CL-100041   ALIYA SADYKOVA" in text and "Create client" not in text)

    pane.keys("C-q")
    pane.wait_for(lambda text: "CL-100040" not in text, timeout=10)
    marker = uuid.uuid4().hex[:8]
    pane.type(f"echo exit=$? {marker}; stty -a")
    pane.keys("Enter")
    shell = pane.wait_for(f"exit=0 {marker}", timeout=10)
    settings = set(re.split(r"[\s;]+", shell[shell.index(f"exit=0 {marker}") :]))
    assert {"icanon", "echo", "isig"} <= settings and not {"-icanon", "-echo"} & settings, shell
    assert pane.value("alternate_on") == "0"  # the alternate screen was left
    assert pane.value("pane_current_command") == "bash"  # the program exited
    for leftover in ("fpconsole  Clients", "● connected", "╭"):  # nothing of the UI on the main screen
        assert leftover not in shell
    # Everything the console wrote (cache, journal, sandbox) is under the test's home folder.
    assert any(pane.home.rglob("*.sqlite3")), sorted(str(p) for p in pane.home.rglob("*"))


def test_a_burst_with_tabs_fills_each_field_in_turn(pane: Pane) -> None:
    """Issue 12, item 1: everything in one write, as a paste or fast typing over SSH sends it."""
    start(pane)
    # Create client, then two Tabs from Product to Phone, three over the two selects to First
    # name, one to Last name: text used to pile up in Phone.
    pane.keys("n", "Tab", "Tab", "77011234567", "Tab", "Tab", "Tab", "ALIYA", "Tab", "SERIKOVA")
    pane.line_with("Last name *", "SERIKOVA")
    pane.line_with("First name *", "ALIYA")
    pane.line_with("Phone *", "77011234567")

    # Discard it, open an active card by id, create a transaction on it: Order id, two Tabs
    # (over Card id) to Amount. 500 used to end up in Order id (ORD-9500).
    pane.keys("Escape")
    pane.wait_for("Discard what you typed?")
    pane.keys("Tab", "Tab", "Enter", "F3")
    cards = pane.wait_for(
        lambda screen: "Cards" in screen and bool(re.search(r"\b700\d{4}\s+\S+\s+active\b", screen))
    )
    found = re.search(r"\b(700\d{4})\s+\S+\s+active\b", cards)
    assert found is not None
    pane.keys(":", f"card {found.group(1)}", "Enter", "t", "ORD-9", "Tab", "Tab", "500")
    pane.line_with("Amount *", "500")
    pane.line_with("Order id *", "ORD-9")
