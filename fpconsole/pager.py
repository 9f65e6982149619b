"""Long text (a raw request and its answer, a statement, an export) in the user's pager:
`$PAGER`, else `less -R` when it is installed; None when there is none, so the caller shows the
text itself. The text goes through the pager's stdin, never through a file, so nothing a page
holds is left on disk."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from typing import Final

DEFAULT_PAGER: Final = ("less", "-R")


def pager_command(environ: dict[str, str] | None = None) -> list[str] | None:
    env = os.environ if environ is None else environ
    configured = env.get("PAGER", "").strip()
    if configured:
        try:
            words = shlex.split(configured)
        except ValueError:
            words = []
        if words and shutil.which(words[0]):
            return words
        return None  # a PAGER that cannot run: shown in the console rather than a traceback
    if shutil.which(DEFAULT_PAGER[0]):
        return list(DEFAULT_PAGER)
    return None


def unusable_pager(environ: dict[str, str] | None = None) -> str | None:
    """What is wrong with $PAGER when it is set and cannot run (said, so the operator knows why
    the text shows in the console instead); None when it is unset or runs."""
    env = os.environ if environ is None else environ
    configured = env.get("PAGER", "").strip()
    if not configured:
        return None
    try:
        words = shlex.split(configured)
    except ValueError as exc:
        return f"PAGER={configured!r} cannot be read ({exc})"
    if not words:
        return None
    if shutil.which(words[0]) is None:
        return f"PAGER={configured!r}: {words[0]} is not a program found on PATH"
    return None


def page(text: str, command: list[str]) -> str | None:
    """Run the pager on `text` in the foreground; None when it ran, else what went wrong."""
    env = dict(os.environ)
    env.setdefault("LESS", "-R")
    try:
        done = subprocess.run(command, input=text.encode("utf-8", "replace"), env=env, check=False)
    except OSError as exc:
        return f"{command[0]}: {exc.strerror or exc}"
    if done.returncode != 0:
        return f"{command[0]} exited with status {done.returncode}"
    return None
