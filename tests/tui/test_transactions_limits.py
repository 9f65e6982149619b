"""What the ledger lets a clearing, a refund or a new transaction take (the amount guard's rules,
without widgets)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.tui.ledger_limits import (
    CardFunds,
    LedgerAmounts,
    allows,
    amount_problem,
    funds_note,
    funds_problem,
    limit_note,
)

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


def test_the_guarded_kind_is_the_entrys_settlement() -> None:
    assert REGISTRY.resolve("transaction.clearing").settlement == "clearing"
    assert REGISTRY.resolve("transaction.refund").settlement == "refund"
    assert REGISTRY.resolve("transaction.create").settlement is None


def balance(*accounts: dict[str, object]) -> CardFunds:
    return CardFunds.from_balance("7001234", {"balances": {"accounts": list(accounts)}})


def test_card_funds_are_the_available_amount_by_currency() -> None:
    funds = balance({"currency": "kzt", "amount": 5000.5, "blocked_amount": 700}, {"currency": "USD"})
    assert funds.available == (("KZT", D("5000.5")),)  # held money is not available; no amount, no account
    assert funds.available_in(" KZT ") == D("5000.5")
    assert funds.available_in("USD") is None and funds.available_in("") is None
    assert CardFunds.from_balance("7001234", {"balances": None}).available == ()


@pytest.mark.parametrize(
    ("text", "currency", "problem"),
    [
        ("5000.51", "KZT", "more than the 5,000.50 KZT available on card 7001234"),
        ("5 000.50", "KZT", None),
        ("5000.51", "kzt", "more than the 5,000.50 KZT available on card 7001234"),
        ("9999999", "USD", None),  # another currency: not compared (the console does not convert)
        # What the model refuses with its own message is left to it.
        ("", "KZT", None),
        ("0", "KZT", None),
        ("-1", "KZT", None),
        ("5000.505", "KZT", None),
        ("abc", "KZT", None),
    ],
)
def test_funds_problems(text: str, currency: str, problem: str | None) -> None:
    assert funds_problem(text, balance({"currency": "KZT", "amount": "5000.50"}), currency) == problem


def test_funds_note_says_the_limit_or_why_it_cannot_be_checked() -> None:
    funds = balance({"currency": "KZT", "amount": "5000.50"})
    assert funds_note(funds, "KZT") == "At most 5,000.50 KZT available on card 7001234 (card.balance)"
    assert funds_note(funds, "USD") == (
        "Card 7001234's balance is in KZT: the limit cannot be checked in USD; the API checks it."
    )
    assert funds_note(balance(), "KZT") == (
        "Limit unknown: card.balance named no account for card 7001234; the API checks it."
    )
    assert funds_note(None, "KZT") == "Limit: asking card.balance…"
