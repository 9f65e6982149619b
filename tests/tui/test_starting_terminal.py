"""What is typed while the console starts reaches it and is not echoed onto the shell's screen
(starting_terminal.py): IXON and ECHO are off from the start of run_console, and the terminal's
own settings are back however the console ends.

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
from fpconsole.tui.starting_terminal import keys_kept_while_starting

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

    def echo(self) -> bool:
        return bool(self.attrs()[3] & termios.ECHO)

    def type(self, keys: bytes, echo: bytes) -> None:
        """Type keys and wait until the terminal has taken them in, which it does after the write
        returns: until it has echoed `echo`."""
        os.write(self.master, keys)
        echoed = b""
        while echo not in echoed:
            ready, _, _ = select.select([self.master], [], [], 30)
            assert ready, f"{keys!r} typed, {echo!r} never echoed: {echoed!r}"
            echoed += os.read(self.master, 1024)

    def type_unechoed(self, keys: bytes) -> None:
        """Type keys into a terminal that echoes nothing: `pending` or `lines` waits for them."""
        os.write(self.master, keys)

    def lines(self, expected: bytes) -> bytes:
        """The complete lines typed ahead (early_keys), once the terminal holds `expected`'s lines:
        a canonical terminal is readable once it has a whole line."""
        ready, _, _ = select.select([self.slave], [], [], 30)
        assert ready, f"the line {expected!r} never reached the terminal"
        return read_cooked_lines(self.slave)

    def pending(self, expected: bytes) -> bytes:
        """What a raw read of the terminal gives, as Textual's first read would, once it holds
        `expected`: typed keys reach it a moment after the write to the master returns."""
        tty.setraw(self.slave, termios.TCSANOW)
        read = b""
        while len(read) < len(expected):
            ready, _, _ = select.select([self.slave], [], [], 30)
            assert ready, f"{expected!r} typed, {read!r} read"
            read += os.read(self.slave, 1024)
        return read

    def wait_line(self) -> None:
        """Until a whole line typed is in the terminal (readable in canonical mode), unread."""
        ready, _, _ = select.select([self.slave], [], [], 30)
        assert ready, "the line typed never reached the terminal"

    def unread(self) -> bytes:
        """What is typed and not read yet, read raw without waiting (b"" when nothing is)."""
        tty.setraw(self.slave, termios.TCSANOW)
        attrs = self.attrs()
        attrs[6][termios.VMIN] = 0
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        return os.read(self.slave, 1024)

    def echoed(self) -> bytes:
        """What the terminal has written back to the screen so far (the echo). An echo reaches
        the master a moment later: a mark written after it, on the same way out, comes behind it."""
        os.write(self.slave, b"|")
        written = b""
        while not written.endswith(b"|"):
            ready, _, _ = select.select([self.master], [], [], 30)
            assert ready, f"the mark never came through: {written!r}"
            written += os.read(self.master, 1024)
        return written[:-1]

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


def without(attrs: list[Any], *, iflag: int = 0, lflag: int = 0) -> list[Any]:
    return [attrs[0] & ~iflag, attrs[1], attrs[2], attrs[3] & ~lflag, *attrs[4:]]


def test_ixon_and_echo_alone_are_off_inside_and_back_after(terminal: Terminal) -> None:
    with keys_kept_while_starting(terminal.slave):
        assert terminal.attrs() == without(terminal.before, iflag=termios.IXON, lflag=termios.ECHO)
    assert terminal.attrs() == terminal.before


def test_keys_typed_while_starting_stay_off_the_shells_screen(terminal: Terminal) -> None:
    with keys_kept_while_starting(terminal.slave):
        terminal.type_unechoed(b"n" + CTRL_S)
        assert terminal.pending(b"n" + CTRL_S) == b"n" + CTRL_S
        # Echoed as the terminal took the keys in, before they could be read: none was.
        assert terminal.echoed() == b""


def test_keys_left_by_a_console_that_never_took_the_terminal_do_not_reach_the_shell(
    terminal: Terminal,
) -> None:
    """QA 25: after a refused start the shell read `n7701` and a ctrl+s (its history search);
    an Enter typed ahead would have run the line as a command."""
    with keys_kept_while_starting(terminal.slave):
        terminal.type_unechoed(b"n7701" + CTRL_S + b"\r")
        terminal.wait_line()
    assert terminal.unread() == b""


def test_keys_typed_once_the_console_took_the_terminal_are_left_in_place(terminal: Terminal) -> None:
    # Its own to read; and what comes behind a ctrl+q is the shell's.
    with keys_kept_while_starting(terminal.slave) as starting:
        starting.taken_by_console()
        terminal.type_unechoed(b"ls\r")
        terminal.wait_line()
    assert terminal.unread() == b"ls\n"


def test_with_echo_on_the_keys_stayed_on_the_shells_screen(terminal: Terminal) -> None:
    """What happened before (QA 24): under the console's alternate screen, and there after it."""
    terminal.type(b"n", echo=b"n")


def test_a_terminal_with_one_bit_off_gets_only_the_other_back(terminal: Terminal) -> None:
    termios.tcsetattr(terminal.slave, termios.TCSANOW, without(terminal.before, lflag=termios.ECHO))
    with keys_kept_while_starting(terminal.slave):
        assert not terminal.ixon() and not terminal.echo()
    assert terminal.ixon() and not terminal.echo()


def test_a_terminal_without_ixon_is_left_as_it_is(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    termios.tcsetattr(
        terminal.slave, termios.TCSANOW, without(terminal.before, iflag=termios.IXON, lflag=termios.ECHO)
    )
    calls: list[object] = []
    monkeypatch.setattr(termios, "tcsetattr", lambda *args: calls.append(args))
    with keys_kept_while_starting(terminal.slave):
        pass
    assert calls == []
    assert not terminal.ixon() and not terminal.echo()


def test_only_ixon_and_echo_are_put_back_over_what_the_console_left(terminal: Terminal) -> None:
    # Textual puts back the attributes it saved at its start, IXON and ECHO already off then.
    with keys_kept_while_starting(terminal.slave):
        textual_saved = terminal.attrs()
        tty.setraw(terminal.slave, termios.TCSANOW)
        termios.tcsetattr(terminal.slave, termios.TCSANOW, textual_saved)
    assert terminal.attrs() == terminal.before


def test_keys_typed_before_are_kept_and_a_ctrl_s_typed_meanwhile_reaches_the_console(
    terminal: Terminal,
) -> None:
    terminal.type(b"ab", echo=b"ab")
    with keys_kept_while_starting(terminal.slave):
        terminal.type_unechoed(b"c" + CTRL_S)
        assert read_cooked_lines(terminal.slave) == b""  # no complete line: left for Textual
        assert terminal.pending(b"abc" + CTRL_S) == b"abc" + CTRL_S


def test_a_ctrl_s_in_a_line_ended_with_enter_reaches_the_console_as_ctrl_s(terminal: Terminal) -> None:
    with keys_kept_while_starting(terminal.slave):
        terminal.type_unechoed(b"x" + CTRL_S + b"\r")
        typed = terminal.lines(b"x" + CTRL_S + b"\n")
    assert typed == b"x" + CTRL_S + b"\r"
    keys = [event.key for event in XTermParser().feed(typed.decode()) if isinstance(event, events.Key)]
    assert keys == ["x", "ctrl+s", "enter"]


def test_with_ixon_on_the_terminal_itself_takes_ctrl_s(terminal: Terminal) -> None:
    """What happened before: neither key reached the console, and ctrl+s held the output (the
    echo of b) until ctrl+q."""
    terminal.type(b"a" + CTRL_S + b"b" + CTRL_Q, echo=b"ab")
    assert terminal.pending(b"ab") == b"ab"


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
    with keys_kept_while_starting(terminal.slave):
        pass
    assert calls == [termios.TCSANOW] * fails_at
    assert terminal.ixon() is (failing == "clearing")
    assert terminal.echo() is (failing == "clearing")


def test_no_terminal_and_a_closed_one_are_not_an_error(terminal: Terminal) -> None:
    with keys_kept_while_starting(None):
        pass
    read_end, write_end = os.pipe()
    try:
        with keys_kept_while_starting(read_end):
            pass
    finally:
        os.close(read_end)
        os.close(write_end)
    with keys_kept_while_starting(terminal.slave):
        os.close(terminal.master)  # the terminal goes away while the console runs
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # for close()


def test_a_terminal_the_console_is_in_the_background_of_is_left_alone(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another job in front: changing the terminal would stop the console (SIGTTOU) or change it
    # under that job.
    monkeypatch.setattr(os, "tcgetpgrp", lambda fd: os.getpgrp() + 1)
    with keys_kept_while_starting(terminal.slave):
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


def test_the_console_runs_with_ixon_and_echo_off_and_puts_them_back_after(
    isolated_home: Path, stdin_terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpconsole import config

    seen: list[tuple[str, bool]] = []
    resolve_profile = config.resolve_profile

    def resolve(*args: Any, **kwargs: Any) -> Any:
        seen.append(("config read", stdin_terminal.ixon() or stdin_terminal.echo()))
        return resolve_profile(*args, **kwargs)

    def run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> int:
        seen.append(("app run", stdin_terminal.ixon() or stdin_terminal.echo()))
        return 0

    monkeypatch.setattr(config, "resolve_profile", resolve)
    monkeypatch.setattr(FpConsoleApp, "run", run)
    stdin_terminal.type(b"n\r", echo=b"n\r\n")
    assert launch.run_console(profile=None, theme=None, read_only=False) == 0
    assert seen == [("config read", False), ("app run", False)]
    assert stdin_terminal.attrs() == stdin_terminal.before
    assert stdin_terminal.unread() == b"n\n"  # the app's to read (this stand-in did not)


@pytest.mark.parametrize(
    "config",
    ['[keys]\nform.submit = "escape"\n', "[settings\n"],
    ids=["broken keys", "broken config"],
)
def test_a_console_refused_at_the_start_puts_the_terminal_back_and_drops_its_keys(
    isolated_home: Path,
    stdin_terminal: Terminal,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    config: str,
) -> None:
    write_config(isolated_home, config)
    monkeypatch.setattr(FpConsoleApp, "run", lambda self, *args, **kwargs: pytest.fail("started"))
    stdin_terminal.type(b"n\r", echo=b"n\r\n")  # typed for the console, behind the command
    assert launch.run_console(profile=None, theme=None, read_only=False) == 2
    assert capsys.readouterr().err.startswith("fpconsole: ")
    assert stdin_terminal.attrs() == stdin_terminal.before
    assert stdin_terminal.unread() == b""  # not left to the shell


def test_a_console_ended_by_an_exception_puts_ixon_and_echo_back(
    isolated_home: Path, stdin_terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt  # ctrl+c while the console starts, before raw mode

    monkeypatch.setattr(FpConsoleApp, "run", run)
    with pytest.raises(KeyboardInterrupt):
        launch.run_console(profile=None, theme=None, read_only=False)
    assert stdin_terminal.attrs() == stdin_terminal.before
