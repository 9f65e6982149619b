"""The statement as the console shows it: operations from both answers, totals by type,
balances, the balance over time (ending at the ledger's balance) and spend by MCC or merchant;
and the date windows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from fpconsole.tui.statement_model import build_statement, parse_operations
from fpconsole.tui.statement_window import custom_window, parse_days, preset_window

D = Decimal
PLUS5 = timezone(timedelta(hours=5))
START = datetime(2026, 5, 1, tzinfo=PLUS5)
END = datetime(2026, 5, 14, 9, 30, tzinfo=PLUS5)


@pytest.fixture(autouse=True)
def local_zone_plus5(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "<+05>-5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def op(
    kind: str, amount: float, day: int, *, mcc: int = 5411, merchant: str = "SMALL SHOP", rrn: str = ""
) -> dict[str, Any]:
    return {
        "type": kind,
        "amount": amount,
        "commission": 0,
        "currency": "KZT",
        "mcc": mcc,
        "datetime": f"2026-05-{day:02d}T12:00:00+05:00",
        "rrn": rrn or f"6{day:011d}",
        "merchant": {"name": merchant, "city": "ALMATY", "country": "KAZ"},
    }


OPERATIONS = [
    op("credit", 10000, 2, mcc=0, merchant="TOP UP"),
    op("pay", 1200, 3, merchant="SMALL SHOP"),
    op("pay", 300.5, 4, mcc=5541, merchant="HELIOS FUEL"),
    op("withdrawal", 2000, 5, mcc=6011, merchant="ATM 1"),
    op("refund", 500, 6, merchant="SMALL SHOP"),
]
EXTENDED = {
    "client_id": "CL-100001",
    "card": {"card_id": "7001001", "card_mask": "440043******0015"},
    "balances": {
        "accounts": [
            {
                "iban": "KZ73",
                "currency": "KZT",
                "debit": 3500.5,
                "credit": 10500,
                "amount": 5199.5,
                "blocked_amount": 1800,
            }
        ]
    },
    "authorizations": [
        {
            "datetime": "2026-05-07T10:00:00+05:00",
            "amount": 1800,
            "full_amount": 3000,
            "currency": "KZT",
            "merchant": {"name": "MERCHANT 100500"},
            "additional_parameters": [{"key": "transaction_id", "value": "T-9"}],
        }
    ],
    "operations": [
        {
            "type": "pay",
            "amount": 1200,
            "additional_parameters": [
                {"key": "rrn", "value": "600000000003"},
                {"key": "transaction_id", "value": "T-3"},
            ],
        }
    ],
}


def statement(**changes: Any) -> Any:
    arguments: dict[str, Any] = {"statement": {"operations": OPERATIONS}, "extended": EXTENDED, **changes}
    return build_statement("7001001", START, END, **arguments)


def test_operations_newest_first_with_their_transaction() -> None:
    found = statement()
    assert [o.type for o in found.operations] == ["refund", "withdrawal", "pay", "pay", "credit"]
    assert found.operations[3].transaction_id == "T-3"  # from the extended answer, by RRN
    assert found.card_mask == "440043******0015" and found.client_id == "CL-100001"
    assert found.currency == "KZT"


def test_totals_balances_and_held() -> None:
    found = statement()
    assert [(t.type, t.count, t.amount) for t in found.totals()] == [
        ("credit", 1, D(10000)),
        ("refund", 1, D(500)),
        ("pay", 2, D("1500.5")),
        ("withdrawal", 1, D(2000)),
    ]
    assert found.money_in == D(10500) and found.money_out == D("3500.5")
    account = found.account()
    assert account is not None and account.balance == D("6999.5")
    assert found.held == D(1800)
    assert found.authorizations[0].transaction_id == "T-9"


def test_the_balance_over_time_ends_at_the_ledger_balance() -> None:
    series = statement().balance_series()
    assert series[0] == (START, D(0))  # 6999.5 − (10000 − 1200 − 300.5 − 2000 + 500)
    assert [value for _, value in series[1:-1]] == [D(10000), D(8800), D("8499.5"), D("6499.5"), D("6999.5")]
    assert series[-1] == (END, D("6999.5"))


def test_a_window_in_the_past_ends_at_the_balance_of_its_end() -> None:
    later = [op("pay", 99.5, 20)]  # after END: today's 6,999.50 already lacks it
    found = statement(later_operations=later)
    assert found.end_balance() == D("7099.0")
    assert found.balance_series()[-1][1] == D("7099.0")
    assert found.balance_series()[0][1] == D("99.5")


def test_spend_by_mcc_or_merchant() -> None:
    found = statement()
    assert found.spend_by("merchant") == [
        ("ATM 1", D(2000)),
        ("SMALL SHOP", D(1200)),
        ("HELIOS FUEL", D("300.5")),
    ]
    assert found.spend_by("mcc") == [("6011", D(2000)), ("5411", D(1200)), ("5541", D("300.5"))]
    assert found.spend_by("merchant", top=2) == [("ATM 1", D(2000)), ("other", D("1500.5"))]


def test_either_answer_may_be_missing() -> None:
    only_extended = build_statement(
        "7001001", START, END, statement=None, extended={**EXTENDED, "operations": OPERATIONS}
    )
    assert len(only_extended.operations) == 5
    no_balances = build_statement("7001001", START, END, statement={"operations": OPERATIONS}, extended=None)
    assert no_balances.end_balance() is None and no_balances.balance_series() == []
    from_balance = build_statement(
        "7001001", START, END, statement={"operations": []}, extended=None, balances=EXTENDED["balances"]
    )
    assert from_balance.end_balance() == D("6999.5")
    assert parse_operations([{"type": "pay"}, "junk", op("pay", 1, 1)])[0].amount == D(1)


def test_to_json_is_plain() -> None:
    document = statement().to_json()
    assert document["balance_at_end"] == "6999.5"
    assert document["operations"][0]["type"] == "refund"
    assert document["totals"][0] == {"type": "credit", "count": 1, "amount": "10000", "commission": "0"}
    # Each operation also says what it did to the balance, signed as on screen; they add up.
    changes = [Decimal(op["balance_change"]) for op in document["operations"]]
    assert any(change < 0 for change in changes) and any(change > 0 for change in changes)
    ops = statement().operations
    assert sum(changes) == sum(op.signed for op in ops)
    pay = next(op for op in document["operations"] if op["type"] == "pay")
    assert Decimal(pay["balance_change"]) == -Decimal(pay["amount"]) - Decimal(pay["commission"])


def test_presets_and_custom_windows_in_local_days() -> None:
    now = datetime(2026, 5, 14, 4, 30, tzinfo=UTC)
    today = preset_window("today", now)
    assert (today.start, today.end) == (datetime(2026, 5, 14, tzinfo=PLUS5), now)
    assert preset_window("7d", now).start == now - timedelta(days=7)
    assert preset_window("month", now).start == datetime(2026, 5, 1, tzinfo=PLUS5)
    window = custom_window(date(2026, 5, 1), date(2026, 5, 31))
    assert window.end == datetime(2026, 5, 31, 23, 59, 59, tzinfo=PLUS5)
    assert window.body("7001001") == {
        "card_id": "7001001",
        "start_date": "2026-05-01T00:00:00+05:00",
        "end_date": "2026-05-31T23:59:59+05:00",
    }
    assert today.label() == "2026-05-14 00:00 → 2026-05-14 09:30 (Today)"


def test_a_window_ending_now_takes_in_what_happened_this_second() -> None:
    # The API's times have whole seconds: cut to 09:30:07, a window ending at 09:30:07.6 left
    # out a refund settled at 09:30:07.3, opened right after it (tmux lifecycle test, once).
    now = datetime(2026, 5, 14, 4, 30, 7, 600_000, tzinfo=UTC)
    window = preset_window("today", now)
    assert window.body("7001001")["end_date"] == "2026-05-14T09:30:08+05:00"
    on_the_second = preset_window("today", now.replace(microsecond=0))
    assert on_the_second.body("7001001")["end_date"] == "2026-05-14T09:30:07+05:00"
    assert custom_window(date(2026, 5, 1), date(2026, 5, 31)).body("7001001")["end_date"] == (
        "2026-05-31T23:59:59+05:00"
    )


def test_custom_days_are_checked() -> None:
    assert parse_days("2026-05-01", "")[0] == custom_window(date(2026, 5, 1), date(2026, 5, 1))
    assert parse_days("May 1", "") == (None, "From: a date such as 2026-05-01")
    assert parse_days("2026-05-02", "2026-05-01") == (None, "To is before From")
    assert parse_days("2025-01-01", "2026-05-01") == (
        None,
        "From 2025-01-01 to 2026-05-01 is 486 days; at most 366: move From later or To earlier",
    )


@pytest.mark.parametrize("preset", ["today", "7d", "month"])
def test_every_window_body_is_valid_for_statement_extended(preset: Any) -> None:
    """Statement extended requires start_date and end_date (SPEC §3.17): the console's window
    always sends both, so its body passes that method's own request model as well as Statement's."""
    from fpconsole.api.methods import CARD_STATEMENT, CARD_STATEMENT_EXTENDED

    now = datetime(2026, 5, 14, 4, 30, tzinfo=UTC)
    for window in (preset_window(preset, now), custom_window(date(2026, 5, 1), date(2026, 5, 31))):
        body = window.body("7001001")
        extended: Any = CARD_STATEMENT_EXTENDED.request.model_validate(body)
        assert (extended.start_date, extended.end_date) == (body["start_date"], body["end_date"])
        CARD_STATEMENT.request.model_validate(body)
