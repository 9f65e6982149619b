"""Request and response models (SPEC §1.4, §3, §4): for every registry method one valid body
(the SPEC's own example where it gives one) and at least two invalid ones, each refused with a
message that names the field and says what is expected. Then the per-type rules one by one.

The table must cover the whole registry: a new method without examples fails
`test_table_covers_every_registry_method`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from fpconsole.api.dictionaries import KYC_REQUIRED_FIELDS
from fpconsole.api.methods import REGISTRY
from fpconsole.api.models import ApiRequest, Envelope
from fpconsole.api.validation import FieldError, describe_errors, format_errors, validate_request

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
RID2 = "550e8400-e29b-41d4-a716-446655440000"
TOKEN = "019ab688-bef2-72c4-6a29-d0e08be76d95"
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").decode()
ADDRESS = {
    "country": "KAZ",
    "postal_code": "050000",
    "address_line1": "Almaty",
    "address_line2": "Abay ave",
    "address_line3": "10, apt 5",
}
# SPEC §3.1's example (document: a real, tiny PDF instead of the elided "JVBERi0xLjQK...").
CLIENT = {
    "phone": 77011234567,
    "type": 1,
    "resident": 1,
    "first_name": "ALIYA",
    "last_name": "SERIKOVA",
    "birthdate": "1992-04-17",
    "email": "aliya@example.kz",
    "country": "KAZ",
    "person_id": "920417400123",
    "language": "ru",
    "document": PDF,
    "address1": ADDRESS,
    "address2": ADDRESS,
    "identification_info": {"idn_date": "2025-05-01T09:30:00+05:00", "identified_by": "branch-12 operator"},
}
CLIENT_ADD = {"request_id": RID, "product_id": 1000, "client": CLIENT}


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with dotted paths set (value ...) or removed (value DROP)."""
    body: dict[str, Any] = json.loads(json.dumps(base))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target: Any = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return body


DROP: Any = object()


@dataclass(frozen=True)
class Bad:
    body: dict[str, Any]
    field: str  # dotted path the message must name
    expect: str  # what the message must say is expected


@dataclass(frozen=True)
class Case:
    valid: dict[str, Any]
    invalid: tuple[Bad, ...]


CARD = {"request_id": RID, "card_id": "7001234"}
CARD_REASON = {**CARD, "description": "customer found the card"}
WINDOW = {
    "card_id": "7001234",
    "start_date": "2025-04-01T00:00:00+05:00",
    "end_date": "2025-04-30T23:59:59+05:00",
}
TX_CREATE = {
    "request_id": RID,
    "order_id": "ORD-7788",
    "card_id": "7001234",
    "amount": 3500.5,
    "currency": "KZT",
    "description": "groceries",
}
REFUND = {
    "request_id": RID,
    "order_id": "ORD-7788",
    "transaction_id": TOKEN,
    "description": "partial return",
    "amount": 1500,
}
LIMITS_SET = {
    "request_id": RID2,
    "object": {"type": "card", "value": "7001234"},
    "limits": [
        {
            "transaction_type": "withdrawal_atm",
            "period": "month",
            "amount": [{"type": "max", "value": "200000", "currency": "KZT"}],
        }
    ],
}
LIMITS_LIST = {
    "request_id": "123e4567-e89b-12d3-a456-426614174000",
    "object": {"type": "card", "value": "123456789"},
}
VALIDATE = {
    "user_phone": "77011234567",
    "first_name": "ALIYA",
    "last_name": "SERIKOVA",
    "card_token": TOKEN,
    "request_id": RID,
}


def card_cases(base: dict[str, Any]) -> tuple[Bad, ...]:
    return (
        Bad(with_changes(base, card_id=DROP), "card_id", "is required"),
        Bad(with_changes(base, request_id="not-a-uuid"), "request_id", "must be a UUID"),
        Bad(with_changes(base, card_id=7001234), "card_id", "must be text"),
        Bad(with_changes(base, card_id="карта"), "card_id", "Latin letters"),
    )


def reason_cases(base: dict[str, Any]) -> tuple[Bad, ...]:
    return (
        Bad(with_changes(base, description=DROP), "description", "is required"),
        Bad(with_changes(base, description="x" * 256), "description", "at most 255 characters"),
        Bad(with_changes(base, description="   "), "description", "must not be empty"),
        Bad(with_changes(base, card_id=""), "card_id", "must not be empty"),
    )


def window_cases(base: dict[str, Any]) -> tuple[Bad, ...]:
    return (
        Bad(with_changes(base, start_date="2025-04-01T00:00:00"), "start_date", "offset or Z"),
        Bad(with_changes(base, end_date="2025-04-31T00:00:00Z"), "end_date", "not a real date"),
        Bad(
            with_changes(base, end_date="2025-03-01T00:00:00+05:00"),
            "end_date",
            "must not be before start_date",
        ),
        Bad(with_changes(base, card_id=DROP), "card_id", "is required"),
    )


TABLE: dict[str, Case] = {
    "card.bulk_issue": Case(
        {"request_id": RID, "product_id": 2000, "count": 25},
        (
            Bad({"request_id": RID, "product_id": 2000, "count": 0}, "count", "from 1 to 500"),
            Bad({"request_id": RID, "product_id": 2000, "count": 501}, "count", "from 1 to 500"),
            Bad({"request_id": RID, "product_id": 4000, "count": 1}, "product_id", "must be one of 1000"),
            Bad({"request_id": RID, "product_id": 2000, "count": "many"}, "count", "whole number"),
        ),
    ),
    "card.issue": Case(
        {"request_id": RID, "product_id": 2000, "client_id": "CL-100045"},
        (
            Bad({"request_id": RID, "product_id": 2000}, "client_id", "give either client_id"),
            Bad({"request_id": RID, "client_id": "CL-100045"}, "product_id", "is required"),
            Bad(
                {
                    "request_id": RID,
                    "product_id": 2000,
                    "cardholder": {"first_name": "ALIYA", "last_name": "SERIKOVA", "phone": 77011234567},
                },
                "cardholder.country",
                "is required",
            ),
        ),
    ),
    "card.issue_plastic": Case(
        {"request_id": RID, "card_id": "7001234", "branch_id": "BR-12"},
        (
            Bad({"request_id": RID}, "card_id", "is required"),
            Bad({"request_id": RID, "card_id": "7001234", "branch_id": "x" * 65}, "branch_id", "at most 64"),
            Bad({"request_id": RID, "card_id": "7001234", "address": "x"}, "address", "not a field"),
        ),
    ),
    "card.activate": Case(CARD, card_cases(CARD)),
    "card.block": Case({**CARD_REASON, "description": "lost by customer"}, reason_cases(CARD_REASON)),
    # SPEC §3.9's example, with a full request_id.
    "card.unblock": Case(CARD_REASON, reason_cases(CARD_REASON)),
    # SPEC §3.10's example.
    "card.set_pin": Case(
        {"request_id": RID, "card_id": "7001234", "pin": "q3Jx0v9mW0b8k3YtZx3z1Q=="},
        (
            Bad({"request_id": RID, "card_id": "7001234", "pin": "12"}, "pin", "at least 4 characters"),
            Bad({"request_id": RID, "pin": "q3Jx0v9mW0b8k3YtZx3z1Q=="}, "card_id", "is required"),
            Bad({"card_id": "7001234", "pin": 1234}, "pin", "must be text"),
        ),
    ),
    "card.reset_counter_pin": Case(CARD, card_cases(CARD)),
    "card.close": Case({**CARD, "description": "customer request"}, reason_cases(CARD_REASON)),
    # SPEC §3.3's example.
    "card.link": Case(
        {"request_id": RID, "client_id": "CL-100045", "card_id": "7001234"},
        (
            Bad({"request_id": RID, "card_id": "7001234"}, "client_id", "is required"),
            Bad({"request_id": RID, "client_id": "CL-100045", "card_id": "7" * 65}, "card_id", "at most 64"),
            Bad({"request_id": "c7a1...", "client_id": "CL-1", "card_id": "7001234"}, "request_id", "UUID"),
        ),
    ),
    # The body of SPEC §1.2's second signature vector.
    "card.info": Case(
        {"request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "card_id": "7001234"}, card_cases(CARD)
    ),
    "card.balance": Case(CARD, card_cases(CARD)),
    "card.secret_data": Case(CARD, card_cases(CARD)),
    # SPEC §3.16's example.
    "card.statement": Case(WINDOW, window_cases(WINDOW)),
    # SPEC §3.17: its own request model, the window required (Statement's is optional).
    "card.statement_extended": Case(
        WINDOW,
        (
            *window_cases(WINDOW),
            Bad(with_changes(WINDOW, start_date=DROP), "start_date", "is required"),
            Bad(with_changes(WINDOW, end_date=DROP), "end_date", "is required"),
        ),
    ),
    "client.add": Case(
        CLIENT_ADD,
        (
            Bad(with_changes(CLIENT_ADD, client__phone="+77011234567"), "client.phone", "digits only"),
            Bad(with_changes(CLIENT_ADD, client__first_name="Алия"), "client.first_name", "Latin"),
            Bad(with_changes(CLIENT_ADD, client__country="KZ"), "client.country", "alpha-3"),
            Bad(with_changes(CLIENT_ADD, client=DROP), "client", "is required"),
        ),
    ),
    # SPEC §3.2's example, with a full request_id.
    "client.update": Case(
        {"request_id": RID, "client_id": "CL-100045", "product_id": 1000, "client": {"phone": 77017654321}},
        (
            Bad(
                {"request_id": RID, "client_id": "CL-1", "product_id": 1000, "client": {"phone": "7701 123"}},
                "client.phone",
                "digits only",
            ),
            Bad(
                {"request_id": RID, "client_id": "CL-1", "product_id": 1000, "client": {}},
                "client.phone",
                "is required",
            ),
            Bad(
                {"request_id": RID, "client_id": "CL-1", "product_id": 1, "client": {"phone": 77017654321}},
                "product_id",
                "must be one of 1000",
            ),
        ),
    ),
    "client.cards": Case(
        {"client_id": "CL-100045"},
        (
            Bad({}, "client_id", "is required"),
            Bad({"client_id": "CL-100045", "card_id": "7001234"}, "card_id", "not a field"),
            Bad({"client_id": "CL-100045", "request_id": 42}, "request_id", "must be a UUID"),
        ),
    ),
    # SPEC §3.19's example.
    "request.status": Case(
        {"request_id": RID},
        (
            Bad({}, "request_id", "is required"),
            Bad({"request_id": "828cf71d-a447-4a67-a149"}, "request_id", "must be a UUID"),
        ),
    ),
    "transaction.create": Case(
        TX_CREATE,
        (
            Bad(with_changes(TX_CREATE, amount=0), "amount", "greater than zero"),
            Bad(with_changes(TX_CREATE, currency="XXX"), "currency", "ISO 4217"),
            Bad(with_changes(TX_CREATE, order_id=DROP), "order_id", "is required"),
        ),
    ),
    "transaction.clearing": Case(
        {"request_id": RID, "order_id": "ORD-7788", "transaction_id": TOKEN, "amount": "1500.25"},
        (
            Bad(
                {"request_id": RID, "transaction_id": TOKEN, "amount": "1.005"}, "amount", "2 decimal places"
            ),
            Bad({"request_id": RID, "amount": 10}, "transaction_id", "is required"),
        ),
    ),
    # SPEC §3.22's example, with a full request_id.
    "transaction.refund": Case(
        REFUND,
        (
            Bad(with_changes(REFUND, amount=-1), "amount", "greater than zero"),
            Bad(with_changes(REFUND, order_id=DROP), "order_id", "is required"),
            Bad(with_changes(REFUND, amount="ten"), "amount", "use digits and an optional '.'"),
        ),
    ),
    # SPEC §3.23's example.
    "transaction.info": Case(
        {"request_id": TOKEN, "transaction_id": TOKEN},
        (
            Bad({"request_id": TOKEN}, "transaction_id", "is required"),
            Bad({"request_id": "x", "transaction_id": TOKEN}, "request_id", "must be a UUID"),
        ),
    ),
    "external.cardholder_validate": Case(
        VALIDATE,
        (
            Bad(with_changes(VALIDATE, card_token="7001234"), "card_token", "must be a UUID"),
            Bad(with_changes(VALIDATE, user_phone="+7 701 123 45 67"), "user_phone", "digits only"),
            Bad(with_changes(VALIDATE, last_name="Серикова"), "last_name", "Latin"),
        ),
    ),
    # SPEC §3.25's example.
    "limits.set": Case(
        LIMITS_SET,
        (
            Bad(with_changes(LIMITS_SET, limits=[]), "limits", "at least 1 item"),
            Bad(
                with_changes(LIMITS_SET, limits__0__transaction_type="teleport"),
                "limits.0.transaction_type",
                "must be one of withdrawal_atm",
            ),
            Bad(
                with_changes(LIMITS_SET, limits__0__amount__0__value="-5"),
                "limits.0.amount.0.value",
                "greater than zero",
            ),
            Bad(with_changes(LIMITS_SET, object__type="wallet"), "object.type", "must be one of card"),
        ),
    ),
    # SPEC §3.26's example.
    "limits.list": Case(
        LIMITS_LIST,
        (
            Bad(with_changes(LIMITS_LIST, object=DROP), "object", "is required"),
            Bad(with_changes(LIMITS_LIST, object__value=DROP), "object.value", "is required"),
        ),
    ),
}


def _model(name: str) -> type[ApiRequest]:
    return REGISTRY.resolve(name).request


def _errors(name: str, body: dict[str, Any]) -> list[FieldError]:
    model, errors = validate_request(_model(name), body)
    assert (model is None) == bool(errors)
    return errors


def _assert_refused(errors: list[FieldError], field: str, expect: str) -> FieldError:
    assert errors, f"expected {field} to be refused"
    matching = [e for e in errors if e.field == field]
    assert matching, f"no error names {field!r}: {format_errors(errors)}"
    assert any(expect in e.message for e in matching), f"{field}: {[e.message for e in matching]}"
    assert any(str(e).startswith(f"{field}: ") for e in matching)
    return matching[0]


def test_table_covers_every_registry_method() -> None:
    assert set(TABLE) == {method.name for method in REGISTRY}
    assert len(TABLE) == len(REGISTRY) == 26
    thin = [name for name, case in TABLE.items() if len(case.invalid) < 2]
    assert not thin, f"fewer than two invalid examples: {thin}"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_valid_example_is_accepted(name: str) -> None:
    model, errors = validate_request(_model(name), TABLE[name].valid)
    assert errors == [], format_errors(errors)
    assert isinstance(model, _model(name))
    # It serialises to a body that validates again to the same request.
    again = _model(name).model_validate_json(model.model_dump_json(exclude_none=True))
    assert again == model


@pytest.mark.parametrize(
    ("name", "index"),
    [(name, index) for name in sorted(TABLE) for index in range(len(TABLE[name].invalid))],
)
def test_invalid_example_is_refused_naming_the_field(name: str, index: int) -> None:
    bad = TABLE[name].invalid[index]
    _assert_refused(_errors(name, bad.body), bad.field, bad.expect)


# --- field by field -----------------------------------------------------------------------


def _client_add(**changes: Any) -> list[FieldError]:
    return _errors("client.add", with_changes(CLIENT_ADD, **changes))


@pytest.mark.parametrize(
    ("phone", "expect"),
    [
        ("+77011234567", "digits only"),
        ("7701 123", "digits only"),
        ("7701-123-45-67", "digits only"),
        ("770112345", "got 9 digits"),
        ("7701123456789012", "got 16 digits"),
        (770112345, "got 9 digits"),
        ("07011234567", "not start with 0"),
        (77011234567.0, "digits only"),
        (True, "phone number"),
        ("", "digits only"),
        ("٧٧٠١١٢٣٤٥٦٧", "digits only"),  # Arabic-Indic digits are not the API's digits
    ],
)
def test_phone_refused(phone: Any, expect: str) -> None:
    _assert_refused(_client_add(client__phone=phone), "client.phone", expect)


@pytest.mark.parametrize("phone", ["7701123456", "77011234567", "123456789012345", 77011234567])
def test_phone_accepted_and_sent_as_json_integer(phone: Any) -> None:
    model = _model("client.add").model_validate(with_changes(CLIENT_ADD, client__phone=phone))
    sent = json.loads(model.model_dump_json())
    assert sent["client"]["phone"] == int(phone)
    assert isinstance(sent["client"]["phone"], int)


def test_cardholder_validation_sends_its_phone_as_a_string() -> None:
    model = _model("external.cardholder_validate").model_validate({**VALIDATE, "user_phone": 77011234567})
    assert json.loads(model.model_dump_json())["user_phone"] == "77011234567"


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("2025-02-30", "not a real calendar date"),
        ("2025-13-01", "not a real calendar date"),
        ("17.04.1992", "YYYY-MM-DD"),
        ("1992-4-17", "YYYY-MM-DD"),
        ("1992-04-17T00:00:00", "YYYY-MM-DD"),
        (19920417, "YYYY-MM-DD"),
    ],
)
def test_date_refused(value: Any, expect: str) -> None:
    _assert_refused(_client_add(client__birthdate=value), "client.birthdate", expect)


@pytest.mark.parametrize("value", ["2024-02-29", "1992-04-17", "2000-01-01"])
def test_date_accepted(value: str) -> None:
    assert _client_add(client__birthdate=value) == []


@pytest.mark.parametrize(
    "value",
    [
        "2025-05-01T09:30:00+05:00",
        "2025-05-01T09:30:00Z",
        "2025-01-01T00:01:01+00:30",
        "2025-05-01T09:30:00.5-03:00",
    ],
)
def test_datetime_with_offset_or_z_accepted(value: str) -> None:
    assert _client_add(client__identification_info__idn_date=value) == []


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("2025-05-01T09:30:00", "with an offset or Z"),  # naive
        ("2025-05-01 09:30:00+05:00", "with an offset or Z"),
        ("2025-05-01", "with an offset or Z"),
        ("2025-02-30T09:30:00Z", "not a real date"),
        ("2025-05-01T25:30:00Z", "not a real date"),
    ],
)
def test_datetime_refused(value: str, expect: str) -> None:
    _assert_refused(
        _client_add(client__identification_info__idn_date=value),
        "client.identification_info.idn_date",
        expect,
    )


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("KZ", "3 letters"),
        ("XXX", "not a known"),
        ("KAZA", "3 letters"),
        ("K4Z", "3 letters"),
        (398, "country"),
    ],
)
def test_country_alpha3(value: Any, expect: str) -> None:
    error = _assert_refused(_client_add(client__country=value), "client.country", expect)
    assert "alpha-3" in error.message


def test_address_country_is_alpha3_too() -> None:
    _assert_refused(_client_add(client__address1__country="KZ"), "client.address1.country", "alpha-3")


def test_country_is_normalised_to_upper_case() -> None:
    model = _model("client.add").model_validate(with_changes(CLIENT_ADD, client__country="kaz"))
    assert json.loads(model.model_dump_json())["client"]["country"] == "KAZ"


@pytest.mark.parametrize(
    ("value", "expect"), [("KZ", "3 letters"), ("XXX", "not a known"), ("tenge", "3 letters")]
)
def test_currency_alpha3(value: str, expect: str) -> None:
    errors = _errors("transaction.create", with_changes(TX_CREATE, currency=value))
    assert "ISO 4217" in _assert_refused(errors, "currency", expect).message


def test_limit_currency_alpha3() -> None:
    errors = _errors("limits.set", with_changes(LIMITS_SET, limits__0__amount__0__currency="KZ"))
    _assert_refused(errors, "limits.0.amount.0.currency", "ISO 4217")


@pytest.mark.parametrize(
    ("value", "expect"), [("rus", "2 letters"), ("xx", "not a known"), ("r", "2 letters")]
)
def test_language_alpha2(value: str, expect: str) -> None:
    error = _assert_refused(_client_add(client__language=value), "client.language", expect)
    assert "ISO 639-1" in error.message


@pytest.mark.parametrize("product", [1000, 2000, 3000, "2000"])
def test_product_ids_accepted(product: Any) -> None:
    assert _client_add(product_id=product) == []


@pytest.mark.parametrize("product", [0, 1001, 4000, "abc", None, True])
def test_product_ids_refused(product: Any) -> None:
    error = _assert_refused(_client_add(product_id=product), "product_id", "must be one of")
    assert "1000 (Freedom Wallet Card)" in error.message and "3000" in error.message


@pytest.mark.parametrize("missing", KYC_REQUIRED_FIELDS)
def test_product_1000_names_each_missing_kyc_field(missing: str) -> None:
    errors = _errors("client.add", with_changes(CLIENT_ADD, **{f"client__{missing}": DROP}))
    assert [e.field for e in errors] == [f"client.{missing}"]
    assert "required for product_id 1000" in errors[0].message


def test_product_1000_names_all_missing_kyc_fields_at_once() -> None:
    body = with_changes(CLIENT_ADD, **{f"client__{name}": DROP for name in KYC_REQUIRED_FIELDS})
    assert [e.field for e in _errors("client.add", body)] == [f"client.{n}" for n in KYC_REQUIRED_FIELDS]


@pytest.mark.parametrize("product", [2000, 3000])
def test_other_products_do_not_require_kyc_fields(product: int) -> None:
    body = with_changes(
        CLIENT_ADD, product_id=product, **{f"client__{name}": DROP for name in KYC_REQUIRED_FIELDS}
    )
    assert _errors("client.add", body) == []


@pytest.mark.parametrize(("field", "value"), [("type", 0), ("type", 4), ("resident", 0), ("resident", 3)])
def test_client_type_and_residency_codes(field: str, value: int) -> None:
    error = _assert_refused(_client_add(**{f"client__{field}": value}), f"client.{field}", "must be one of")
    assert ("individual entrepreneur" if field == "type" else "non-resident") in error.message


@pytest.mark.parametrize(("field", "value"), [("type", 2), ("type", 3), ("resident", 2), ("type", "3")])
def test_client_type_and_residency_accepted(field: str, value: Any) -> None:
    assert _client_add(**{f"client__{field}": value}) == []


@pytest.mark.parametrize("field", ["first_name", "last_name", "middle_name"])
@pytest.mark.parametrize("value", ["Алия", "ALIYA1", "Çelik", "", "-ALIYA"])
def test_names_must_be_latin(field: str, value: str) -> None:
    error = _assert_refused(_client_add(**{f"client__{field}": value}), f"client.{field}", "Latin")
    assert "ALIYA" in error.message  # gives an example


@pytest.mark.parametrize("value", ["Mary-Jane", "O'Neil", "Anna Maria", "St. John"])
def test_latin_names_accepted(value: str) -> None:
    assert _client_add(client__first_name=value) == []


@pytest.mark.parametrize(
    ("amount", "expect"),
    [
        (0, "greater than zero"),
        ("0.00", "greater than zero"),
        (-1, "greater than zero"),
        (1.005, "at most 2 decimal places"),
        ("1.005", "at most 2 decimal places"),
        ("1000000000", "at most 999999999.99"),
        ("NaN", "use digits and an optional '.'"),
        ("Infinity", "use digits and an optional '.'"),
        ("", "use digits and an optional '.'"),
        (True, "not true/false"),
    ],
)
def test_amounts_refused(amount: Any, expect: str) -> None:
    _assert_refused(_errors("transaction.create", with_changes(TX_CREATE, amount=amount)), "amount", expect)


@pytest.mark.parametrize(
    ("amount", "sent"), [(5000, 5000), ("0.01", 0.01), ("1500.50", 1500.5), (1500.5, 1500.5), ("1.10", 1.1)]
)
def test_amounts_accepted_and_sent_as_json_numbers(amount: Any, sent: float) -> None:
    model = _model("transaction.create").model_validate(with_changes(TX_CREATE, amount=amount))
    body = json.loads(model.model_dump_json())
    assert body["amount"] == sent
    assert not isinstance(body["amount"], str)


def test_limit_values_are_sent_as_strings() -> None:
    body = with_changes(LIMITS_SET, limits__0__amount__0__value=200000)
    model = _model("limits.set").model_validate(body)
    assert json.loads(model.model_dump_json())["limits"][0]["amount"][0]["value"] == "200000"


def _pdf_of(size: int) -> str:
    head = b"%PDF-1.4\n"
    return base64.b64encode(head + b"0" * (size - len(head))).decode()


@pytest.mark.parametrize(
    ("document", "expect"),
    [
        ("this is not base64!", "not valid base64"),
        ("JVBERi0x*LjQK", "not valid base64"),
        (base64.b64encode(b"GIF89a not a pdf").decode(), "must be a PDF"),
        (base64.b64encode(b"").decode() or "  ", "base64-encoded PDF"),
        (_pdf_of(2 * 1024 * 1024 + 1), "larger than 2 MB"),
        (_pdf_of(3 * 1024 * 1024), "larger than 2 MB"),
    ],
    ids=["not-base64", "bad-character", "not-pdf", "empty", "2MB-plus-1", "3MB"],
)
def test_document_refused(document: str, expect: str) -> None:
    _assert_refused(_client_add(client__document=document), "client.document", expect)


def test_document_of_exactly_2mb_accepted() -> None:
    assert _client_add(client__document=_pdf_of(2 * 1024 * 1024)) == []


def test_document_base64_with_line_breaks_accepted() -> None:
    wrapped = "\n".join(PDF[i : i + 16] for i in range(0, len(PDF), 16))
    assert _client_add(client__document=wrapped) == []


@pytest.mark.parametrize(
    "value", ["abc", "828cf71d-a447-4a67-a149", 12345, "828cf71d-a447-4a67-a149-c1df8bc197cz"]
)
def test_request_id_must_be_uuid(value: Any) -> None:
    _assert_refused(_client_add(request_id=value), "request_id", "must be a UUID")


def test_request_id_is_normalised() -> None:
    model = _model("request.status").model_validate({"request_id": RID.upper()})
    assert json.loads(model.model_dump_json())["request_id"] == RID


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"surprise": 1}, "surprise"),
        ({"client__nickname": "al"}, "client.nickname"),
        ({"client__address1__zip": "1"}, "client.address1.zip"),
    ],
)
def test_unknown_fields_refused(changes: dict[str, Any], field: str) -> None:
    _assert_refused(_client_add(**changes), field, "is not a field of this request")


def test_describe_errors_lists_every_problem_once() -> None:
    body = with_changes(CLIENT_ADD, client__phone="x", client__type=9, client__email="nope", product_id=5)
    fields = sorted(e.field for e in _errors("client.add", body))
    assert fields == ["client.email", "client.phone", "client.type", "product_id"]


def test_describe_errors_works_on_a_raw_validation_error() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        _model("card.block").model_validate({"card_id": "7001234"})
    described = describe_errors(caught.value)
    assert {e.field for e in described} == {"request_id", "description"}
    assert all(e.message == "is required" for e in described)


# --- responses ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_response_model_parses_the_envelope_and_keeps_unknown_fields(name: str) -> None:
    response = REGISTRY.resolve(name).response
    raw = {
        "status": "ok",
        "request_status": "success",
        "dt": "2025-05-01T10:00:00+05:00",
        "brand_new_field": {"nested": [1, 2]},
    }
    parsed = response.model_validate(raw)
    assert isinstance(parsed, Envelope)
    assert (parsed.status, parsed.request_status, parsed.dt) == ("ok", "success", "2025-05-01T10:00:00+05:00")
    assert parsed.model_extra == {"brand_new_field": {"nested": [1, 2]}}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_response_model_parses_an_error_envelope(name: str) -> None:
    raw = {
        "status": "error",
        "request_status": "error",
        "error_code": "not_found",
        "error_description": "no card",
    }
    parsed = REGISTRY.resolve(name).response.model_validate(raw)
    assert (parsed.error_code, parsed.error_description) == ("not_found", "no card")


def test_request_status_response_spec_example() -> None:
    raw = {
        "status": "ok",
        "request_status": "success",
        "cards": [{"card_id": "7001234", "mask": "440043******1237"}],
        "client_id": "CL-100045",
        "dt": "2025-05-01T09:31:10+05:00",
    }
    parsed: Any = REGISTRY.resolve("request.status").response.model_validate(raw)
    assert parsed.client_id == "CL-100045"
    assert [c.card_id for c in parsed.cards] == ["7001234"]
    assert parsed.cards[0].model_extra == {"mask": "440043******1237"}


def test_transaction_request_status_is_request_status() -> None:
    """Docs page api-14318518: "Transaction request status" posts {request_id} to request/status,
    so it is the same entry, and its model refuses a transaction_id in the request."""
    method = REGISTRY.resolve("transaction.request_status")
    assert method is REGISTRY.resolve("request.status")
    assert method.path == "/v5/card-api/request/status"
    with pytest.raises(Exception, match="transaction_id"):
        method.request.model_validate({"request_id": RID, "transaction_id": TOKEN})


def test_transaction_request_status_response_carries_both_ids() -> None:
    raw = {
        "status": "ok",
        "request_status": "success",
        "transaction_id": TOKEN,
        "fin_document_id": "FD-42",
        "dt": "2025-05-01T09:31:10+05:00",
    }
    parsed: Any = REGISTRY.resolve("transaction.request_status").response.model_validate(raw)
    assert (parsed.transaction_id, parsed.fin_document_id) == (TOKEN, "FD-42")
    assert parsed.model_extra == {}


def test_statement_window_optional_but_extended_window_required() -> None:
    card_only = {"card_id": "7001234"}
    assert REGISTRY.resolve("card.statement").request.model_validate(card_only)
    model, errors = validate_request(REGISTRY.resolve("card.statement_extended").request, card_only)
    assert model is None
    assert {error.field for error in errors} == {"start_date", "end_date"}


def test_statement_extended_answer_without_status_parses() -> None:
    """SPEC §3.17 marks every field of the answer optional, status included, and lists no dt."""
    raw = {"request_status": "success", "client_id": "CL-1", "card": {"card_id": "7001234"}}
    parsed: Any = REGISTRY.resolve("card.statement_extended").response.model_validate(raw)
    assert (parsed.status, parsed.client_id, parsed.card.card_id) == (None, "CL-1", "7001234")
    with pytest.raises(Exception, match="status"):
        REGISTRY.resolve("card.statement").response.model_validate(raw)


def test_statement_response_spec_example() -> None:
    raw = {
        "status": "ok",
        "request_status": "success",
        "dt": "2025-05-01T10:00:00+05:00",
        "operations": [
            {
                "type": "pay",
                "amount": 3500.0,
                "commission": 0,
                "currency": "KZT",
                "mcc": 5411,
                "datetime": "2025-04-12T18:22:10+05:00",
                "rrn": "510218765432",
                "merchant": {"name": "SMALL SHOP", "city": "ALMATY", "country": "KAZ", "mid": "M1"},
            }
        ],
    }
    parsed: Any = REGISTRY.resolve("card.statement").response.model_validate(raw)
    operation = parsed.operations[0]
    assert (operation.type, str(operation.amount), operation.mcc) == ("pay", "3500.0", 5411)
    assert operation.merchant.name == "SMALL SHOP"
    assert operation.merchant.model_extra == {"mid": "M1"}


def test_transaction_info_response_spec_example() -> None:
    raw = {
        "status": "ok",
        "request_status": "success",
        "dt": "2025-01-01T00:01:01+00:30",
        "transaction": {"status": "new", "error_code": "", "error_description": ""},
        "additional": [{"key": "device_os_type", "value": "android"}],
    }
    parsed: Any = REGISTRY.resolve("transaction.info").response.model_validate(raw)
    assert parsed.transaction.status == "new"
    assert [(a.key, a.value) for a in parsed.additional] == [("device_os_type", "android")]


def test_response_without_status_is_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate({"request_status": "success"})
    assert [e.field for e in describe_errors(caught.value)] == ["status"]


def test_a_window_in_the_wrong_order_names_end_date_once() -> None:
    body = {
        "card_id": "7001234",
        "start_date": "2025-05-01T00:00:00Z",
        "end_date": "2025-04-30T00:00:00+05:00",
    }
    [problem] = _errors("card.statement", body)
    assert str(problem) == "end_date: must not be before start_date"


@pytest.mark.parametrize(
    ("name", "body", "field", "says"),
    [
        ("transaction.create", with_changes(TX_CREATE, currency="KZ"), "currency", "must be an ISO 4217"),
        (
            "client.add",
            with_changes(CLIENT_ADD, client__country=398),
            "client.country",
            "must be an ISO 3166-1",
        ),
        (
            "client.add",
            with_changes(CLIENT_ADD, client__language="r"),
            "client.language",
            "must be an ISO 639-1",
        ),
    ],
)
def test_code_messages_read_as_sentences(name: str, body: dict[str, Any], field: str, says: str) -> None:
    _assert_refused(_errors(name, body), field, says)


def test_a_card_token_message_does_not_offer_to_generate_it() -> None:
    error = _assert_refused(
        _errors("external.cardholder_validate", with_changes(VALIDATE, card_token="x")),
        "card_token",
        "must be a UUID",
    )
    assert "generated" not in error.message


def test_a_number_where_text_is_expected_says_to_quote_it() -> None:
    body = {"request_id": RID, "card_id": 7001234}
    _assert_refused(_errors("card.info", body), "card_id", "must be text (in JSON, a quoted string)")


@pytest.mark.parametrize("method", [m for m in REGISTRY if m.changes_state], ids=lambda m: m.name)
def test_request_id_help_states_the_rule(method: Any) -> None:
    # The form shows this under Request id: a final error is resubmitted with a fresh id, an
    # unknown outcome is polled with the same one and never sent again (it said "reused on retry",
    # which after a final error could only get duplicate_request_id).
    field = method.request.model_fields.get("request_id")
    assert field is not None and field.description is not None
    assert "retry" not in field.description.lower()
    assert "after an unknown outcome poll request/status with it, never send it again" in field.description
