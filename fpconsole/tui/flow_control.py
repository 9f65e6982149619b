"""ctrl+s and ctrl+q typed while the console starts reach it.

Until Textual switches the terminal to raw mode (about half a second after `fpconsole` is typed,
imports first), the terminal is in cooked mode, usually with IXON on: the kernel takes ctrl+s
and ctrl+q as XON/XOFF flow control and never passes them on. A ctrl+s (the forms' Submit) or
ctrl+q (quit) typed that early was lost, and a ctrl+s stopped the terminal's output until a
ctrl+q on setups where nothing restarted it.

So IXON alone is cleared the moment the console knows it reads a terminal, before its imports;
the rest of cooked mode stays (early_keys.py relies on it), and TCSANOW leaves what was already
typed in place. A ctrl+s typed then waits in the line buffer as \\x13, an ordinary character
once IXON is off, and reaches the app as ctrl+s: in a line ended with Enter through
early_keys.read_cooked_lines, in the unfinished line through Textual's first raw read.

A key the terminal took before (while the shell still read the command line, or Python started)
stays lost; Linux at least restarts the output a ctrl+s stopped when IXON is cleared.

Textual saves the terminal's attributes when it starts and puts them back when it ends, IXON
still off then: the bit is put back here once the console has ended, however it ended.
"""

from __future__ import annotations

import contextlib
import os
import termios
from collections.abc import Iterator

_IFLAG = 0  # termios.tcgetattr's list: iflag, oflag, cflag, lflag, ispeed, ospeed, cc


def _in_background(fd: int) -> bool:
    """Whether fd is this process's controlling terminal with another process group in front.
    Changing its attributes then stops the process (SIGTTOU) or changes them under the job the
    operator is using; neither is this module's business. A terminal that is not the
    controlling one (a test's pty) has no foreground group to ask: not in the background."""
    try:
        return os.tcgetpgrp(fd) != os.getpgrp()
    except OSError:
        return False


def _set_ixon(fd: int, on: bool) -> bool:
    """IXON set or cleared on fd, the other attributes as they are now; whether it changed.
    Never raises: the terminal may be gone (EIO), or not a terminal at all."""
    if _in_background(fd):
        return False
    try:
        attrs = termios.tcgetattr(fd)
        if bool(attrs[_IFLAG] & termios.IXON) == on:
            return False
        attrs[_IFLAG] = attrs[_IFLAG] | termios.IXON if on else attrs[_IFLAG] & ~termios.IXON
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except (termios.error, OSError):
        return False
    return True


@contextlib.contextmanager
def flow_control_keys_passed(fd: int | None) -> Iterator[None]:
    """IXON off on the terminal fd for the duration, then back on if it was on before; nothing
    done for None (no terminal), nor on a terminal the console is in the background of.

    While the console is suspended (SIGTSTP, $PAGER) Textual puts back the attributes it saved,
    IXON off. bash sets its own again when a job stops, IXON included; a pager, or a shell that
    does not, takes ctrl+s and ctrl+q as keys rather than flow control. That is fine for the
    while: no key is lost that way, and the operator's setting is back when the console ends.
    A console that ends in the background (moved there after it started) leaves the bit off
    rather than change the terminal under the job in front."""
    if fd is None or not _set_ixon(fd, on=False):
        yield
        return
    try:
        yield
    finally:
        _set_ixon(fd, on=True)
