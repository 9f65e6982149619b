"""With `--json` on the command line, stderr speaks JSON too: one object a line, so a script that
reads the command's JSON output can read why it failed without parsing prose.

Every command already writes its messages as `fpconsole[ COMMAND]: message` lines (continuation
lines indented). This stream sits in front of stderr and turns them into objects:

- an error: {"level": "error", "code": ..., "message": ..., "field": ..., "exit": N}, written
  when the command ends, since its code follows the exit code (2 invalid_input, 1 api_error,
  3 transport_or_unknown, 130 interrupted); `field` when the message names one (an option, a
  config key, a request field, the profile), `file` and `line` for config.toml mistakes,
  `request_id` when one was printed with it;
- a warning: {"level": "warning", "message": ...} at once;
- anything else (call --wait's status changes, a question asked on a terminal):
  {"level": "info", "message": ...} at once.

Exit codes do not change. `call` is the exception on a terminal: its `--json FILE` names the
request body, so a person who typed it reads plain text; a script still gets the objects.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TextIO

from fpconsole.exit_codes import EXIT_API_ERROR, EXIT_INTERRUPTED, EXIT_INVALID_INPUT, EXIT_TRANSPORT

CODES: Final = {
    EXIT_API_ERROR: "api_error",
    EXIT_INVALID_INPUT: "invalid_input",
    EXIT_TRANSPORT: "transport_or_unknown",
    EXIT_INTERRUPTED: "interrupted",
}
_PREFIX = re.compile(r"^fpconsole(?: [a-z][\w-]*)*: ")
_CONFIG = re.compile(r"^(?P<file>.+?), line (?P<line>\d+)(?:, column \d+)?: (?P<field>[\w.\-\"']+)[ :]")
_ARGUMENT = re.compile(r"^(?:error: )?argument (?P<field>[^:]+?)(?:/[^:]+)?: ")
_REQUIRED = re.compile(r"the following arguments are required: (?P<field>[^,\s]+)")
_OPTION = re.compile(r"^(?P<field>--[a-z][\w-]*)\b")
_ENV = re.compile(r"^(?P<field>FPCONSOLE_[A-Z_]+)=")
_PROFILE = re.compile(r"unknown profile ")
_PROBLEM = re.compile(r"^\s+(?P<field>[\w.\[\]]+): ")
_API_CODE = re.compile(r"^([a-z][a-z0-9_]*): ")
_EXTRA = re.compile(r"^(?P<key>request_id|body): (?P<value>.*)$")


# The options `fpconsole` takes before its command that take a value (cli._options_parser):
# skipped to find the command, so `--profile qa call ...` is seen as `call`.
_GLOBAL_OPTIONS_WITH_VALUE: Final = frozenset({"--profile", "--theme"})
# Commands whose --json names an input (call's body file), not the output's format.
_JSON_IS_AN_INPUT: Final = frozenset({"call"})


def wants_json(argv: Sequence[str], *, terminal: bool | None = None) -> bool:
    """`--json` anywhere before a `--`: every command that takes it (methods, call, journal,
    profiles, keys, ...) also takes it as this request.

    Except `call` when stderr is a terminal (`terminal`; None: ask sys.stderr): there `--json FILE`
    only names the request body, and the person who typed it reads the errors. A script
    (stderr a pipe or a file) still gets JSON objects."""
    for word in argv:
        if word == "--":
            return False
        if word == "--json" or word.startswith("--json="):
            if _command_of(argv) in _JSON_IS_AN_INPUT:
                return not (_stderr_is_terminal() if terminal is None else terminal)
            return True
    return False


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word of `argv`: the first word that is neither an option nor its value."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return None
        if word in _GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed, or replaced by something without isatty
        return False


class JsonErrorStream:
    """A write-only text stream: lines in, JSON objects out to `target`."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self._partial = ""
        self._errors: list[dict[str, Any]] = []
        self._extra: dict[str, str] = {}
        self._usage: list[str] = []
        self._current: dict[str, Any] | None = None  # the error continuation lines go to

    # --- the TextIO a command writes to ---

    def write(self, text: str) -> int:
        self._partial += text
        while "\n" in self._partial:
            line, _, self._partial = self._partial.partition("\n")
            self._line(line)
        return len(text)

    def flush(self) -> None:
        # A question asked without a newline (the production guard) must show before the answer.
        if self._partial:
            self._emit({"level": "info", "message": self._partial})
            self._partial = ""
        self.target.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        # encoding, errors, buffer...: what code asks of stderr besides writing to it.
        return getattr(self.target, name)

    def fileno(self) -> int:
        return self.target.fileno()

    # --- lines to objects ---

    def _line(self, line: str) -> None:
        if not line.strip():
            return
        if line.startswith(("usage:", "       ")) and not self._errors:
            self._usage.append(line.strip())
            return
        extra = _EXTRA.match(line)
        if extra:
            self._extra[extra.group("key")] = extra.group("value")
            return
        prefixed = _PREFIX.match(line)
        if prefixed is None:
            if line.startswith((" ", "\t")) and self._current is not None:
                self._continue(self._current, line)
                return
            self._current = None
            self._emit({"level": "info", "message": line.strip()})
            return
        message = line[prefixed.end() :]
        if message.startswith("warning: "):
            self._current = None
            self._emit({"level": "warning", "message": message.removeprefix("warning: ")})
            return
        error: dict[str, Any] = {"message": message.removeprefix("error: ")}
        error.update(_where(error["message"]))
        self._errors.append(error)
        self._current = error

    def _continue(self, error: dict[str, Any], line: str) -> None:
        error["message"] += "\n" + line.strip()
        if "field" not in error:
            problem = _PROBLEM.match(line)
            if problem:
                error["field"] = problem.group("field")

    def _emit(self, record: dict[str, Any]) -> None:
        self.target.write(json.dumps(record, ensure_ascii=False) + "\n")

    def finish(self, code: int) -> None:
        """The command ended with `code`: its errors, each as one object."""
        if self._partial:
            self._line(self._partial)
            self._partial = ""
        for error in self._errors:
            record: dict[str, Any] = {
                "level": "error",
                "code": CODES.get(code, "error" if code else "note"),
                "message": error["message"],
            }
            for key in ("field", "file", "line"):
                if key in error:
                    record[key] = error[key]
            api_code = _API_CODE.match(error["message"]) if code == EXIT_API_ERROR else None
            if api_code:
                record["error_code"] = api_code.group(1)  # the API's own (not_found, ...)
            record.update(self._extra)
            if self._usage:
                record["usage"] = " ".join(self._usage)
            record["exit"] = code
            self._emit(record)
        if not self._errors and self._extra:
            self._emit({"level": "info", **self._extra})
        self._errors, self._extra = [], {}
        self.target.flush()


def _where(message: str) -> dict[str, Any]:
    """The field (and file, line) an error message names, as the commands write them."""
    config = _CONFIG.match(message)
    if config:
        return {
            "file": config.group("file"),
            "line": int(config.group("line")),
            "field": config.group("field"),
        }
    for pattern in (_ENV, _ARGUMENT, _REQUIRED, _OPTION):
        found = pattern.search(message)
        if found:
            return {"field": found.group("field")}
    if _PROFILE.search(message):
        return {"field": "--profile"}
    return {}


@contextmanager
def json_stderr(enabled: bool) -> Iterator[JsonErrorStream | None]:
    """sys.stderr as a JsonErrorStream while the command runs (when `enabled`); the caller
    calls finish(exit code) once it knows it."""
    if not enabled:
        yield None
        return
    real = sys.stderr
    stream = JsonErrorStream(real)
    sys.stderr = stream  # type: ignore[assignment,unused-ignore]
    try:
        yield stream
    finally:
        sys.stderr = real
