"""The form's request_id / phase rule without a screen (fpconsole/tui/forms/submission.py)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

import fpconsole.tui.forms.drafts as drafts_module
import fpconsole.tui.forms.submission as submission_module
from fpconsole.api.outcome import Outcome
from fpconsole.tui.forms.submission import Submission


def make(request_id: str = "") -> Submission:
    counter = itertools.count(1)
    return Submission(lambda: f"id-{next(counter)}", request_id=request_id)


def test_a_new_form_has_one_unsent_id() -> None:
    s = make()
    assert (s.request_id, s.sent_id, s.phase, s.submissions) == ("id-1", "id-1", "editing", 0)
    assert s.ctrl_s == "submit" and s.ctrl_s_label == "Submit"
    assert s.editable and s.can_cancel and s.keeps_draft and not s.in_flight
    assert s.id_reason("sent") == "not sent yet"


def test_a_resumed_form_keeps_the_given_id() -> None:
    s = make("journal-7")
    assert s.request_id == s.sent_id == "journal-7"
    assert s.send() == "journal-7"


def test_sending_spends_nothing_until_the_answer() -> None:
    s = make()
    assert s.send() == "id-1"
    assert (s.phase, s.submissions, s.in_flight, s.editable, s.can_cancel) == (
        "sending",
        1,
        True,
        False,
        False,  # a state change sent goes on when the form closes: Esc closes, not cancels
    )
    assert s.goes_on_when_closed and s.final_status("sent") == "sent"
    assert s.id_reason("sent") == "sent"


def test_a_read_being_sent_is_cancelled_by_esc() -> None:
    s = Submission(lambda: "id-1", changes_state=False)
    s.send()
    assert s.can_cancel and not s.goes_on_when_closed


def test_after_an_error_the_next_send_is_a_new_request() -> None:
    s = make()
    s.send()
    assert s.settle(Outcome.ERROR) == "error"
    assert s.request_id == "id-2" and s.sent_id == "id-1"  # made at once, to be shown
    assert s.ctrl_s == "resubmit" and s.ctrl_s_label == "Resubmit"
    assert s.editable and s.keeps_draft and not s.can_cancel
    assert s.id_reason("error") == "new request (last: error)"
    assert s.send() == "id-2"
    assert s.settle(Outcome.ERROR) == "error"
    assert s.request_id == "id-3"  # every error spends its own id


def test_an_error_told_twice_does_not_spend_a_second_fresh_id() -> None:
    s = make()
    s.send()
    s.settle(Outcome.ERROR)
    s.settle(Outcome.ERROR)
    assert s.request_id == "id-2"


def test_not_received_sends_the_same_id_again() -> None:
    s = make()
    s.send()
    assert s.settle(Outcome.FAILED) == "failed"
    assert s.request_id == s.sent_id == "id-1"
    assert s.ctrl_s == "send_again" and s.ctrl_s_label == "Send again" and s.editable
    assert s.id_reason("failed") == "not received, will reuse"
    assert s.send() == "id-1"
    assert s.submissions == 2


def test_an_unknown_outcome_is_only_polled() -> None:
    s = make()
    s.send()
    assert s.settle(Outcome.UNKNOWN) == "unknown"
    assert s.request_id == s.sent_id == "id-1"
    assert s.ctrl_s == "check_status" and s.ctrl_s_label == "Check status"
    assert not s.editable and not s.keeps_draft  # the fields stay locked: nothing is resent
    assert s.id_reason("outcome unknown") == "unknown; never resent"
    assert s.concerns("id-1") and not s.concerns("id-2")
    assert s.settle(Outcome.SUCCESS) == "success"  # the poll's answer
    assert s.ctrl_s is None and not s.concerns("id-1")


def test_a_cancelled_send_is_an_unknown_outcome() -> None:
    s = make()
    s.send()
    assert s.settle(Outcome.CANCELLED) == "unknown"


def test_process_is_followed_and_news_then_applies() -> None:
    s = make()
    s.send()
    assert not s.concerns("id-1")  # while sending, the submit's own answer decides
    assert s.settle(Outcome.PROCESS) == "process"
    assert s.ctrl_s is None and not s.can_cancel and s.concerns("id-1")
    assert s.id_reason("process") == "process"
    assert s.settle(Outcome.SUCCESS) == "success"
    assert s.final_status(None) == "success"


def test_a_refusal_before_sending_leaves_the_id_unspent() -> None:
    s = make()
    s.send()
    s.refused_before_sending()
    assert s.phase == "editing" and s.request_id == "id-1" and s.editable
    assert s.id_reason("sent") == "not sent yet"


@pytest.mark.parametrize("phase_before", ["editing", "error", "failed"])
def test_a_confirmation_returns_to_where_it_was_asked(phase_before: str) -> None:
    s = make()
    if phase_before != "editing":
        s.send()
        s.settle(Outcome(phase_before))
    label = s.ctrl_s_label
    s.confirming()
    assert s.phase == "confirming" and s.in_flight and s.ctrl_s == "submit"
    s.confirmed()
    assert s.phase == phase_before and s.ctrl_s_label == label


def test_final_status_of_a_form_back_to_editing_is_its_live_status() -> None:
    s = make()
    assert s.final_status("process") == "process"
    assert s.final_status(None) == "error"


@pytest.mark.parametrize("module", [submission_module, drafts_module])
def test_no_textual_in_the_forms_rules(module: object) -> None:
    tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        )
    }
    assert not any(name.split(".")[0] == "textual" for name in imported), imported


def test_what_the_form_says_names_the_id_the_next_ctrl_s_uses() -> None:
    s = Submission(lambda: "bbbbbbbb-fresh", request_id="aaaaaaaa-spent")
    s.send()
    s.settle(Outcome.ERROR)
    note = s.error_note("duplicate_card", None)
    assert note.startswith("duplicate_card: the API reported an error\nNothing was applied.")
    assert "new request (request_id bbbbbbbb…; aaaaaaaa… is not reused)" in note
    s.send()
    s.settle(Outcome.FAILED)
    assert "same request_id (bbbbbbbb…)" in s.not_received_note("connection refused")
    s.send()
    s.settle(Outcome.UNKNOWN)
    assert s.unknown_note("timed out", polling=True).endswith(
        "may have been applied. Polling request/status with the same request_id; this updates by itself."
    )
    assert "Check request_id bbbbbbbb-fresh in Requests" in s.unknown_note("timed out", polling=False)
