"""Field types shared by the request models.

Each type rejects what the Card API would reject, with a message that says what is expected
and gives an example; the field's name comes from pydantic's error location (see
`fpconsole.api.validation.describe_errors`).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from fpconsole.api.dictionaries import COUNTRIES_ALPHA3, CURRENCIES_ALPHA3, LANGUAGES_ALPHA2

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_AMOUNT = Decimal("999999999.99")

_DIGITS = re.compile(r"[0-9]+")  # \d would admit non-ASCII digits
# [0-9], not \d: \d admits other scripts' digits, which fromisoformat would then read.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_LATIN_NAME = re.compile(r"[A-Za-z](?:[A-Za-z .'\-]*[A-Za-z.])?")
# SPEC §1.4: "string" means characters from this set (plus the space, which names and
# reasons need and every example uses).
_API_STRING = re.compile(r"[a-zA-Z0-9`*()@#$!~\-_,.|/+=^& :;'\"%?\[\]{}<>\\]*")


def _fail(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


# --- request_id ---------------------------------------------------------------------------


def _uuid_validator(hint: str) -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value.strip()))
            except ValueError:
                pass
        raise _fail("uuid", f"must be a UUID such as 828cf71d-a447-4a67-a149-c1df8bc197ca{hint}")

    return BeforeValidator(check)


_UUID_SCHEMA = WithJsonSchema({"type": "string", "format": "uuid"})
RequestId = Annotated[str, _uuid_validator(" (leave it empty to have one generated)"), _UUID_SCHEMA]
# The request_id of an earlier request (request/status): never generated, so no such hint.
LookupRequestId = Annotated[str, _uuid_validator(" (the request_id of the earlier request)"), _UUID_SCHEMA]
Uuid = Annotated[str, _uuid_validator(""), _UUID_SCHEMA]


# --- phone --------------------------------------------------------------------------------


def _to_phone(value: Any) -> int:
    if isinstance(value, bool):
        raise _fail("phone", "must be a phone number, digits only")
    if isinstance(value, int) and not 0 < value < 10**15:
        # Before str(): one past 4300 digits raises; the digit count is what is wrong.
        raise _fail(
            "phone",
            "must have 10–15 digits including the country code and not start with 0 (e.g. 77011234567)",
        )
    text = str(value).strip() if isinstance(value, (int, str)) else None
    if text is None or not _DIGITS.fullmatch(text):
        raise _fail(
            "phone",
            "must be digits only with the country code, no '+', spaces or dashes "
            "(10–15 digits, e.g. 77011234567)",
        )
    if not 10 <= len(text) <= 15 or text.startswith("0"):
        raise _fail(
            "phone",
            "must have 10–15 digits including the country code and not start with 0 "
            "(e.g. 77011234567); got {digits} digits",
            digits=len(text),
        )
    return int(text)


def _phone_as_text(value: Any) -> str:
    return str(_to_phone(value))


# What people put between a phone's digits: `+7 701 123-45-67`, `+7 (701) 123.45.67`.
_PHONE_DECORATION = re.compile(r"[ \t\-().]+")
PHONE_EXAMPLE = "+7 701 123-45-67 or 77011234567"


def phone_digits(text: str) -> str:
    """`+7 701 123-45-67` → `77011234567`, as the console's search reads a phone. Only a leading
    '+' and the spaces, dashes, dots and brackets between digits go; anything else (a letter, a
    '+' inside) is left as typed, so the validator says what is wrong with it. The API itself
    takes digits only: this is for what a person types, not for what is sent as it is."""
    stripped = text.strip()
    candidate = _PHONE_DECORATION.sub("", stripped.removeprefix("+"))
    return candidate if _DIGITS.fullmatch(candidate) else stripped


def phone_problem(label: str, text: str) -> str | None:
    """What is wrong with a typed phone (after `phone_digits`), naming the field and the form it
    takes; None when it is a phone the API accepts."""
    digits = phone_digits(text)
    if _DIGITS.fullmatch(digits) and 10 <= len(digits) <= 15 and not digits.startswith("0"):
        return None
    if not _DIGITS.fullmatch(digits):
        got = "letters or signs other than + ( ) - ."
    else:
        got = f"{len(digits)} digit{'s' if len(digits) != 1 else ''}"
    return f"{label}: expected the country code and number, 10–15 digits, e.g. {PHONE_EXAMPLE} (got {got})"


# The API sends phones as JSON integers (SPEC §1.4). `x-phone` tells the console's forms to read
# the field as a phone (`phone_digits`).
Phone = Annotated[
    int,
    BeforeValidator(_to_phone),
    WithJsonSchema({"type": "integer", "minimum": 1000000000, "maximum": 999999999999999, "x-phone": True}),
]
# Cardholder validation is the one method that sends the phone as a string.
PhoneText = Annotated[
    str,
    BeforeValidator(_phone_as_text),
    WithJsonSchema({"type": "string", "pattern": "^[1-9][0-9]{9,14}$", "x-phone": True}),
]


# --- dates --------------------------------------------------------------------------------


def _to_date_text(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise _fail("date", "is not a real calendar date (YYYY-MM-DD)") from None
    raise _fail("date", "must be a date as YYYY-MM-DD, e.g. 1992-04-17")


def _to_datetime_text(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _fail("datetime", "must carry a UTC offset, e.g. 2025-04-01T00:00:00+05:00")
        return value.isoformat()
    if isinstance(value, str) and _DATETIME.fullmatch(value.strip()):
        text = value.strip()
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _fail("datetime", "is not a real date and time") from None
        return text
    raise _fail(
        "datetime",
        "must be an RFC 3339 date-time with an offset or Z, e.g. 2025-04-01T00:00:00+05:00 "
        "or 2025-04-01T00:00:00Z",
    )


IsoDate = Annotated[str, BeforeValidator(_to_date_text), WithJsonSchema({"type": "string", "format": "date"})]


def _not_in_future(text: str) -> str:
    # "Today" is the latest date anywhere on Earth (UTC+14): a birth today in Almaty is never
    # refused because the server's clock is still on yesterday.
    latest = (datetime.now(UTC) + timedelta(hours=14)).date()
    if date.fromisoformat(text) > latest:
        raise _fail("birthdate", "is in the future; give the date of birth as YYYY-MM-DD, e.g. 1992-04-17")
    return text


BirthDate = Annotated[IsoDate, AfterValidator(_not_in_future)]
Rfc3339 = Annotated[
    str,
    BeforeValidator(_to_datetime_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# --- codes --------------------------------------------------------------------------------


def _code_validator(
    codes: frozenset[str], length: int, upper: bool, what: str, example: str
) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _fail("code", f"must be an {what}, e.g. {example}")
        text = value.strip()
        text = text.upper() if upper else text.lower()
        if len(text) != length or not text.isalpha():
            raise _fail("code", f"must be an {what} ({length} letters), e.g. {example}")
        if text not in codes:
            raise _fail("code", f"'{text}' is not a known {what}, e.g. {example}")
        return text

    return BeforeValidator(check)


Country = Annotated[
    str,
    _code_validator(COUNTRIES_ALPHA3, 3, True, "ISO 3166-1 alpha-3 country code", "KAZ"),
    WithJsonSchema({"type": "string", "enum": sorted(COUNTRIES_ALPHA3)}),
]
Currency = Annotated[
    str,
    _code_validator(CURRENCIES_ALPHA3, 3, True, "ISO 4217 currency code", "KZT"),
    WithJsonSchema({"type": "string", "enum": sorted(CURRENCIES_ALPHA3)}),
]
Language = Annotated[
    str,
    _code_validator(LANGUAGES_ALPHA2, 2, False, "ISO 639-1 language code", "ru"),
    WithJsonSchema({"type": "string", "enum": sorted(LANGUAGES_ALPHA2)}),
]


# --- text ---------------------------------------------------------------------------------


def _latin_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("latin_name", "must be a name in Latin letters, e.g. ALIYA")
    text = " ".join(value.split())
    if len(text) > 64:
        raise _fail("latin_name", "must be at most 64 characters")
    if not _LATIN_NAME.fullmatch(text):
        raise _fail(
            "latin_name",
            "must be in Latin script: letters A–Z, spaces, hyphens, apostrophes (e.g. ALIYA); "
            "transliterate Cyrillic names",
        )
    return text


LatinName = Annotated[
    str,
    BeforeValidator(_latin_name),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z](?:[A-Za-z .'\\-]*[A-Za-z.])?$", "maxLength": 64}),
]


def _api_text(max_length: int) -> AfterValidator:
    def check(value: str) -> str:
        text = value.strip()
        if not text:
            raise _fail("text", "must not be empty")
        if len(text) > max_length:
            raise _fail("text", "must be at most {limit} characters", limit=max_length)
        if not _API_STRING.fullmatch(text):
            raise _fail(
                "text",
                "may only use Latin letters, digits, spaces and the punctuation the API allows "
                "(e.g. - _ , . / + = @ # ( ))",
            )
        return text

    return AfterValidator(check)


Identifier = Annotated[
    str, _api_text(64), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64})
]
Reason = Annotated[str, _api_text(255), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 255})]
ShortText = Annotated[
    str, _api_text(128), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 128})
]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def _email(value: str) -> str:
    text = value.strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise _fail("email", "must be an e-mail address such as aliya@example.kz")
    return text


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


# --- amounts ------------------------------------------------------------------------------

AMOUNT_HINT = "use digits and an optional '.', e.g. 1500.50"
_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# What people type as a thousands separator: space, no-break and thin spaces, _ , and '.
_SEPARATED = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f\u2009_,'][0-9]{3})+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[0-9]*\.?[0-9]+[eE][+-]?[0-9]+")
_COMMA_DECIMALS = re.compile(r"[0-9]+,[0-9]{1,2}")


class AmountError(ValueError):
    """Why a value is not an amount; the message says the fix (the caller names the field)."""


def _refuse_text(text: str) -> AmountError:
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        return AmountError(f"{AMOUNT_HINT}; only the digits 0-9")
    if text.startswith("-") and _AMOUNT_TEXT.fullmatch(text[1:]):
        return AmountError("must be greater than zero, e.g. 1500.50")
    if _EXPONENT.fullmatch(text):
        return AmountError(f"{AMOUNT_HINT}; no exponent (1e3 is 1000)")
    if _COMMA_DECIMALS.fullmatch(text):
        return AmountError("use '.' for the decimals, e.g. 1500.50")
    if _SEPARATED.fullmatch(text) or re.fullmatch(r"[0-9][0-9 _,'\u00a0\u202f\u2009.]*[0-9]", text):
        return AmountError(f"{AMOUNT_HINT}; no spaces or thousands separators (1 000 is 1000)")
    return AmountError(AMOUNT_HINT)


def _checked(amount: Decimal) -> Decimal:
    # Finite is checked first: comparing a signalling NaN raises. Nothing here applies a context
    # (normalize, quantize, arithmetic), which is what overflowed on 1e1000000.
    if not amount.is_finite():
        raise AmountError(AMOUNT_HINT)
    if amount <= 0:
        raise AmountError("must be greater than zero, e.g. 1500.50")
    if amount > MAX_AMOUNT:
        raise AmountError(f"must be at most {MAX_AMOUNT}")
    if amount != amount.quantize(Decimal("0.01")):  # safe now: 0 < amount <= MAX_AMOUNT
        raise AmountError("must have at most 2 decimal places, e.g. 1500.50")
    return amount


def parse_amount(value: object) -> Decimal:
    """The one amount rule (SPEC §1.4), for the models, the console and the sandbox alike.

    Text is ASCII digits with an optional '.' and at most 2 decimals: no exponent, sign,
    separators or other scripts' digits, which a person would not mean (`1.500` may be a
    thousand and a half). A JSON number is taken by its value, since its notation is the
    sender's serialiser's choice (JSON.stringify writes 1e21, and 1500.50 arrives as the float
    1500.5); it must meet the same rule. Booleans are refused, though Python counts them as
    ints. Raises AmountError, never another exception, whatever it is given."""
    if isinstance(value, bool):
        raise AmountError(f"{AMOUNT_HINT}, not true/false")
    if isinstance(value, str):
        text = value
        if text != text.strip() and _AMOUNT_TEXT.fullmatch(text.strip()):
            # Refused, not stripped (README: no spaces): a stray space or newline is often a
            # paste or a shell quoting slip. The console's form boxes strip before this.
            raise AmountError(f"{AMOUNT_HINT}; no spaces around it (write {text.strip()})")
        if not _AMOUNT_TEXT.fullmatch(text):
            raise _refuse_text(text)
        if "." in text and len(text.partition(".")[2]) > 2:
            raise AmountError("must have at most 2 decimal places, e.g. 1500.50")
        return _checked(Decimal(text))
    if isinstance(value, int):
        # Compared as an int: str() of one past 4300 digits raises.
        if value <= 0:
            raise AmountError("must be greater than zero, e.g. 1500.50")
        if value > MAX_AMOUNT:
            raise AmountError(f"must be at most {MAX_AMOUNT}")
        return Decimal(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as this float: 0.1 + 0.2 has 17 decimals.
        return _checked(Decimal(repr(value)) if math.isfinite(value) else Decimal("NaN"))
    if isinstance(value, Decimal):
        return _checked(value)
    raise AmountError(AMOUNT_HINT)


def _to_amount(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise _fail("amount", str(exc)) from None


def _amount_json(value: Decimal) -> int | float:
    # Major units as a JSON number (SPEC §1.4): 5000 stays an integer, 1500.5 a float whose
    # shortest repr is exact for two decimals.
    return int(value) if value == value.to_integral_value() else float(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_to_amount),
    PlainSerializer(_amount_json, when_used="json"),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 999999999.99, "multipleOf": 0.01}),
]


def _limit_value(value: Any) -> str:
    amount = _to_amount(value)
    return str(_amount_json(amount))


# Limits carry their value as a string ("value":"5000", SPEC §1.4).
LimitValue = Annotated[
    str,
    BeforeValidator(_limit_value),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$"}),
]


# --- whole numbers ------------------------------------------------------------------------


def whole_number(low: int, high: int, example: int) -> BeforeValidator:
    """A count typed as ASCII digits or given as a JSON number (10.0 is 10); not 1_0, ١٠, 1e1,
    true, nor a number so large that reading it fails."""
    hint = f"must be a whole number from {low} to {high}, e.g. {example}"

    def check(value: Any) -> int:
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()) and len(value.strip()) < 10:
            number = int(value.strip())
        if number is None or not low <= number <= high:
            raise _fail("whole_number", hint)
        return number

    return BeforeValidator(check)


# --- document -----------------------------------------------------------------------------


def _document(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("document", "must be a base64-encoded PDF")
    text = "".join(value.split())
    if len(text) > (MAX_DOCUMENT_BYTES * 4) // 3 + 4:
        raise _fail("document", "is larger than 2 MB; scan it at a lower resolution")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("document", "is not valid base64; encode the PDF file with base64") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _fail("document", "is larger than 2 MB; scan it at a lower resolution")
    if not raw.startswith(b"%PDF-"):
        raise _fail("document", "must be a PDF file (base64 of a file starting with %PDF-)")
    return text


Document = Annotated[
    str, BeforeValidator(_document), WithJsonSchema({"type": "string", "contentEncoding": "base64"})
]


# --- dictionary codes ---------------------------------------------------------------------


def code_choice(codes: dict[int, str], what: str) -> BeforeValidator:
    """An integer code from a dictionary, accepting "1000" as typed on a command line."""
    listing = ", ".join(f"{code} ({label})" for code, label in codes.items())

    def check(value: Any) -> int:
        if isinstance(value, str) and _DIGITS.fullmatch(value.strip()) and len(value.strip()) < 10:
            value = int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and value in codes:
            return value
        raise _fail("choice", f"must be one of {listing}")

    return BeforeValidator(check)


def text_choice(values: tuple[str, ...]) -> BeforeValidator:
    listing = ", ".join(values)

    def check(value: Any) -> str:
        if isinstance(value, str) and value.strip() in values:
            return value.strip()
        raise _fail("choice", f"must be one of {listing}")

    return BeforeValidator(check)
