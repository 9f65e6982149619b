"""Field rules added by issue 12: a birth date in the future is refused (item 7), `reason` is
accepted for block/unblock/close's `description` as the console calls it (item 14), and counts
and codes read ASCII digits only, as amounts do (items 5 and 6)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fpconsole import cli
from fpconsole.api.methods import REGISTRY
from fpconsole.api.validation import validate_request

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"


def _client(**changes: Any) -> dict[str, Any]:
    client = {
        "phone": 77011234567,
        "type": 1,
        "resident": 1,
        "first_name": "ALIYA",
        "last_name": "SERIKOVA",
        **changes,
    }
    return {"request_id": RID, "product_id": 2000, "client": client}


# --- birth date -----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [2, 365, 3650])
def test_a_birth_date_in_the_future_is_refused(days: int) -> None:
    later = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
    _, errors = validate_request(REGISTRY.resolve("client.add").request, _client(birthdate=later))
    assert [e.field for e in errors] == ["client.birthdate"]
    assert "is in the future" in errors[0].message and "1992-04-17" in errors[0].message


def test_born_today_anywhere_on_earth_is_accepted() -> None:
    # Where it is already tomorrow (UTC+14) a child born "tomorrow" by UTC is born today.
    for day in (date.today(), (datetime.now(UTC) + timedelta(hours=14)).date()):
        _, errors = validate_request(
            REGISTRY.resolve("client.add").request, _client(birthdate=day.isoformat())
        )
        assert errors == []


def test_the_older_cardholder_shape_refuses_it_too() -> None:
    later = (date.today() + timedelta(days=30)).isoformat()
    body = {
        "request_id": RID,
        "product_id": 2000,
        "cardholder": {
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
            "birthdate": later,
            "phone": 77011234567,
            "country": "KAZ",
            "person_id": "920417400123",
        },
    }
    _, errors = validate_request(REGISTRY.resolve("card.issue").request, body)
    assert [e.field for e in errors] == ["cardholder.birthdate"]


@pytest.mark.parametrize("text", ["١٩٩٢-٠٤-١٧", "1992-04-١٧"])
def test_dates_read_ascii_digits_only(text: str) -> None:
    _, errors = validate_request(REGISTRY.resolve("client.add").request, _client(birthdate=text))
    assert [e.field for e in errors] == ["client.birthdate"]
    assert "YYYY-MM-DD" in errors[0].message


# --- reason, the console's name for description ---------------------------------------------


@pytest.mark.parametrize("name", ["card.block", "card.unblock", "card.close"])
def test_reason_is_accepted_and_sent_as_description(name: str) -> None:
    model, errors = validate_request(
        REGISTRY.resolve(name).request, {"request_id": RID, "card_id": "7001234", "reason": "lost"}
    )
    assert errors == []
    assert json.loads(model.model_dump_json()) == {  # type: ignore[union-attr]
        "request_id": RID,
        "card_id": "7001234",
        "description": "lost",
    }


def test_reason_and_description_together_are_refused_naming_reason() -> None:
    body = {"request_id": RID, "card_id": "7001234", "reason": "lost", "description": "stolen"}
    _, errors = validate_request(REGISTRY.resolve("card.block").request, body)
    assert [(e.field, e.message) for e in errors] == [
        ("reason", "is another name for description; give one of the two")
    ]


def test_a_bad_reason_is_named_as_typed() -> None:
    body = {"request_id": RID, "card_id": "7001234", "reason": "утерян"}
    _, errors = validate_request(REGISTRY.resolve("card.block").request, body)
    assert [e.field for e in errors] == ["reason"]


def test_forms_and_the_openapi_document_keep_the_api_name() -> None:
    schema = REGISTRY.resolve("card.block").request.model_json_schema()
    assert "description" in schema["properties"] and "reason" not in schema["properties"]
    assert schema["properties"]["description"]["title"] == "Reason"


def test_call_takes_reason_and_sends_description(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", "card.block", "card_id=7001234", "reason=lost", f"request_id={RID}", "--curl"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f'\'{{"request_id":"{RID}","card_id":"7001234","description":"lost"}}\'' in captured.out


# --- counts and codes: ASCII digits only ----------------------------------------------------


@pytest.mark.parametrize("count", ["1_0", "١٠", "1e1", True, 10.5, 1e1000, "", "99999999999999999999"])
def test_a_count_a_person_would_not_mean_is_refused(count: Any) -> None:
    body = {"request_id": RID, "product_id": 2000, "count": count}
    _, errors = validate_request(REGISTRY.resolve("card.bulk_issue").request, body)
    assert [(e.field, e.message) for e in errors] == [
        ("count", "must be a whole number from 1 to 500, e.g. 10")
    ]


@pytest.mark.parametrize(("count", "read"), [("10", 10), (" 25 ", 25), (10, 10), (10.0, 10)])
def test_counts_accepted(count: Any, read: int) -> None:
    body = {"request_id": RID, "product_id": 2000, "count": count}
    model, errors = validate_request(REGISTRY.resolve("card.bulk_issue").request, body)
    assert errors == [] and model.count == read  # type: ignore[union-attr]


@pytest.mark.parametrize("product", ["١٠٠٠", "²", "1" * 5000])
def test_a_product_code_reads_ascii_digits_only(product: str) -> None:
    body = {"request_id": RID, "product_id": product, "count": 1}
    _, errors = validate_request(REGISTRY.resolve("card.bulk_issue").request, body)
    assert [e.field for e in errors] == ["product_id"]
    assert errors[0].message.startswith("must be one of 1000")


@pytest.mark.parametrize("phone", [pytest.param(10**5000, id="10**5000"), -77011234567, 0])
def test_a_phone_number_out_of_any_range_is_refused_by_its_digits(phone: int) -> None:
    body = {"request_id": RID, "client_id": "CL-1", "product_id": 2000, "client": {"phone": phone}}
    _, errors = validate_request(REGISTRY.resolve("client.update").request, body)
    assert [e.field for e in errors] == ["client.phone"]
    assert "10–15 digits" in errors[0].message
