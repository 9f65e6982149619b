"""The question a command asks before it changes state on a production profile.

A script cannot change production by accident (a default_profile pointing at it, a command line
pasted from a test ticket): it must say --yes. A person at a terminal sees what will be sent and
types a word back (the method's name for `call`, the number of rows for `bulk`), so a reflexive
`y` or Enter sends nothing. Reads never ask, and the read-only default is not lifted by --yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TextIO

from fpconsole.exit_codes import EXIT_INTERRUPTED, EXIT_INVALID_INPUT

CANCELLED_HINT: Final = "(--yes skips this question)"


@dataclass(frozen=True, slots=True)
class Question:
    prog: str  # "fpconsole call", the prefix of every line
    where: str  # "profile live is production (card-api.example.kz)"
    change: str  # "card.block changes state"
    shown: str  # what will be sent, one line, secrets masked
    answer: str  # what must be typed back to send
    answer_is: str  # what that answer is, for the refusal without a terminal: "the method name"
    sends: str = "it"  # "Type 20 to send them"


def needs_confirmation(session: Any, *, changes_state: bool, yes: bool) -> bool:
    return session.kind == "production" and changes_state and not yes


def production_where(session: Any) -> str:
    return f"profile {session.profile_name} is production ({session.host})"


def confirm(question: Question, stdin: TextIO, err: TextIO, *, stdin_is_input: bool = False) -> int | None:
    """None means go on; otherwise the exit code, and nothing was sent. `stdin_is_input`: the
    command reads its input from stdin, which therefore cannot also answer."""
    q = question
    if stdin_is_input or not is_terminal(stdin):
        err.write(
            f"{q.prog}: {q.where} and {q.change}; nothing was sent. Add --yes to send it "
            f"(or run it on a terminal to confirm by typing {q.answer_is})\n"
        )
        return EXIT_INVALID_INPUT
    err.write(f"{q.prog}: {q.where}; {q.change}:\n  {q.shown}\n")
    err.write(f"Type {q.answer} to send {q.sends} (anything else cancels): ")
    err.flush()
    try:
        typed = stdin.readline()
    except KeyboardInterrupt:
        err.write(f"\n{q.prog}: interrupted; nothing was sent\n")
        return EXIT_INTERRUPTED
    if typed.strip() != q.answer:
        lead = "" if typed.endswith("\n") else "\n"  # Ctrl+D leaves the cursor on the question
        err.write(f"{lead}{q.prog}: not confirmed; nothing was sent {CANCELLED_HINT}\n")
        return EXIT_INVALID_INPUT
    return None


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def summary(body: dict[str, Any], prefix: str = "") -> str:
    """`card_id=7001001 description=lost`, nested fields dotted, long values cut."""
    parts: list[str] = []
    for key, value in body.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            parts.append(summary(value, f"{name}."))
        elif isinstance(value, list):
            parts.append(summary({str(i): item for i, item in enumerate(value)}, f"{name}."))
        else:
            text = str(value)
            parts.append(f"{name}={text if len(text) <= 40 else text[:39] + '…'}")
    return " ".join(part for part in parts if part)
