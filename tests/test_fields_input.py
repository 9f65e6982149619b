"""FIELD=VALUE parsing (`fpconsole call`): list indexes are ASCII digits of a sane size, and a
bad one is a message naming the field, never a misleading `--json:` one or a traceback."""

from __future__ import annotations

import pytest

from fpconsole.cli import main
from fpconsole.fields_input import MAX_LIST_INDEX, FieldSyntaxError, parse_assignments


def test_list_indexes_build_lists() -> None:
    body = parse_assignments(["limits.0.period=day", "limits.0.amount=10", "limits.1.period=month"])
    assert body == {"limits": [{"period": "day", "amount": "10"}, {"period": "month"}]}


@pytest.mark.parametrize(
    ("assignment", "says"),
    [
        (
            "limits." + "9" * 5000 + ".period=day",
            f"limits.99999999…: list index too large (at most {MAX_LIST_INDEX})",
        ),
        (f"limits.{MAX_LIST_INDEX + 1}.period=day", "list index too large"),
        ("limits.٣.period=day", "limits.٣.period: '٣' must be a list index in ASCII digits (0, 1, …)"),
        ("limits.0.period=day limits.١.period=x", None),
        ("limits.²=x", "'²' must be a list index in ASCII digits"),
    ],
    ids=["5000-digits", "over-the-bound", "arabic-indic", "arabic-indic-second", "superscript"],
)
def test_bad_list_indexes_name_the_field(assignment: str, says: str | None) -> None:
    items = assignment.split(" ")
    with pytest.raises(FieldSyntaxError) as caught:
        parse_assignments(items)
    message = str(caught.value)
    assert "Exceeds the limit" not in message
    if says is not None:
        assert says in message, message
    else:
        assert "must be a list index in ASCII digits" in message, message


def test_a_non_ascii_digit_is_refused_under_an_object_too() -> None:
    # Never a field name of the API: a slip for an index, said as one.
    for item in ("client.٣=x", "additional.٣.key=x"):
        with pytest.raises(FieldSyntaxError, match="'٣' must be a list index in ASCII digits"):
            parse_assignments([item])


def test_call_says_it_about_the_field_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["call", "limits.set", "card_id=7001001", "limits." + "1" * 5000 + ".period=day"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("fpconsole call: limits.11111111…: list index too large"), err
    assert "--json" not in err and len(err) < 300
