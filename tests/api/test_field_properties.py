"""Property tests of the field types (SPEC §1.4): phones, dates and amounts, over the whole
space rather than a handful of examples."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from fpconsole.api.fields import MAX_AMOUNT
from fpconsole.api.methods import REGISTRY
from fpconsole.api.validation import validate_request

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
CLIENT_UPDATE = REGISTRY.resolve("client.update").request
CLIENT_ADD = REGISTRY.resolve("client.add").request
TX_CREATE = REGISTRY.resolve("transaction.create").request

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

valid_phones = st.from_regex(r"[1-9][0-9]{9,14}", fullmatch=True)


def _update(phone: Any) -> dict[str, Any]:
    return {"request_id": RID, "client_id": "CL-1", "product_id": 2000, "client": {"phone": phone}}


@FAST
@given(valid_phones)
@example("1000000000")
@example("999999999999999")
def test_valid_phone_text_accepted_and_round_trips_to_the_int(phone: str) -> None:
    model, errors = validate_request(CLIENT_UPDATE, _update(phone))
    assert errors == []
    sent = json.loads(model.model_dump_json())  # type: ignore[union-attr]
    assert sent["client"]["phone"] == int(phone)
    assert type(sent["client"]["phone"]) is int


@FAST
@given(valid_phones.map(int))
def test_valid_phone_int_accepted_unchanged(phone: int) -> None:
    model, errors = validate_request(CLIENT_UPDATE, _update(phone))
    assert errors == []
    assert json.loads(model.model_dump_json())["client"]["phone"] == phone  # type: ignore[union-attr]


# Any character that is not a decimal digit; whitespace only inside the number (leading and
# trailing blanks are trimmed, as a form or a shell would leave them).
_non_digit = st.characters(codec="utf-8").filter(lambda ch: not ch.isdecimal())


@st.composite
def phones_with_a_non_digit(draw: st.DrawFn) -> str:
    digits = draw(valid_phones)
    char = draw(_non_digit)
    lowest = 1 if char.isspace() else 0
    highest = len(digits) - 1 if char.isspace() else len(digits)
    at = draw(st.integers(lowest, highest))
    return digits[:at] + char + digits[at:]


@FAST
@given(phones_with_a_non_digit())
@example("+77011234567")
@example("7701 1234567")
@example("7-701-123-45-67")
def test_phone_with_any_non_digit_refused(phone: str) -> None:
    _, errors = validate_request(CLIENT_UPDATE, _update(phone))
    assert [e.field for e in errors] == ["client.phone"]
    assert "digits" in errors[0].message


@FAST
@given(st.from_regex(r"[1-9][0-9]{0,8}|[1-9][0-9]{15,20}", fullmatch=True))
def test_phone_of_wrong_length_refused(phone: str) -> None:
    _, errors = validate_request(CLIENT_UPDATE, _update(phone))
    assert [e.field for e in errors] == ["client.phone"]
    assert f"got {len(phone)} digits" in errors[0].message


def _client_add(birthdate: Any) -> dict[str, Any]:
    return {
        "request_id": RID,
        "product_id": 2000,
        "client": {
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
            "birthdate": birthdate,
        },
    }


@FAST
@given(st.dates(max_value=date.today()))
def test_every_valid_date_accepted(day: date) -> None:
    text = day.isoformat()
    model, errors = validate_request(CLIENT_ADD, _client_add(text))
    assert errors == []
    assert json.loads(model.model_dump_json())["client"]["birthdate"] == text  # type: ignore[union-attr]


def _is_real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@FAST
@given(
    st.tuples(st.integers(1, 9999), st.integers(0, 99), st.integers(0, 99)).filter(lambda t: not _is_real(*t))
)
@example((2025, 2, 30))
@example((2023, 2, 29))
@example((2025, 4, 31))
@example((2025, 0, 10))
@example((2025, 13, 1))
def test_every_invalid_date_refused(parts: tuple[int, int, int]) -> None:
    year, month, day = parts
    _, errors = validate_request(CLIENT_ADD, _client_add(f"{year:04d}-{month:02d}-{day:02d}"))
    assert [e.field for e in errors] == ["client.birthdate"]
    assert "not a real calendar date" in errors[0].message


def _tx(amount: Any) -> dict[str, Any]:
    return {"request_id": RID, "order_id": "ORD-1", "card_id": "7001234", "amount": amount}


_amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False
)


@FAST
@given(_amounts, st.sampled_from([str, Decimal, float]))
@example(Decimal("0.01"), str)
@example(MAX_AMOUNT, str)
@example(Decimal("0.07"), float)
@example(Decimal("999999999.99"), float)
def test_amount_with_at_most_two_places_accepted_and_sent_as_an_equal_json_number(
    amount: Decimal, given_as: Any
) -> None:
    model, errors = validate_request(TX_CREATE, _tx(given_as(amount)))
    assert errors == []
    wire = model.model_dump_json()  # type: ignore[union-attr]
    sent = json.loads(wire, parse_float=Decimal, parse_int=Decimal)["amount"]
    assert sent == amount
    assert not isinstance(json.loads(wire)["amount"], str)  # a JSON number, not a string


def _more_than_two_places(value: Decimal) -> bool:
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -2


@FAST
@given(
    st.decimals(
        min_value=Decimal("0.001"), max_value=MAX_AMOUNT, places=6, allow_nan=False, allow_infinity=False
    ).filter(_more_than_two_places)
)
@example(Decimal("1.005"))
@example(Decimal("0.001"))
def test_amount_with_more_than_two_places_refused(amount: Decimal) -> None:
    _, errors = validate_request(TX_CREATE, _tx(str(amount)))
    assert [e.field for e in errors] == ["amount"]
    assert "at most 2 decimal places" in errors[0].message


# --- no field of any request raises anything but a validation error --------------------------

_NASTY = st.one_of(
    st.text(max_size=24),
    st.sampled_from(["1e1000000", "٣٠", "²", "1_0", "9999-12-31", "0001-01-01T00:00:00+05:00", "NaN", ""]),
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),  # past int's str() limit
    st.floats(),
    st.decimals().map(str),
    st.booleans(),
    st.none(),
)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for arg in get_args(annotation) for found in _models_in(arg)]


def _bodies(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        choices: list[st.SearchStrategy[Any]] = [_NASTY]
        if depth < 3:
            for inner in _models_in(info.annotation):
                nested = _bodies(inner, depth + 1)
                choices += [nested, st.lists(nested, max_size=2)]
        optional[name] = st.one_of(choices)
    return st.fixed_dictionaries({}, optional=optional)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [method.name for method in REGISTRY])
def test_any_value_in_any_field_is_a_validation_error_never_a_crash(name: str) -> None:
    model = REGISTRY.resolve(name).request

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_bodies(model))
    def check(body: dict[str, Any]) -> None:
        validate_request(model, body)  # raises only if a validator lets another exception out

    check()
