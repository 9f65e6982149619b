"""`fpconsole` with no command: check the config, then open the console.

Only what the first frame needs is imported before `run()`; the sandbox and the client are
imported by the app in a worker once the first frame is painted.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpconsole.tui.starting_terminal import StartingTerminal


def run_console(*, profile: str | None, theme: str | None, read_only: bool, mouse: bool = True) -> int:
    """`mouse=False` (--no-mouse) or `mouse = false` in config.toml: no mouse reporting is asked
    of the terminal, so its own select-and-copy works (over SSH, in tmux without mouse mode)."""
    from fpconsole.exit_codes import EXIT_INVALID_INPUT

    if not reads_a_terminal():
        # Textual reads keys from stdin only: `fpconsole < /dev/null` painted a console that no
        # key reached, and that only a signal ended (QA 23).
        sys.stderr.write(
            "fpconsole: the console reads its keys from a terminal, and standard input is not one; "
            "run it in a terminal, or use `fpconsole call` in scripts\n"
        )
        return EXIT_INVALID_INPUT
    from fpconsole.tui.starting_terminal import keys_kept_while_starting

    # Before anything slow: a ctrl+s or ctrl+q typed while the console starts is a key for it,
    # not flow control, and no key typed then is echoed onto the shell's screen
    # (starting_terminal.py). Put back however the console ends, after Textual's own.
    with keys_kept_while_starting(stdin_fd()) as terminal:
        return _open_console(
            profile=profile, theme=theme, read_only=read_only, mouse=mouse, terminal=terminal
        )


def _open_console(
    *, profile: str | None, theme: str | None, read_only: bool, mouse: bool, terminal: StartingTerminal
) -> int:
    """run_console once standard input is known to be a terminal. `terminal` is told when the
    app takes it: keys typed for a console refused before then are not left to the shell."""
    from fpconsole.config import ConfigError, resolve_profile
    from fpconsole.exit_codes import EXIT_INVALID_INPUT

    try:
        # Once for the whole console: its bar, its session and its forms read this object.
        chosen = resolve_profile(profile, read_only=read_only)
    except ConfigError as exc:
        # The console does not start on a broken config, and says why.
        sys.stderr.write(f"fpconsole: {exc}\n")
        return EXIT_INVALID_INPUT
    from fpconsole.tui.first_start import FirstStart, is_first_start
    from fpconsole.tui.gc_pacing import START_HOLD

    # Started before Textual is imported: it runs on another core meanwhile.
    first_start = FirstStart.begin(profile) if is_first_start(chosen) else None
    START_HOLD.hold()  # no garbage collection until the console is up (gc_pacing.py)
    try:
        from fpconsole.tui.keymap import check_keys

        try:
            keymap = check_keys(chosen.keys, chosen.config_file)
        except ConfigError as exc:
            sys.stderr.write(f"fpconsole: {exc}\n")
            return EXIT_INVALID_INPUT
        from fpconsole.tui.app import ConsoleContext, FpConsoleApp, default_user_host
        from fpconsole.tui.partial_paint import install

        install()  # only the changed cells of a line are written to the terminal (SSH)
        follow_terminal_size()

        context = ConsoleContext(
            profile=chosen,
            user_host=default_user_host(),
            theme=theme or chosen.theme,
            keymap=keymap,
            first_start=first_start,
        )
        app = FpConsoleApp(context)
        terminal.taken_by_console()
        # Asked only when off: run() with no arguments is how the app always started.
        result = app.run() if mouse and chosen.mouse else app.run(mouse=False)
    finally:
        START_HOLD.cancel()  # the console's pacer released it, unless the console never got so far
        if first_start is not None:
            first_start.stop()  # a console that did not start (or ended early) leaves no child
    if app.ended_by_signal is not None:
        # Said once the terminal is back: what the stop kept, as ctrl+q would have.
        with contextlib.suppress(OSError):  # the terminal may be the thing that went away
            summary = stop_summary(app.ended_by_signal, app.in_process, app.drafts_kept)
            sys.stderr.write(f"fpconsole: {summary}\n")
            sys.stderr.flush()
    if result is not None:
        return int(result)
    # After an unexpected error run() returns None and the code (1) is on the app: not success.
    return app.return_code or 0


def reads_a_terminal() -> bool:
    """Whether standard input is a terminal, where the console's keys come from."""
    stdin = sys.__stdin__
    try:
        return stdin is not None and stdin.isatty()
    except ValueError:  # closed
        return False


def stdin_fd() -> int | None:
    """The descriptor of the terminal the console reads, None if there is none to be had."""
    stdin = sys.__stdin__
    try:
        return stdin.fileno() if stdin is not None else None
    except (OSError, ValueError):  # closed, or not a real file
        return None


def follow_terminal_size() -> None:
    """Drop LINES and COLUMNS when the console runs in a terminal. Textual reads its size from
    them first, on every resize: a shell that exports them (bash updates exported ones) left
    the console painting the size it started at, which scrolled and garbled a smaller terminal.
    The terminal itself is asked instead; programs the console starts ask it too."""
    import os

    if sys.__stdout__ is not None and sys.__stdout__.isatty():
        for name in ("LINES", "COLUMNS"):
            os.environ.pop(name, None)


def stop_summary(signum: int, in_process: int, drafts_kept: int) -> str:
    """What a stop by a signal kept, in one line: drafts only when a form had something of the
    operator's in it (QA 24: said with no form open)."""
    import signal

    name = signal.Signals(signum).name
    drafts = ""
    if drafts_kept:
        drafts = (
            ": 1 open form kept as a draft"
            if drafts_kept == 1
            else f": {drafts_kept} open forms kept as drafts"
        )
    waiting = (
        f"; {in_process} request{'s' if in_process != 1 else ''} in process, followed again at the next start"
        if in_process
        else ""
    )
    return f"stopped by {name}{drafts}{waiting}"
