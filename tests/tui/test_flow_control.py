"""ctrl+s and ctrl+q typed while the console starts reach it (flow_control.py): IXON is off from
the start of run_console, and the terminal's own setting is back however the console ends.

The terminal is a pty pair: the slave is the console's stdin, writing to the master is typing."""

from __future__ import annotations

import os
import select
import sys
import termios
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from fpconsole.tui import launch
from fpconsole.tui.app import FpConsoleApp
from fpconsole.tui.early_keys import read_cooked_lines
from fpconsole.tui.flow_control import flow_control_keys_passed

CTRL_S = b"\x13"
CTRL_Q = b"\x11"


class Terminal:
    """A pty in cooked mode with IXON on, as a shell leaves it."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        attrs = termios.tcgetattr(self.slave)
        attrs[0] |= termios.IXON | termios.ICRNL
        attrs[1] |= termios.OPOST | termios.ONLCR
        attrs[3] |= termios.ICANON | termios.ECHO | termios.ECHOCTL
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.before = termios.tcgetattr(self.slave)

    def attrs(self) -> list[Any]:
        return termios.tcgetattr(self.slave)

    def ixon(self) -> bool:
        return bool(self.attrs()[0] & termios.IXON)

    def type(self, keys: bytes, echo: bytes) -> None:
        """Type keys and wait until the terminal has taken them in, which it does after the write
        returns: until it has echoed `echo`."""
        os.write(self.master, keys)
        echoed = b""
        while echo not in echoed:
            ready, _, _ = select.select([self.master], [], [], 30)
            assert ready, f"{keys!r} typed, {echo!r} never echoed: {echoed!r}"
            echoed += os.read(self.master, 1024)

    def pending(self) -> bytes:
        """What a raw read of the terminal gives now, as Textual's first read would."""
        tty.setraw(self.slave, termios.TCSANOW)
        attrs = self.attrs()
        attrs[6][termios.VMIN] = 0  # a read returns what is there, without waiting for more
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        return os.read(self.slave, 1024)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    opened = Terminal()
    try:
        yield opened
    finally:
        opened.close()


def without(attrs: list[Any], flag: int) -> list[Any]:
    return [attrs[0] & ~flag, *attrs[1:]]


def test_ixon_alone_is_off_inside_and_back_after(terminal: Terminal) -> None:
    with flow_control_keys_passed(terminal.slave):
        assert terminal.attrs() == without(terminal.before, termios.IXON)
    assert terminal.attrs() == terminal.before


def test_a_terminal_without_ixon_is_left_as_it_is(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    termios.tcsetattr(terminal.slave, termios.TCSANOW, without(terminal.before, termios.IXON))
    calls: list[object] = []
    monkeypatch.setattr(termios, "tcsetattr", lambda *args: calls.append(args))
    with flow_control_keys_passed(terminal.slave):
        pass
    assert calls == []
    assert not terminal.ixon()


def test_only_ixon_is_put_back_over_what_the_console_left(terminal: Terminal) -> None:
    # Textual puts back the attributes it saved at its start, IXON already off then.
    with flow_control_keys_passed(terminal.slave):
        textual_saved = terminal.attrs()
        tty.setraw(terminal.slave, termios.TCSANOW)
        termios.tcsetattr(terminal.slave, termios.TCSANOW, textual_saved)
    assert terminal.attrs() == terminal.before


def test_keys_typed_before_are_kept_and_a_ctrl_s_typed_meanwhile_reaches_the_console(
    terminal: Terminal,
) -> None:
    terminal.type(b"ab", echo=b"ab")
    with flow_control_keys_passed(terminal.slave):
        terminal.type(b"c" + CTRL_S, echo=b"c^S")
        assert read_cooked_lines(terminal.slave) == b""  # no complete line: left for Textual
        assert terminal.pending() == b"abc" + CTRL_S


def test_a_ctrl_s_in_a_line_ended_with_enter_reaches_the_console_as_ctrl_s(terminal: Terminal) -> None:
    with flow_control_keys_passed(terminal.slave):
        terminal.type(b"x" + CTRL_S + b"\r", echo=b"x^S\r\n")
        typed = read_cooked_lines(terminal.slave)
    assert typed == b"x" + CTRL_S + b"\r"
    keys = [event.key for event in XTermParser().feed(typed.decode()) if isinstance(event, events.Key)]
    assert keys == ["x", "ctrl+s", "enter"]


def test_with_ixon_on_the_terminal_itself_takes_ctrl_s(terminal: Terminal) -> None:
    """What happened before: neither key reached the console, and ctrl+s held the output (the
    echo of b) until ctrl+q."""
    terminal.type(b"a" + CTRL_S + b"b" + CTRL_Q, echo=b"ab")
    assert terminal.pending() == b"ab"


@pytest.mark.parametrize("failing", ["clearing", "putting back"])
def test_a_terminal_that_refuses_the_change_is_not_an_error(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    real_tcsetattr = termios.tcsetattr
    calls: list[int] = []
    fails_at = 1 if failing == "clearing" else 2

    def tcsetattr(fd: int, when: int, attrs: list[Any]) -> None:
        calls.append(when)
        if len(calls) == fails_at:
            raise termios.error(5, "Input/output error")  # a terminal gone, or one in the background
        real_tcsetattr(fd, when, attrs)

    monkeypatch.setattr(termios, "tcsetattr", tcsetattr)
    with flow_control_keys_passed(terminal.slave):
        pass
    assert calls == [termios.TCSANOW] * fails_at
    assert terminal.ixon() is (failing == "clearing")


def test_no_terminal_and_a_closed_one_are_not_an_error(terminal: Terminal) -> None:
    with flow_control_keys_passed(None):
        pass
    read_end, write_end = os.pipe()
    try:
        with flow_control_keys_passed(read_end):
            pass
    finally:
        os.close(read_end)
        os.close(write_end)
    with flow_control_keys_passed(terminal.slave):
        os.close(terminal.master)  # the terminal goes away while the console runs
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # for close()


def test_a_terminal_the_console_is_in_the_background_of_is_left_alone(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another job in front: changing the terminal would stop the console (SIGTTOU) or change it
    # under that job.
    monkeypatch.setattr(os, "tcgetpgrp", lambda fd: os.getpgrp() + 1)
    with flow_control_keys_passed(terminal.slave):
        assert terminal.attrs() == terminal.before
    assert terminal.attrs() == terminal.before


@pytest.fixture
def stdin_terminal(terminal: Terminal, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    """The pty as the console's standard input."""
    stdin: IO[str] = open(terminal.slave, closefd=False)  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "__stdin__", stdin)
    try:
        yield terminal
    finally:
        stdin.close()


def write_config(home: Path, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(text, encoding="utf-8")


def test_the_console_runs_with_ixon_off_and_puts_it_back_after(
    isolated_home: Path, stdin_terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole import config

    seen: list[tuple[str, bool]] = []
    resolve_profile = config.resolve_profile

    def resolve(*args: Any, **kwargs: Any) -> Any:
        seen.append(("config read", stdin_terminal.ixon()))
        return resolve_profile(*args, **kwargs)

    def run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> int:
        seen.append(("app run", stdin_terminal.ixon()))
        return 0

    monkeypatch.setattr(config, "resolve_profile", resolve)
    monkeypatch.setattr(FpConsoleApp, "run", run)
    assert launch.run_console(profile=None, theme=None, read_only=False) == 0
    assert seen == [("config read", False), ("app run", False)]
    assert stdin_terminal.attrs() == stdin_terminal.before


@pytest.mark.parametrize(
    "config",
    ['[keys]\nform.submit = "escape"\n', "[settings\n"],
    ids=["broken keys", "broken config"],
)
def test_a_console_refused_at_the_start_puts_ixon_back(
    isolated_home: Path,
    stdin_terminal: Terminal,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    config: str,
) -> None:
    write_config(isolated_home, config)
    monkeypatch.setattr(FpConsoleApp, "run", lambda self, *args, **kwargs: pytest.fail("started"))
    assert launch.run_console(profile=None, theme=None, read_only=False) == 2
    assert capsys.readouterr().err.startswith("fpconsole: ")
    assert stdin_terminal.attrs() == stdin_terminal.before


def test_a_console_ended_by_an_exception_puts_ixon_back(
    isolated_home: Path, stdin_terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt  # ctrl+c while the console starts, before raw mode

    monkeypatch.setattr(FpConsoleApp, "run", run)
    with pytest.raises(KeyboardInterrupt):
        launch.run_console(profile=None, theme=None, read_only=False)
    assert stdin_terminal.attrs() == stdin_terminal.before
