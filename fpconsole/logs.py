"""The log file: what fpconsole's modules log (warnings by default, details with --debug), redacted,
in the state folder (`fpconsole locate logs`).

- One file, `logs/fpconsole.log` under the state folder, rotated at 1 MB with three older files
  kept (`fpconsole.log.1` … `.3`): a jump host's disk never fills with it. Created 0600 in a 0700
  folder, as the journal is: a log line may name a client or a card id. Created only when
  something is logged, so a command that logs nothing leaves no file.
- Several processes (two consoles, a `call` from a script) append to the same file; when one of
  them rotates it, the others notice the file was replaced and reopen it rather than keep
  writing into the rotated one.
- Every line is redacted before it is written (`redact_text`): card numbers masked, the values
  of secret keys (pin, cvv, secret, …) replaced, JSON bodies redacted key by key, and any partner
  secret this process has fetched (`hide`) replaced wherever it appears.
- Commands print nothing of this on the terminal (Python's last-resort handler would print a
  handler-less logger's warnings on stderr); with --debug they also print each line on stderr.
  The console never does: its screen is the terminal.

A log file that cannot be opened (a read-only home) costs the log, never the command.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from fpconsole.api.redaction import PAN_KEYS, REDACTED, SECRET_KEYS, mask_pan, redact, scrub_text

MAX_BYTES: Final = 1_000_000
BACKUPS: Final = 3
FILE_MODE: Final = 0o600
LINE_FORMAT: Final = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
# Our loggers live under this name; other libraries' (httpx, asyncio) log warnings only.
OWN_LOGGER: Final = "fpconsole"
# Secrets shorter than this are not searched for in text: "1" would blank every digit.
_MIN_HIDDEN_LENGTH: Final = 4

_KEY_WORDS: Final = "|".join(sorted((re.escape(k) for k in SECRET_KEYS | PAN_KEYS), key=len, reverse=True))
# A secret key as a log line may spell it: one of the keys (`pin`, `card_number`), maybe with a
# prefix (`card_pin`, `old_pan`), or any name holding cvv, cvc, secret or password (`card_cvv2`,
# `partner_secret_b64`) — as the store's scrub treats JSON keys.
_KEY_NAME: Final = rf"\b(?:\w*(?:cvv|cvc|secret|password)\w*|(?:\w+_)?(?:{_KEY_WORDS})\b)"
# `pin=1234`, `"cvv": "123"`, `'secret': 'abc'`, `pan: 4400…`: a secret key, then its value.
# A quoted value runs to its closing quote, or to the end of the line when it was cut off.
_KEY_VALUE = re.compile(
    rf"""(?P<key>["']?{_KEY_NAME}["']?\s*[:=]\s*)"""
    rf"""(?:(?P<quote>["'])(?P<quoted>[^"'\n]*)(?P<closing>(?P=quote))?|(?P<bare>[^"',;}}\s]+))""",
    re.IGNORECASE,
)
_hidden: set[str] = set()
_hidden_lock = threading.Lock()
_installed: list[logging.Handler] = []


def hide(secret: str | None) -> None:
    """Never write `secret` (a partner secret this process fetched) into the log."""
    if secret and len(secret) >= _MIN_HIDDEN_LENGTH:
        with _hidden_lock:
            _hidden.add(secret)


def _key_value(match: re.Match[str]) -> str:
    key = match.group("key")
    word = key.strip("\"' :=").lower()
    quote = match.group("quote") or ""
    found = match.group("quoted") if quote else match.group("bare")
    digits = sum(char.isdigit() for char in found)
    value = mask_pan(found) if word in PAN_KEYS and digits >= 12 else REDACTED
    return f"{key}{quote}{value}{match.group('closing') or ''}"


def redact_text(text: str) -> str:
    """A log line as it may be written: hidden secrets, secret keys' values and card numbers gone."""
    with _hidden_lock:
        hidden = sorted(_hidden, key=len, reverse=True)
    for secret in hidden:
        text = text.replace(secret, REDACTED)
    return scrub_text(_KEY_VALUE.sub(_key_value, text))


def _redact_arg(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact(value)
    return value


class RedactingFilter(logging.Filter):
    """Formats the record's message (with its arguments, bodies redacted key by key) and its
    traceback, and redacts the text: every handler after it sees only the redacted record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.args, Mapping):
                record.args = redact(record.args)
            elif isinstance(record.args, tuple):
                record.args = tuple(_redact_arg(arg) for arg in record.args)
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be said, as logging would
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
            record.exc_info = None  # the text above is the one written
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-capped file created 0600, reopened when another process rotated it away."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)

    def _open(self) -> Any:
        from fpconsole.locations import ensure_private_dir

        ensure_private_dir(Path(self.baseFilename).parent)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        if os.name == "posix" and stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)  # one an older copy or a `touch` left readable by others
        return open(fd, "a", encoding="utf-8", errors="backslashreplace")

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream
        if stream is not None and self._replaced(stream.fileno()):
            stream.close()
            self.stream = None  # reopened by emit, as delay=True does
        super().emit(record)

    def _replaced(self, fd: int) -> bool:
        try:
            return os.stat(self.baseFilename).st_ino != os.fstat(fd).st_ino
        except OSError:
            return True  # gone (rotated and not recreated yet): open a new one

    def handleError(self, record: logging.LogRecord) -> None:
        # A full disk or a removed folder: the log is lost, never the command (logging's own
        # handleError would print a traceback on the operator's terminal).
        pass


def log_path() -> Path:
    from fpconsole.locations import log_file

    return log_file()


def setup_logging(*, debug: bool = False, to_stderr: bool = False) -> Path:
    """Send every logger's records to the log file (and stderr when `to_stderr`), redacted.
    Once per process; called again (tests, a second console), it replaces what it installed."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    redacting = RedactingFilter()
    path = log_path()
    file_handler = PrivateRotatingFileHandler(path)
    handlers: list[logging.Handler] = [file_handler]
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.addFilter(redacting)
        handler.setFormatter(logging.Formatter(LINE_FORMAT))
        root.addHandler(handler)
        _installed.append(handler)
    # Ours: warnings, or everything with --debug. Other libraries: warnings (with --debug, their
    # info too: httpx's one line per request says what went where).
    root.setLevel(logging.INFO if debug else logging.WARNING)
    logging.getLogger(OWN_LOGGER).setLevel(logging.DEBUG if debug else logging.INFO)
    return path
