"""Which error line each problem goes under, and when it shows (forms/body.place_errors)."""

from __future__ import annotations

from fpconsole.api import methods as api
from fpconsole.api.validation import FieldError
from fpconsole.tui.forms.body import FORM_ERROR, REPEAT_SUFFIX, FormInput, place_errors
from fpconsole.tui.forms.spec import build_form_spec

CLIENT = build_form_spec(api.CLIENT_ADD)
PIN = build_form_spec(api.CARD_SET_PIN)
PHONE = FieldError("client.phone", "11 digits")
NAME = FieldError("client.first_name", "required")
WHOLE = FieldError("", "still asking for the limit, submit again")


def test_while_typing_only_filled_fields_speak() -> None:
    typed = FormInput(values={"client.phone": "7701", "client.first_name": ""})
    assert place_errors(CLIENT, [PHONE, NAME, WHOLE], typed, attempted=False) == {
        "error-client_phone": ["11 digits"]
    }


def test_after_a_submit_every_error_shows_and_the_form_counts_them() -> None:
    typed = FormInput(values={"client.phone": "7701"})
    assert place_errors(CLIENT, [PHONE, NAME, WHOLE], typed, attempted=True) == {
        "error-client_phone": ["11 digits"],
        "error-client_first_name": ["required"],
        FORM_ERROR: ["Not sent: 2 problems in the fields above.", "still asking for the limit, submit again"],
    }
    assert place_errors(CLIENT, [WHOLE], typed, attempted=True) == {FORM_ERROR: [WHOLE.message]}


def test_an_error_on_no_field_of_the_form_names_its_path_on_the_forms_line() -> None:
    stray = FieldError("nonexistent", "unexpected")
    assert place_errors(CLIENT, [stray], FormInput(values={}), attempted=True) == {
        FORM_ERROR: ["nonexistent: unexpected"]
    }


def test_a_secrets_second_entry_has_its_own_line() -> None:
    mismatch = FieldError("pin" + REPEAT_SUFFIX, "does not match")
    typed = FormInput(values={"pin": "1234"}, repeats={"pin": "1235"})
    assert place_errors(PIN, [mismatch], typed, attempted=False) == {"error-pin-repeat": ["does not match"]}
    empty = FormInput(values={"pin": "1234"}, repeats={"pin": ""})
    assert place_errors(PIN, [mismatch], empty, attempted=False) == {}
