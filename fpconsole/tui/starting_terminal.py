"""What is typed while the console starts reaches it, and stays off the shell's screen and out
of the shell.

Until Textual switches the terminal to raw mode (about half a second after `fpconsole` is typed,
imports first), the terminal is still in the shell's cooked mode:
- Usually with IXON on: the kernel takes ctrl+s and ctrl+q as XON/XOFF flow control and never
  passes them on. A ctrl+s (the forms' Submit) or ctrl+q (quit) typed that early was lost, and
  a ctrl+s stopped the terminal's output until a ctrl+q on setups where nothing restarted it.
- With ECHO on: every key typed then was echoed onto the shell's screen (`n`, `^S`), under the
  console's alternate screen, and was still there, stray, when the console ended (QA 24).

So IXON and ECHO alone are cleared the moment the console knows it reads a terminal, before its
imports; the rest of cooked mode stays (early_keys.py relies on it), and TCSANOW leaves what was
already typed in place. A ctrl+s typed then waits in the line buffer as \\x13, an ordinary
character once IXON is off, and reaches the app as ctrl+s: in a line ended with Enter through
early_keys.read_cooked_lines, in the unfinished line through Textual's first raw read.

A key the terminal took before (while the shell still read the command line, or Python started)
stays lost, or echoed; Linux at least restarts the output a ctrl+s stopped when IXON is cleared.

Textual saves the terminal's attributes when it starts and puts them back when it ends, both
bits still off then: each bit cleared here is put back once the console has ended, however it
ended, and only those bits.

Keys typed for a console that ended before Textual took the terminal (a broken config, ctrl+c
during the start) were read by the shell instead (QA 25): `n7701` appeared at the prompt, a
ctrl+s opened its history search, and an Enter typed ahead would have run the line as a shell
command. Those keys are discarded then. Keys typed after Textual took the terminal are its to
read; what comes after it let go (typed behind a ctrl+q) is the shell's, and stays.
"""

from __future__ import annotations

import contextlib
import os
import termios
from collections.abc import Iterator
from dataclasses import dataclass

_IFLAG, _LFLAG = 0, 3  # termios.tcgetattr's list: iflag, oflag, cflag, lflag, ispeed, ospeed, cc
# (place in that list, bit): flow control, and the echo of what is typed.
CLEARED: tuple[tuple[int, int], ...] = ((_IFLAG, termios.IXON), (_LFLAG, termios.ECHO))


def _in_background(fd: int) -> bool:
    """Whether fd is this process's controlling terminal with another process group in front.
    Changing its attributes then stops the process (SIGTTOU) or changes them under the job the
    operator is using; neither is this module's business. A terminal that is not the
    controlling one (a test's pty) has no foreground group to ask: not in the background."""
    try:
        return os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:
        return False


def _set_bits(fd: int, bits: tuple[tuple[int, int], ...], on: bool) -> tuple[tuple[int, int], ...]:
    """`bits` set or cleared on fd, the other attributes as they are now; the bits it changed.
    Never raises: the terminal may be gone (EIO), or not a terminal at all."""
    if _in_background(fd):
        return ()
    try:
        attrs = termios.tcgetattr(fd)
        changed = tuple((place, bit) for place, bit in bits if bool(attrs[place] & bit) != on)
        if not changed:
            return ()
        for place, bit in changed:
            attrs[place] = attrs[place] | bit if on else attrs[place] & ~bit
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except (termios.error, OSError):
        return ()
    return changed


def _discard_typed_ahead(fd: int) -> None:
    """What is typed and not read yet on fd is dropped. Never raises, as `_set_bits`."""
    if _in_background(fd):
        return
    with contextlib.suppress(termios.error, OSError):
        termios.tcflush(fd, termios.TCIFLUSH)


@dataclass
class StartingTerminal:
    """Told by the launch when Textual takes the terminal: from then on the keys are its to read."""

    taken: bool = False

    def taken_by_console(self) -> None:
        self.taken = True


@contextlib.contextmanager
def keys_kept_while_starting(fd: int | None) -> Iterator[StartingTerminal]:
    """IXON and ECHO off on the terminal fd for the duration, then each back on if it was on
    before; nothing done for None (no terminal), nor on a terminal the console is in the
    background of. Keys left unread by a console that ended before `taken_by_console` are
    discarded rather than left to the shell.

    While the console is suspended (SIGTSTP, $PAGER) Textual puts back the attributes it saved,
    both off. bash sets its own again when a job stops; a pager sets its own mode. A shell that
    does not takes ctrl+s and ctrl+q as keys rather than flow control meanwhile, and no key is
    lost that way; the operator's setting is back when the console ends. A console that ends in
    the background (moved there after it started) leaves the bits off rather than change the
    terminal under the job in front."""
    cleared = _set_bits(fd, CLEARED, on=False) if fd is not None else ()
    terminal = StartingTerminal()
    try:
        yield terminal
    finally:
        if fd is not None and not terminal.taken:
            _discard_typed_ahead(fd)
        if fd is not None and cleared:
            _set_bits(fd, cleared, on=True)
