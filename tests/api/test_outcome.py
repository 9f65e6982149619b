"""The one mapping from an answer or a client event to its outcome, every combination."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fpconsole.api import outcome
from fpconsole.api.events import CANCELLED, RequestFailed, RequestSent, ResponseReceived, StatusChanged
from fpconsole.api.outcome import Outcome

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
STATUSES = ("ok", "error", None, "", "weird")
REQUEST_STATUSES = ("success", "process", "error", None, "", "weird")


def expected_answer(status: str | None, request_status: str | None) -> Outcome:
    if status == "error":
        return Outcome.ERROR  # an error envelope, whatever request_status says
    if status not in ("ok", None, ""):
        return Outcome.UNKNOWN
    if not request_status:
        return Outcome.SUCCESS  # a read (statement_extended may leave status out)
    return {"success": Outcome.SUCCESS, "process": Outcome.PROCESS, "error": Outcome.ERROR}.get(
        request_status, Outcome.UNKNOWN
    )


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("request_status", REQUEST_STATUSES)
def test_every_envelope_has_one_outcome(status: str | None, request_status: str | None) -> None:
    assert outcome.answered(status, request_status) is expected_answer(status, request_status)


def test_the_table_in_words() -> None:
    assert outcome.answered("ok", None) is Outcome.SUCCESS  # card.info answers no request_status
    assert outcome.answered("ok", "process") is Outcome.PROCESS
    assert outcome.answered("ok", "error") is Outcome.ERROR
    assert outcome.answered("error", "success") is Outcome.ERROR
    assert outcome.answered("error", None) is Outcome.ERROR
    assert outcome.answered("ok", "pending") is Outcome.UNKNOWN  # not the API's word: poll
    assert outcome.answered(None, None) is Outcome.SUCCESS  # statement_extended without status
    assert outcome.answered(None, "process") is Outcome.PROCESS
    assert outcome.answered("weird", "success") is Outcome.UNKNOWN


@pytest.mark.parametrize("request_status", REQUEST_STATUSES)
def test_a_poll_reports_the_request_status_or_unknown(request_status: str | None) -> None:
    known = {"success": Outcome.SUCCESS, "process": Outcome.PROCESS, "error": Outcome.ERROR}
    assert outcome.polled(request_status) is known.get(request_status or "", Outcome.UNKNOWN)


@pytest.mark.parametrize(
    ("outcome_unknown", "cancelled", "expected"),
    [
        (True, True, Outcome.UNKNOWN),  # a state change cancelled after sending: poll it
        (True, False, Outcome.UNKNOWN),  # a timeout
        (False, True, Outcome.CANCELLED),  # a read cancelled: nothing to follow up
        (False, False, Outcome.FAILED),  # certainly not received
    ],
)
def test_no_answer(outcome_unknown: bool, cancelled: bool, expected: Outcome) -> None:
    assert outcome.not_answered(outcome_unknown=outcome_unknown, cancelled=cancelled) is expected


def test_polling_that_ended_without_a_final_status() -> None:
    assert outcome.polling_ended(outcome_unknown=True) is Outcome.UNKNOWN
    # request/status does not know the id: not received, to be sent again with the same id.
    assert outcome.polling_ended(outcome_unknown=False) is Outcome.FAILED


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("request_status", REQUEST_STATUSES)
def test_an_answer_event_maps_as_its_envelope(status: str | None, request_status: str | None) -> None:
    event = ResponseReceived(
        method="card.block",
        request_id="r1",
        status=status,
        request_status=request_status,
        response={},
        latency_ms=1.0,
        at=AT,
    )
    assert outcome.of_event(event) is expected_answer(status, request_status)


def test_every_event_kind() -> None:
    sent = RequestSent("card.block", "/p", "r1", {}, {}, True, AT)
    assert outcome.of_event(sent) is Outcome.SENT
    assert outcome.of_event(StatusChanged("r1", "success", "process", {}, AT)) is Outcome.SUCCESS
    assert outcome.of_event(StatusChanged("r1", "", "process", {}, AT)) is Outcome.UNKNOWN
    for error, unknown, expected in [
        ("TimedOut", True, Outcome.UNKNOWN),
        (CANCELLED, True, Outcome.UNKNOWN),
        (CANCELLED, False, Outcome.CANCELLED),
        ("CannotConnect", False, Outcome.FAILED),
    ]:
        failed = RequestFailed("card.block", "r1", error, "why", unknown, AT)
        assert outcome.of_event(failed) is expected, (error, unknown)


def test_outcomes_are_their_words() -> None:
    # The journal stores them and filters on them as text.
    assert [str(item) for item in Outcome] == [
        "sent",
        "process",
        "success",
        "error",
        "failed",
        "unknown",
        "cancelled",
    ]
    assert {"success", "error"} == outcome.FINAL
    assert {"sent", "process", "unknown"} == outcome.PENDING
