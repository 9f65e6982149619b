"""A form's submission: which phase it is in, which request_id its next send uses, and what
ctrl+s does. No widgets here (and no Textual): the form screen asks and shows.

The request_id rule, in one place (DESIGN.md §3). A request_id is spent once the server may
have recorded it; a spent id is only ever polled, never sent again.
- A form has one request_id from the start (generated, or given to resume a journal entry).
- Not sent, or certainly not received (refused by our own checks, cannot connect): the id is not
  spent, and the next send ("Send again") uses it again, whatever was changed meanwhile.
- A final `error`: nothing was applied, and the id is spent (the API refuses it as
  duplicate_request_id). The fields open for correcting and the next send ("Resubmit") is a new
  request with a fresh request_id, made at once so the form can show it before it goes out.
- Sent, no answer yet: a state change goes on if the form is closed (the app follows it, the
  journal records it), so Esc says Close, not Cancel; a read is cancelled with the form.
- An unknown outcome (timeout, dropped connection, cancelled): nothing is resent; the request is
  polled on request/status with its own request_id ("Check status"), the fields stay locked.
  If request/status does not know the id (the server lost it), it was not received: the form
  says so and only the operator's next ctrl+s ("Send again") sends it, with the SAME id, so that
  the API's duplicate check still catches a status lookup that merely lagged. A send refused as
  duplicate_request_id means the server has that request: it is polled, never given a fresh id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from fpconsole.api.outcome import Outcome

Phase = Literal["editing", "confirming", "sending", "process", "unknown", "success", "error", "failed"]
CtrlS = Literal["submit", "resubmit", "send_again", "check_status"]

IN_FLIGHT: Final = frozenset({"confirming", "sending"})
# Nothing was applied (never sent, refused, not received): the fields are the user's to change.
EDITABLE: Final = frozenset({"editing", "error", "failed"})
# Nothing has gone out yet: Esc cancels; afterwards it closes (a read being sent: see can_cancel).
NOT_OUT: Final = frozenset({"editing", "confirming"})
# A request that has gone out and was not refused: closing leaves it to the app and the journal.
OUT: Final = frozenset({"process", "unknown", "success", "error", "failed"})
# What ctrl+s does, by phase: (its action, the primary button's words; the button adds the key,
# see keymap.button_label). The footer's words are the bindings' descriptions, so the operator
# reads before sending which of the three it is.
CTRL_S: Final[Mapping[str, tuple[CtrlS, str]]] = {
    "editing": ("submit", "Submit"),
    "confirming": ("submit", "Submit"),
    "sending": ("submit", "Submit"),
    "error": ("resubmit", "Resubmit"),  # a new request, with a fresh request_id
    "failed": ("send_again", "Send again"),  # not received: the same, unspent request_id
    "unknown": ("check_status", "Check status"),  # request/status with the same request_id
}
# The phase an outcome puts a sent request in.
_PHASE_OF: Final[Mapping[Outcome, Phase]] = {
    Outcome.SUCCESS: "success",
    Outcome.ERROR: "error",
    Outcome.PROCESS: "process",
    Outcome.UNKNOWN: "unknown",
    Outcome.FAILED: "failed",
    # A send cancelled before its answer: whether it arrived is not known.
    Outcome.CANCELLED: "unknown",
    Outcome.SENT: "sending",
}


def short_id(request_id: str) -> str:
    """A request_id as an operator names it in a sentence: its first 8 characters."""
    return f"{request_id[:8]}…"


@dataclass
class Submission:
    """One form's requests, sent one at a time."""

    new_id: Callable[[], str]
    request_id: str = ""  # what the next send uses (shown)
    changes_state: bool = True  # a read being sent is cancelled by Esc; a state change goes on
    sent_id: str = ""  # the request last sent: polls and news are about it
    phase: Phase = "editing"
    submissions: int = 0
    _before_confirm: Phase = field(default="editing", repr=False)

    def __post_init__(self) -> None:
        if not self.request_id:
            self.request_id = self.new_id()
        if not self.sent_id:
            self.sent_id = self.request_id

    # --- what the form may do now -----------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.phase in EDITABLE

    @property
    def in_flight(self) -> bool:
        return self.phase in IN_FLIGHT

    @property
    def ctrl_s(self) -> CtrlS | None:
        """What ctrl+s does now (None: nothing, e.g. in process or done)."""
        found = CTRL_S.get(self.phase)
        return found[0] if found is not None else None

    @property
    def ctrl_s_label(self) -> str:
        """The primary button's words: what ctrl+s does now."""
        return CTRL_S.get(self.phase, CTRL_S["editing"])[1]

    @property
    def can_cancel(self) -> bool:
        """Esc cancels: nothing has gone out, or it is a read (closing the form stops it)."""
        return self.phase in NOT_OUT or (self.phase == "sending" and not self.changes_state)

    @property
    def goes_on_when_closed(self) -> bool:
        """A state change sent and not answered yet: closing the form leaves it to the app."""
        return self.phase == "sending" and self.changes_state

    @property
    def keeps_draft(self) -> bool:
        """Only what has not gone out (or was refused and is being edited) is a draft."""
        return self.phase in EDITABLE

    def id_reason(self, live_word: str) -> str:
        """Why the shown request_id is the one the next ctrl+s uses; `live_word` is the request's
        live status in a word, for a request out there."""
        if self.request_id != self.sent_id:
            return "new request (last: error)"  # the last one was refused: this one is fresh
        if self.phase == "failed":
            return "not received, will reuse"
        if self.phase == "unknown":
            return "unknown; never resent"
        if not self.submissions or self.phase in EDITABLE:
            return "not sent yet"
        return live_word

    # --- moving on --------------------------------------------------------------------------------

    def confirming(self) -> None:
        self._before_confirm = self.phase  # a "No" leaves ctrl+s saying what it said
        self.phase = "confirming"

    def confirmed(self) -> None:
        """The confirmation closed (yes or no): back where it was asked from."""
        self.phase = self._before_confirm

    def send(self) -> str:
        """A send starts: the id it uses, spent from now on unless it is certainly not received."""
        self.sent_id = self.request_id
        self.phase = "sending"
        self.submissions += 1
        return self.sent_id

    def refused_before_sending(self) -> None:
        """Our own checks stopped it: nothing went out, the id stays unspent."""
        self.phase = "editing"

    def settle(self, outcome: Outcome) -> Phase:
        """The sent request's outcome (its answer, a failure, or news about it): the new phase.
        A final error spends the id, so the next send gets a fresh one at once."""
        self.phase = _PHASE_OF[outcome]
        if self.phase == "error" and self.request_id == self.sent_id:
            self.request_id = self.new_id()
        return self.phase

    def concerns(self, request_id: str) -> bool:
        """News about `request_id` is ours to apply: about the request sent, and only once the
        submit's own answer is in (while sending, that answer is authoritative)."""
        return request_id == self.sent_id and self.phase in ("process", "unknown")

    def final_status(self, live_current: str | None) -> str:
        """What the form hands back on closing (FormOutcome.final_status)."""
        if self.phase == "sending":
            return "sent"  # closed before its answer: it goes on
        return self.phase if self.phase != "editing" else live_current or "error"

    # --- what the form says after an answer -------------------------------------------------------

    def error_note(self, code: str | None, description: str | None) -> str:
        """After a final error: nothing applied, and the next send is a new request (its id)."""
        return (
            f"{code or 'error'}: {description or 'the API reported an error'}\n"
            "Nothing was applied. Everything you typed is kept: correct it and press ctrl+s to "
            f"resubmit as a new request (request_id {short_id(self.request_id)}; "
            f"{short_id(self.sent_id)} is not reused)."
        )

    def not_received_note(self, why: str) -> str:
        """Certainly not received: nothing applied, and the next send uses the same id."""
        return (
            f"{why}\nThe server did not get it: nothing was applied. ctrl+s sends it again with the "
            f"same request_id ({short_id(self.sent_id)}); the fields can be corrected first."
        )

    def unknown_note(self, why: str, *, polling: bool) -> str:
        """Maybe applied: never resent (and never with a new id), only asked about."""
        if polling:
            note = "Polling request/status with the same request_id; this updates by itself."
        else:
            note = f"Check request_id {self.sent_id} in Requests before doing anything again."
        return f"{why}\nThe request may have been applied. {note}"
