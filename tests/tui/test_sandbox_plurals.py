"""The Sandbox section's (F7) result lines count in English: "1 request", "3 requests",
"1 event", never "request(s)"."""

from __future__ import annotations

from typing import Any

import pytest

from fpconsole.tui.sandbox_calls import backup_line, describe_answer


def settled(count: int, *, errors: int = 0) -> list[dict[str, Any]]:
    return [{"request_status": "error" if index < errors else "success"} for index in range(count)]


@pytest.mark.parametrize(
    ("count", "line"),
    [(1, "Settled 1 pending request."), (3, "Settled 3 pending requests.")],
)
def test_settle_counts_its_requests(count: int, line: str) -> None:
    assert describe_answer("settle", {}, settled(count)) == line


def test_settle_says_how_many_ended_in_error() -> None:
    assert (
        describe_answer("settle", {}, settled(2, errors=1))
        == "Settled 2 pending requests (1 ended in error)."
    )


@pytest.mark.parametrize(
    ("count", "tail"),
    [(1, "; 1 request came due and settled."), (2, "; 2 requests came due and settled.")],
)
def test_advance_counts_the_requests_that_came_due(count: int, tail: str) -> None:
    answer = {"now": "2026-01-01T00:00:00Z", "settled_count": count}
    line = describe_answer("advance", {"seconds": 3600.0}, answer)
    assert line == f"Clock moved 1h ahead: sandbox time 2026-01-01T00:00:00Z{tail}"


def test_advance_with_nothing_due_names_no_count() -> None:
    answer = {"now": "2026-01-01T00:00:00Z", "settled_count": 0}
    line = describe_answer("advance", {"seconds": 60.0}, answer)
    assert line == "Clock moved 1m ahead: sandbox time 2026-01-01T00:00:00Z."


@pytest.mark.parametrize(
    ("count", "line"),
    [
        (0, "0 events for card 7001001."),
        (1, "1 event for card 7001001."),
        (2, "2 events for card 7001001."),
    ],
)
def test_history_counts_its_events(count: int, line: str) -> None:
    answer = {"events": [{"type": "status"}] * count}
    assert describe_answer("history", {"card_id": "7001001"}, answer) == line


@pytest.mark.parametrize("action", ["settle", "advance", "history"])
@pytest.mark.parametrize("count", [1, 2, 5])
def test_no_line_hedges_with_s_in_brackets(action: str, count: int) -> None:
    answers = {
        "settle": settled(count),
        "advance": {"now": "t", "settled_count": count},
        "history": {"events": [{}] * count},
    }
    line = describe_answer(action, {"seconds": 60.0, "card_id": "7001001"}, answers[action])
    assert "(s)" not in line


def test_seed_and_reset_count_one_thing_in_the_singular() -> None:
    seeded = describe_answer("seed", {"count": 1}, {"counts": {"clients": 1, "cards": 2}})
    assert seeded == "Seeded: 1 client, 2 cards."
    assert describe_answer("seed", {"count": 1}, {}) == "Seeded: 1 client."
    erased = describe_answer("reset", {}, {"clients": 1, "cards": 1, "transactions": 0})
    assert erased == "Erased this partner's sandbox data (1 client, 1 card, 0 transactions)."


def test_a_backup_line_counts_in_english() -> None:
    backup = {"name": "before-qa", "created_at": "2026-12-06", "clients": 1, "cards": 3, "transactions": 1}
    assert backup_line(backup) == "before-qa  2026-12-06  1 client, 3 cards, 1 transaction"
