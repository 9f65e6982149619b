"""A team's append-only copy of the journal's audit trail: a shared JSON-lines file and/or syslog.

Configured in config.toml:

    [audit]
    copy_to = "/srv/fpconsole/audit.jsonl"   # opened O_APPEND, one JSON line per event
    syslog = true                            # the local syslog socket (/dev/log)

A line is written when an entry is recorded (who sent what, to which card or client, why) and
when it ends (its final outcome). It carries the entry's chain hashes, so the copy and the
journal can be checked against each other, and never a request or answer body: ids, the method,
the reason and the outcome are what an audit needs, and the bodies hold customers' details. What
is written has passed the store's scrub (card numbers masked, secret keys dropped) once more.

A copy is written after the entry is committed. A target that fails (a full disk, a file that
was made read-only, no syslog socket) is a warning — said once per target and process, and
logged — and never costs the journal an entry.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from fpconsole.store.audit import StoredRow
from fpconsole.store.db import LocalStateWarning
from fpconsole.store.scrub import scrub_json

# Where the local syslog daemon listens: Linux, then macOS and the BSDs.
SYSLOG_SOCKETS: Final = ("/dev/log", "/var/run/syslog", "/var/run/log")
SYSLOG_IDENT: Final = "fpconsole-audit: "
COPY_MODE: Final = 0o600  # a file fpconsole creates; a team's existing file keeps its own mode
COPIED_FIELDS: Final = (
    "id",
    "profile",
    "operator",
    "request_id",
    "method",
    "target_ids",
    "reason",
    "outcome",
    "error_code",
    "error_description",
    "sent_at",
    "updated_at",
    "prev_hash",
    "hash",
    "state_hash",
)
log = logging.getLogger(__name__)
_said: set[str] = set()
_said_lock = threading.Lock()


class AuditCopyWarning(LocalStateWarning):
    """The team's copy of the audit trail could not be written (the journal has the entry)."""


def _warn_once(target: str, problem: str) -> None:
    message = f"the audit copy to {target} failed ({problem}); the journal still has every entry"
    with _said_lock:
        if message in _said:
            return
        _said.add(message)
    log.warning("%s", message)
    import warnings

    warnings.warn(message, AuditCopyWarning, stacklevel=4)


def audit_line(row: StoredRow, event: str) -> str:
    """The JSON line for an entry (a journal row), without bodies or secrets."""
    record: dict[str, Any] = {"event": event}
    for name in COPIED_FIELDS:
        value = row[name]
        if name == "target_ids" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        record[name] = value
    return json.dumps(scrub_json(record), ensure_ascii=False, separators=(",", ":"))


class _SyslogOut(logging.handlers.SysLogHandler):
    """Stdlib syslog over the local socket, whose failures are told to the caller instead of
    printed on stderr (logging's own handleError)."""

    failure: BaseException | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        import sys

        self.failure = sys.exc_info()[1]


@dataclass
class AuditCopies:
    copy_to: Path | None = None
    syslog: bool = False
    syslog_address: str | None = None  # None: the first of SYSLOG_SOCKETS that exists
    _syslog: _SyslogOut | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls) -> AuditCopies:
        """The `[audit]` table of config.toml; none when the file cannot be read (the command
        says what is wrong with it where it reads its profile)."""
        from fpconsole.config import ConfigError, load_config

        try:
            settings = load_config().audit
        except ConfigError:
            return cls()
        return cls(settings.copy_to, settings.syslog)

    def __bool__(self) -> bool:
        return self.copy_to is not None or self.syslog

    def send(self, row: StoredRow, *, event: str) -> None:
        line = audit_line(row, event)
        if self.copy_to is not None:
            self._append(self.copy_to, line)
        if self.syslog:
            self._to_syslog(line)

    def _append(self, path: Path, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        try:
            # Opened for each line: a copy rotated or replaced meanwhile is written where it now is.
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, COPY_MODE)
            try:
                # One write of one line: O_APPEND puts it whole after every other writer's.
                written = os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            _warn_once(str(path), exc.strerror or type(exc).__name__)
            return
        if written != len(data):
            _warn_once(str(path), f"only {written} of {len(data)} bytes were written")

    def _syslog_handler(self) -> _SyslogOut | None:
        if self._syslog is not None:
            return self._syslog
        address = self.syslog_address or next((p for p in SYSLOG_SOCKETS if os.path.exists(p)), None)
        if address is None:
            _warn_once("syslog", f"no local syslog socket ({', '.join(SYSLOG_SOCKETS)})")
            return None
        try:
            handler = _SyslogOut(address=address, facility=logging.handlers.SysLogHandler.LOG_USER)
        except OSError as exc:
            _warn_once(f"syslog ({address})", exc.strerror or type(exc).__name__)
            return None
        handler.ident = SYSLOG_IDENT
        self._syslog = handler
        return handler

    def _to_syslog(self, line: str) -> None:
        handler = self._syslog_handler()
        if handler is None:
            return
        handler.failure = None
        handler.emit(logging.LogRecord("fpconsole.audit", logging.INFO, __file__, 0, line, None, None))
        if handler.failure is not None:
            failure = handler.failure
            reason = failure.strerror if isinstance(failure, OSError) else None
            _warn_once(f"syslog ({handler.address})", reason or type(failure).__name__)

    def close(self) -> None:
        if self._syslog is not None:
            self._syslog.close()
            self._syslog = None
