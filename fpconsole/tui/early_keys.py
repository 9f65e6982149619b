"""Keys typed before the console took the terminal keep their meaning.

Until Textual switches the terminal to raw mode (a few hundred ms after `fpconsole` is typed,
imports first), the terminal is in cooked mode, and the kernel has already turned every Enter
typed meanwhile (`\\r`) into a line feed (`\\n`, ICRNL). Read raw later, `\\n` is ctrl+j, which
nothing binds: `:card 7001001⏎t…` stayed in the command box as `card 7001001t…`.

So before raw mode, the complete lines already typed are read here and their line feeds given
back as the Enter they were; they go to the app ahead of anything read afterwards. The
unfinished line after them holds no line feed and is read by Textual as usual.
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios

from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from fpconsole.tui.escape_keys import ESC, EscapeSplitter

_CHUNK = 4096


def _pending(fd: int) -> int:
    try:
        packed = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    except OSError:
        return 0
    count: int = struct.unpack("i", packed)[0]
    return count


def read_cooked_lines(fd: int) -> bytes:
    """The complete lines typed ahead, with each line end as the Enter it was typed as; empty
    when the terminal does not turn Enter into a line feed (nothing to give back then)."""
    try:
        attrs = termios.tcgetattr(fd)
    except termios.error:
        return b""
    if not (attrs[3] & termios.ICANON and attrs[0] & termios.ICRNL):
        return b""
    typed = bytearray()
    # In canonical mode FIONREAD counts complete lines only, and a read returns one line at a
    # time: neither blocks on the line still being typed.
    while _pending(fd) > 0:
        try:
            chunk = os.read(fd, _CHUNK)
        except OSError:
            break
        if not chunk:
            break
        typed += chunk
    return bytes(typed).replace(b"\n", b"\r")


class TypedAheadDriver(LinuxDriver):
    """LinuxDriver that hands over the lines typed before it started, Enter restored."""

    def start_application_mode(self) -> None:
        typed = read_cooked_lines(self.fileno) if self.input_tty else b""
        if typed:
            parser = XTermParser(self._debug)
            text = typed.decode("utf-8", errors="replace")
            # Esc and the key after it stay two keys here too (escape_keys.py).
            splitter = EscapeSplitter()
            for piece in [*splitter.split(text), *splitter.flush(), ""]:
                if piece == ESC:
                    self.process_message(events.Key("escape", ESC))
                    continue
                for event in parser.feed(piece):
                    self.process_message(event)
        super().start_application_mode()  # type: ignore[no-untyped-call]
