"""Warnings that do not refuse (issue 12 item 7): a Kazakhstan resident's national id that is not
a 12-digit IIN is said, by the CLI on stderr, and the request still goes out; SPEC §3.1 does
not confirm the format, so the API decides."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fpconsole import cli
from fpconsole.api.advice import request_warnings

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"


def _client(**fields: Any) -> dict[str, Any]:
    return {"product_id": 1000, "client": {"phone": 77011234567, "type": 1, "resident": 1, **fields}}


@pytest.mark.parametrize("person_id", ["12345", "9204174001234", "92041740012A", " 92041 7400123"])
def test_a_residents_id_that_is_not_12_digits_is_warned_about(person_id: str) -> None:
    [warning] = request_warnings(_client(person_id=person_id, country="KAZ"))
    assert warning.field == "client.person_id"
    assert "IIN has 12 digits" in warning.message and "sent as typed" in warning.message


@pytest.mark.parametrize(
    "body",
    [
        _client(person_id="920417400123"),
        _client(person_id=" 920417400123 ", country="kaz"),
        _client(person_id="AB1234567", resident=2),  # a non-resident's passport number
        _client(person_id="AB1234567", resident="2"),  # as typed in a form
        _client(person_id="1234", country="RUS"),  # another country's id
        _client(),  # none given: the KYC rule (product 1000) is the model's
        {"client_id": "CL-1", "card_id": "7001234"},
    ],
)
def test_nothing_to_say(body: dict[str, Any]) -> None:
    assert request_warnings(body) == []


def test_the_older_cardholder_shape_goes_by_its_country() -> None:
    holder = {"first_name": "ALIYA", "country": "KAZ", "person_id": "123"}
    assert [w.field for w in request_warnings({"cardholder": holder})] == ["cardholder.person_id"]
    assert request_warnings({"cardholder": {**holder, "country": "UZB"}}) == []


def test_form_text_is_read_too() -> None:
    body = {"client": {"resident": "1", "person_id": "12345"}}
    assert [w.field for w in request_warnings(body)] == ["client.person_id"]


_CLIENT_ARGS = [
    "client.add",
    "product_id=2000",
    "client.phone=77011234567",
    "client.type=1",
    "client.resident=1",
    "client.first_name=ALIYA",
    "client.last_name=SERIKOVA",
]


def test_call_prints_the_warning_on_stderr_and_sends_anyway(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", *_CLIENT_ARGS, "client.person_id=12345", "--wait"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert re.search(r"fpconsole call: warning: client\.person_id: .*IIN has 12 digits", captured.err)
    assert json.loads(captured.out)["request_status"] == "success"  # the embedded sandbox took it


def test_call_prints_no_warning_for_a_12_digit_iin(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", *_CLIENT_ARGS, "client.person_id=920417400123", "--curl"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning" not in captured.err


def test_call_refuses_a_birth_date_in_the_future(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", *_CLIENT_ARGS, "client.birthdate=2999-01-01"])
    captured = capsys.readouterr()
    assert code == 2
    assert "client.birthdate: is in the future" in captured.err


@pytest.mark.parametrize("birthdate", ["0001-01-01", "1800-06-30", "1900-01-01"])
def test_a_birthdate_more_than_120_years_ago_is_warned_about(birthdate: str) -> None:
    [warning] = request_warnings(_client(birthdate=birthdate))
    assert warning.field == "client.birthdate"
    assert "more than 120 years ago" in warning.message and "sent as typed" in warning.message


@pytest.mark.parametrize("birthdate", ["1992-04-17", "1950-01-01", "not a date", "", "2999-01-01"])
def test_a_plausible_or_unreadable_birthdate_says_nothing_here(birthdate: str) -> None:
    # An unreadable or future date is the model's to refuse, not a warning.
    assert request_warnings(_client(birthdate=birthdate)) == []


def test_call_warns_about_birthdate_0001_and_sends_anyway(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", *_CLIENT_ARGS, "client.birthdate=0001-01-01", "--curl"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert re.search(r"fpconsole call: warning: client\.birthdate: .*more than 120 years ago", captured.err)
