"""A console whose terminal goes away ends, as it does on SIGHUP.

An SSH session that drops or a tmux killed with the console in it closes the pseudo-terminal:
from then on reads give end-of-file or EIO and writes fail with EIO. A SIGHUP usually follows,
but not always (`nohup`, a session that is not the terminal's, a hangup that lands while the
console was starting). Textual 8.2.8 took neither well: its input thread went on selecting the
dead terminal, which is always "readable", at 100% CPU, and its writer thread died on the first
failed write, after which every write queued behind it blocked the console's own shutdown once
the queue was full. Found as orphaned consoles hours later, spinning.

So the console's driver (ConsoleDriver) reads and writes through two guards here: a read that
finds the terminal gone stops the input thread and ends the app the way SIGHUP does (drafts
kept, requests in process left for the next start), and a write that fails drops this and every
later write instead of raising in the writer thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from typing import IO, Any

from textual import events
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser

from fpconsole.tui.early_keys import TypedAheadDriver
from fpconsole.tui.escape_keys import ESC, EscapeSplitter

log = logging.getLogger(__name__)

_READ_SIZE = 4096  # as Textual reads


class TerminalOutput:
    """The terminal as a file for Textual's writer thread: a write or flush that fails because
    the terminal is gone calls on_lost (once) and drops this and every later write."""

    def __init__(self, file: IO[str], on_lost: Callable[[], None]) -> None:
        self._file = file
        self._on_lost = on_lost
        self.lost = False

    def write(self, text: str) -> int:
        if not self.lost:
            try:
                self._file.write(text)
            except (OSError, ValueError):  # EIO/EPIPE; ValueError: the file was closed
                self._lose()
        return len(text)

    def flush(self) -> None:
        if not self.lost:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self._lose()

    def _lose(self) -> None:
        self.lost = True
        self._on_lost()

    def __getattr__(self, name: str) -> Any:
        # fileno(), isatty(), encoding...: the terminal's own.
        return getattr(self._file, name)


class ConsoleDriver(TypedAheadDriver):
    """Textual's Linux driver, typed-ahead lines kept (early_keys), ending the app when the
    terminal goes away instead of spinning on it or blocking on it, and taking a SIGCONT after
    a SIGSTOP from outside (`_sigcont_application`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lost_once = threading.Lock()
        self._lost = False
        self._file = TerminalOutput(self._file, self.terminal_lost)  # type: ignore[arg-type,assignment]

    def _sigcont_application(self, *args: Any) -> None:
        """SIGCONT. After the driver's own SIGTSTP handling the terminal was handed back and
        input stopped: Textual takes it up again. After a SIGSTOP, which no program can catch,
        nothing was stopped, and Textual's resume started a second input thread beside the one
        still reading: after a few stops ctrl+q blanked the screen and the console hung with
        threads left reading the terminal. So then the terminal mode is taken down and up
        again, as after ctrl+z, on the loop (not in the signal handler, which may have
        interrupted a write), and the screen is painted again (app_resume_signal)."""
        thread = self._key_thread
        if not (self._auto_restart and thread is not None and thread.is_alive()):
            super()._sigcont_application(*args)
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the app has ended anyway
            self._loop.call_soon_threadsafe(self._restart_application_mode)

    def _restart_application_mode(self) -> None:
        if self._key_thread is None or not self._key_thread.is_alive():
            return  # suspended or ended meanwhile
        self.suspend_application_mode()  # as ctrl+z: keys typed while stopped are dropped
        self._must_signal_resume = True
        self.resume_application_mode()
        log.debug("continued after a stop from outside: terminal mode taken up again")

    def terminal_lost(self) -> None:
        """Called from the input or the writer thread: ask the app, on its own loop, to end as on
        SIGHUP. Once, however many reads and writes fail after it."""
        with self._lost_once:
            if self._lost:
                return
            self._lost = True
        on_lost = getattr(self._app, "terminal_lost", None) or self._app.exit
        with contextlib.suppress(RuntimeError):  # a closed loop: the app has ended anyway
            self._loop.call_soon_threadsafe(on_lost)

    def run_input_thread(self) -> None:
        """Textual's input loop (8.2.8), except that end-of-file or a failed read ends it: on a
        terminal that means the terminal is gone and the app is told so; piped input that ends
        simply has nothing more to give. And Esc read together with the key after it stays two
        keys (escape_keys.py)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        splitter = EscapeSplitter()

        def dispatch(pieces: list[str]) -> None:
            for piece in pieces:
                if piece == ESC:
                    self.process_message(events.Key("escape", ESC))
                    continue
                for event in parser.feed(piece):
                    self.process_message(event)

        def read_and_dispatch(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> bool:
            """False once there is nothing more to read."""
            for last, (_key, mask) in loop_last(ready):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(self.fileno, _READ_SIZE)
                    except OSError:
                        data = b""
                    if not data:
                        return False
                    dispatch(splitter.split(decode(data, final=final and last)))
            if not ready:
                dispatch(splitter.flush())  # an Esc with nothing after it: the Escape key
            for event in parser.tick():
                self.process_message(event)
            return True

        try:
            while not self.exit_event.is_set():
                if not read_and_dispatch(selector.select(0.1)):
                    if self.input_tty:
                        self.terminal_lost()
                    return
            selector.unregister(self.fileno)
            read_and_dispatch(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
