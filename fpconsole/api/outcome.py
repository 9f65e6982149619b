"""What became of a request, in one word, decided in one place for the journal, the console's
live updates and the forms.

An answer's envelope (`status`, `request_status`) or a client event maps to one `Outcome`:
- `success`, `process`, `error`: the request's own status (SPEC §2). An error envelope is an
  error whatever `request_status` says; `status: ok` with no `request_status` (a read) is a
  success. An answer without `status` that its model accepted (statement_extended's envelope
  leaves it out) reads the same way: its `request_status` if it has one, else a success.
- `unknown`: it may have been applied and nobody can say (a timeout, a call cancelled after
  sending a state change, an answer this console cannot read): poll request/status, never resend.
- `failed`: certainly not received (refused connection, bad HTTP status before the API,
  request/status not knowing the request_id): nothing applied, the request_id unspent.
- `cancelled`: a read cancelled after sending: nothing to follow up.
- `sent`: gone out, no answer yet (the journal's first state).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

from fpconsole.api.dictionaries import FINAL_REQUEST_STATUSES, REQUEST_STATUSES

if TYPE_CHECKING:
    from fpconsole.api.events import ClientEvent


class Outcome(StrEnum):
    SENT = "sent"
    PROCESS = "process"
    SUCCESS = "success"
    ERROR = "error"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"


OUTCOMES: Final = tuple(Outcome)
# Seconds without an answer after which the operator is told what happens next (the read timeout,
# then request/status, never a resend): the console's forms and `fpconsole call` say it at the
# same moment. A healthy answer comes well within it, so a normal request says nothing more.
LATE_ANSWER_S: Final = 5.0
# error_code of a send refused because its request_id was used before: the server HAS a request
# with that id (a resend after a status lookup that lagged), so what became of it is asked on
# request/status with that id; the refusal is not that request's outcome.
DUPLICATE_REQUEST: Final = "duplicate_request_id"
# The request's own final statuses: once known, nothing later replaces them.
FINAL: Final = frozenset(Outcome(status) for status in FINAL_REQUEST_STATUSES)
# Still worth a request/status poll (`sent` was cut off before its answer).
PENDING: Final = frozenset({Outcome.SENT, Outcome.PROCESS, Outcome.UNKNOWN})


def answered(status: str | None, request_status: str | None) -> Outcome:
    """An answer's envelope: `status` ("ok" | "error", or absent) and `request_status`."""
    if status == "error":
        return Outcome.ERROR
    if status not in ("ok", None, ""):
        return Outcome.UNKNOWN  # a status the API does not use: not an envelope this console can read
    if request_status is None or request_status == "":
        return Outcome.SUCCESS  # a read answers with no request status
    if request_status in REQUEST_STATUSES:
        return Outcome(request_status)
    # A request status the API does not define: whether it was applied is not known.
    return Outcome.UNKNOWN


def polled(request_status: str | None) -> Outcome:
    """request/status's word about an earlier request (a StatusChanged)."""
    return Outcome(request_status) if request_status in REQUEST_STATUSES else Outcome.UNKNOWN


def not_answered(*, outcome_unknown: bool, cancelled: bool) -> Outcome:
    """No usable answer: maybe applied (unknown), a cancelled read, or certainly not received."""
    if outcome_unknown:
        return Outcome.UNKNOWN
    return Outcome.CANCELLED if cancelled else Outcome.FAILED


def polling_ended(*, outcome_unknown: bool) -> Outcome:
    """Polling request/status stopped without a final status: given up on (still unknown, poll
    again later), or refused because request/status does not know the id: certainly not
    received (`failed`), so nothing was applied and it may go again with the SAME request_id.
    Never `error`: an error spends the id, and the next send would be a new request with a
    fresh one, which the API's duplicate check cannot catch if the status lookup only lagged."""
    return Outcome.UNKNOWN if outcome_unknown else Outcome.FAILED


def of_event(event: ClientEvent) -> Outcome:
    """The outcome a client event reports."""
    if event.kind == "sent":
        return Outcome.SENT
    if event.kind == "answered":
        return answered(event.status, event.request_status)
    if event.kind == "status":
        return polled(event.request_status)
    return not_answered(outcome_unknown=event.outcome_unknown, cancelled=event.cancelled)
