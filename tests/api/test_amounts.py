"""The one amount rule (issue 12 items 5 and 6): ASCII digits with an optional '.' and at most two
decimals, greater than zero and at most 999999999.99. The request models, the console's amount
guard and the sandbox all call `fields.parse_amount`; whatever it is fed, it returns an amount
that meets the rule or raises AmountError, which every caller turns into a message naming the
field. Never another exception (decimal.Overflow from `1e1000000` was a traceback in `call`
and an internal_error on the sandbox)."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fpconsole import cli, exit_codes
from fpconsole.api.fields import MAX_AMOUNT, AmountError, parse_amount
from fpconsole.api.methods import REGISTRY
from fpconsole.api.validation import validate_request
from fpconsole.sandbox.engine.money import to_minor
from fpconsole.sandbox.errors import SandboxError
from fpconsole.tui.ledger_limits import amount_problem, typed_amount

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
TX = "019ab688-bef2-72c4-6a29-d0e08be76d95"
_RULE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
HUGE = "1e1000000"

# The reproductions from the issue, and their kin: what a person would not mean as an amount.
REFUSED_TEXT = [
    ("1e3", "no exponent"),
    ("1E3", "no exponent"),
    (HUGE, "no exponent"),
    ("1 000", "no spaces or thousands separators"),
    ("1\u00a0000", "no spaces or thousands separators"),
    ("1_0", "no spaces or thousands separators"),
    ("1'000", "no spaces or thousands separators"),
    ("1,000.50", "no spaces or thousands separators"),
    ("1500,50", "use '.' for the decimals"),
    ("٣٠", "only the digits 0-9"),
    ("１５００", "only the digits 0-9"),
    ("1.500", "at most 2 decimal places"),
    ("1500.500", "at most 2 decimal places"),
    ("0", "greater than zero"),
    ("0.00", "greater than zero"),
    ("-5", "greater than zero"),
    ("+5", "use digits and an optional '.'"),
    ("1000000000", "at most 999999999.99"),
    pytest.param("9" * 5000, "at most 999999999.99", id="5000 nines"),
    ("NaN", "use digits and an optional '.'"),
    ("Infinity", "use digits and an optional '.'"),
    ("0x10", "use digits and an optional '.'"),
    (".5", "use digits and an optional '.'"),
    ("5.", "use digits and an optional '.'"),
    ("", "use digits and an optional '.'"),
    ("ten", "use digits and an optional '.'"),
]


def _tx(amount: Any) -> dict[str, Any]:
    return {"request_id": RID, "order_id": "ORD-1", "card_id": "7001234", "amount": amount}


def _meets_rule(amount: Decimal) -> bool:
    return (
        amount.is_finite()
        and Decimal("0.01") <= amount <= MAX_AMOUNT
        and amount == amount.quantize(Decimal("0.01"))
    )


@pytest.mark.parametrize(("text", "says"), REFUSED_TEXT)
def test_amount_text_a_person_would_not_mean_is_refused_saying_the_fix(text: str, says: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert says in str(caught.value)
    _, errors = validate_request(REGISTRY.resolve("transaction.create").request, _tx(text))
    assert [e.field for e in errors] == ["amount"]
    assert says in errors[0].message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1500.50", Decimal("1500.50")),
        ("1500.5", Decimal("1500.5")),
        ("0.01", Decimal("0.01")),
        ("007", Decimal("7")),
        ("999999999.99", MAX_AMOUNT),
        (1500, Decimal(1500)),
        # JSON numbers are taken by their value: the notation is the sender's serialiser's choice
        # (JSON.stringify writes 1e21), and 1500.50 arrives as the float 1500.5.
        (1500.5, Decimal("1500.5")),
        (1e3, Decimal(1000)),
        (0.07, Decimal("0.07")),
        (Decimal("1500.50"), Decimal("1500.50")),
    ],
)
def test_amounts_meeting_the_rule_are_accepted(value: Any, expected: Decimal) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (True, "not true/false"),
        (False, "not true/false"),
        (None, "use digits and an optional '.'"),
        ([1500], "use digits and an optional '.'"),
        ({"amount": 1}, "use digits and an optional '.'"),
        (math.inf, "use digits and an optional '.'"),
        (math.nan, "use digits and an optional '.'"),
        (1e400, "use digits and an optional '.'"),  # what json.loads makes of 1e400
        (1e300, "at most 999999999.99"),
        # Past int's 4300-digit str() limit (and so with ids of their own).
        pytest.param(10**5000, "at most 999999999.99", id="10**5000"),
        pytest.param(-(10**5000), "greater than zero", id="-10**5000"),
        (0.1 + 0.2, "at most 2 decimal places"),  # 0.30000000000000004
        (1e-5, "at most 2 decimal places"),
        (0, "greater than zero"),
        (Decimal("1E+1000000"), "at most 999999999.99"),
        (Decimal("1E-1000000"), "at most 2 decimal places"),
        (Decimal("-0"), "greater than zero"),
        (Decimal("sNaN"), "use digits and an optional '.'"),
    ],
)
def test_values_that_are_not_amounts_are_refused(value: Any, says: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(value)
    assert says in str(caught.value)


amount_like_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.,_ eE+-'٣١\u00a0", max_size=20),
    st.from_regex(r"[0-9]{1,12}(\.[0-9]{0,4})?", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}[eE][+-]?[0-9]{1,7}", fullmatch=True),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**6000), max_value=10**6000),
    st.floats(),
    st.decimals(),
    st.booleans(),
    st.none(),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(amount_like_text, numbers))
@example(HUGE)
@example(10**5000)
@example(Decimal("1E+1000000"))
@example(float("inf"))
def test_anything_yields_an_amount_meeting_the_rule_or_the_amount_error(value: Any) -> None:
    try:
        amount = parse_amount(value)
    except AmountError as exc:
        assert str(exc)  # a message with the fix
    else:
        assert _meets_rule(amount), amount
        if isinstance(value, str):
            assert _RULE.fullmatch(value.strip()), value


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(amount_like_text, numbers))
@example(HUGE)
def test_every_model_amount_field_refuses_by_name_and_never_raises(value: Any) -> None:
    cases = [
        ("transaction.create", _tx(value), "amount"),
        ("transaction.clearing", {"request_id": RID, "transaction_id": TX, "amount": value}, "amount"),
        (
            "transaction.refund",
            {"request_id": RID, "order_id": "R", "transaction_id": TX, "amount": value},
            "amount",
        ),
        (
            "limits.set",
            {
                "request_id": RID,
                "object": {"type": "card", "value": "7001234"},
                "limits": [{"transaction_type": "pay", "amount": [{"value": value}]}],
            },
            "limits.0.amount.0.value",
        ),
    ]
    for name, body, field in cases:
        model, errors = validate_request(REGISTRY.resolve(name).request, body)
        if value is None and name in ("transaction.clearing", "transaction.refund"):
            continue  # an absent amount means all of it
        if model is None:
            assert [e.field for e in errors] == [field], (name, errors)
        else:
            sent = json.loads(model.model_dump_json(), parse_float=Decimal, parse_int=Decimal)
            amount = sent["amount"] if field == "amount" else Decimal(sent["limits"][0]["amount"][0]["value"])
            assert _meets_rule(amount), (name, amount)


def test_the_sandbox_ledger_uses_the_same_rule() -> None:
    assert to_minor("1500.50") == 150050
    assert to_minor(Decimal("0.01")) == 1
    for text in ("1e3", "٣٠", "1 000", "1_0", HUGE):
        with pytest.raises(SandboxError) as caught:
            to_minor(text, field="limits.0.amount.0.value")
        assert caught.value.code == "validation_error"
        assert caught.value.field == "limits.0.amount.0.value"


def test_the_console_guard_reads_typed_amounts_by_the_same_rule() -> None:
    assert typed_amount("1500.50") == Decimal("1500.50")
    for text in ("1e3", "٣٠", "1 000", "1_0", HUGE, "", "0"):
        assert typed_amount(text) is None
        # Left to the model's message (which names the fix), never a crash over the limit.
        assert amount_problem("clearing", text, Decimal(5), "KZT") is None


def test_call_with_an_overflowing_amount_exits_2_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", "transaction.create", "card_id=7001234", "order_id=ORD-1", f"amount={HUGE}"])
    captured = capsys.readouterr()
    assert code == exit_codes.EXIT_INVALID_INPUT == 2, captured.err
    assert "amount: use digits and an optional '.'" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize(
    "fields",
    [
        ["transaction.clearing", f"transaction_id={TX}", f"amount={HUGE}"],
        ["transaction.refund", "order_id=R", f"transaction_id={TX}", f"amount={HUGE}"],
        [
            "limits.set",
            "object.type=card",
            "object.value=7001234",
            "limits.0.transaction_type=pay",
            f"limits.0.amount.0.value={HUGE}",
        ],
    ],
)
def test_call_refuses_overflowing_amounts_everywhere(
    capsys: pytest.CaptureFixture[str], fields: list[str]
) -> None:
    code = cli.main(["call", *fields])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "use digits and an optional '.'" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("text", [" 5", "5 ", "5\n", "\t1500.50"])
def test_spaces_around_an_amount_are_refused_naming_the_fix(text: str) -> None:
    # QA: ' 5' and $'5\n' were taken by `sandbox topup` and `call ... amount=' 5'`; README: no spaces.
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert f"no spaces around it (write {text.strip()})" in str(caught.value)


def test_call_with_a_spaced_amount_exits_2_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["call", "transaction.create", "card_id=7001234", "order_id=ORD-1", "amount= 5"])
    captured = capsys.readouterr()
    assert code == exit_codes.EXIT_INVALID_INPUT == 2, captured.err
    assert "amount: " in captured.err and "no spaces around it (write 5)" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_the_console_form_boxes_still_forgive_spaces_as_they_send_the_value_stripped() -> None:
    # The form's _clean strips every non-secret box before sending, so its live checks read the
    # amount the same way.
    assert typed_amount(" 5\n") == Decimal(5)
