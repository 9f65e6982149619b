"""What the ledger lets a clearing or refund take (the amount guard's rules, without widgets)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fpconsole.tui.ledger_limits import LedgerAmounts, allows, amount_problem, kind_of, limit_note

D = Decimal


def amounts(**record: object) -> LedgerAmounts:
    return LedgerAmounts.from_record({"transaction_id": "T1", "currency": "KZT", **record}, fresh=True)


def test_limits_follow_the_ledger_rules() -> None:
    state = amounts(status="cleared", amount="3000", held="1800", cleared="1200", refunded="500")
    assert state.may_clear() == D(1800)
    assert state.may_refund() == D(700)
    assert allows("clearing", state) and allows("refund", state)


def test_what_a_status_implies_fills_the_gaps() -> None:
    # Just created, the cache knows the amount and the status only.
    authorised = amounts(status="success", amount="3000")
    assert (authorised.may_clear(), authorised.may_refund()) == (D(3000), D(0))
    assert allows("clearing", authorised) and not allows("refund", authorised)
    for status in ("new", "error"):
        never = amounts(status=status, amount="3000")
        assert (never.may_clear(), never.may_refund()) == (D(0), D(0))
        assert not allows("clearing", never) and not allows("refund", never)
    # Cleared, but the amounts are not known yet: offered, and the form asks before sending.
    unknown = amounts(status="cleared", amount="3000")
    assert unknown.may_clear() is None and unknown.may_refund() is None
    assert allows("clearing", unknown) and allows("refund", unknown)
    assert allows("refund", None)


@pytest.mark.parametrize(
    ("kind", "text", "limit", "problem"),
    [
        ("refund", "700.01", D(700), "more than the 700.00 KZT cleared and not yet refunded"),
        ("refund", "700", D(700), None),
        ("clearing", "1 800.00", D(1800), None),
        ("clearing", "1800.5", D(1800), "more than the 1,800.00 KZT still held"),
        ("clearing", "", D(1800), None),  # empty = all that is held
        ("clearing", "", D(0), "nothing is still held: there is nothing to clear"),
        ("refund", " ", D(0), "nothing is cleared and not yet refunded: there is nothing to refund"),
        # What the model refuses with its own message is left to it.
        ("refund", "0", D(5), None),
        ("refund", "-5", D(5), None),
        ("refund", "1.234", D(0.5), None),
        ("refund", "abc", D(5), None),
    ],
)
def test_amount_problems(kind: str, text: str, limit: Decimal, problem: str | None) -> None:
    assert amount_problem(kind, text, limit, "KZT") == problem  # type: ignore[arg-type]


def test_limit_note_says_where_the_limit_comes_from() -> None:
    state = amounts(status="cleared", amount="3000", held="1800", cleared="1200", refunded="500")
    assert (
        limit_note("refund", state)
        == "At most 700.00 KZT cleared and not yet refunded; empty = all of it (transaction.info)"
    )
    cached = LedgerAmounts.from_record(
        {"transaction_id": "T1", "status": "success", "amount": "50"}, fresh=False
    )
    assert (
        limit_note("clearing", cached)
        == "At most 50.00 still held; empty = all of it (cached; asking transaction.info…)"
    )
    assert limit_note("refund", None) == "Limit: asking transaction.info…"


def test_kind_of() -> None:
    assert kind_of("transaction.clearing") == "clearing"
    assert kind_of("transaction.refund") == "refund"
    assert kind_of("transaction.create") is None
