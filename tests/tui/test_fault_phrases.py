"""The top bar's words for the faults in force (QA 18, finding 2): worst first, fitted to the room
the bar has, ending with "…" and a count of the rest when they do not all fit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from fpconsole.api.sandbox_control import Faults, FaultSettings
from fpconsole.tui.fault_phrases import PREFIX, fit, from_faults, worst_first

# QA's case: latency, errors, 5xx, timeouts and drops all set; 100% drops on card.issue only.
QA_FAULTS = {
    "latency_ms": 200.0,
    "error_rate": 0.2,
    "http5xx_rate": 0.1,
    "timeout_rate": 0.05,
    "methods": {"card.issue": {"drop_rate": 1.0}},
}


def settings(data: dict[str, object]) -> FaultSettings:
    return FaultSettings.from_json(data)


def test_the_worst_comes_first_failures_before_latency_higher_rates_first() -> None:
    assert worst_first(settings(QA_FAULTS)) == (
        "100% drops card.issue",
        "20% errors",
        "10% HTTP 503",
        "5% timeouts",
        "+200 ms",
    )


def test_at_one_rate_drops_then_timeouts_then_5xx_then_errors() -> None:
    same = {"error_rate": 0.3, "http5xx_rate": 0.3, "timeout_rate": 0.3, "drop_rate": 0.3}
    assert worst_first(settings(same)) == ("30% drops", "30% timeouts", "30% HTTP 503", "30% errors")


def test_each_methods_own_faults_are_named_and_latencies_come_last_longest_first() -> None:
    data = {
        "latency_ms": 150.0,
        "methods": {
            "card.block": {"error_rate": 1.0, "latency_ms": 2000.0},
            "card.info": {"timeout_rate": 0.5},
        },
    }
    assert worst_first(settings(data)) == (
        "100% errors card.block",
        "50% timeouts card.info",
        "+2 s card.block",
        "+150 ms",
    )


def test_no_faults_no_words() -> None:
    assert worst_first(settings({})) == ()
    shown = from_faults(Faults(settings({}), "none"))
    assert not shown and shown.summary == "" and shown.phrases == ()


def test_a_fault_only_the_spec_carries_is_still_said() -> None:
    """Jitter alone has no words of its own: the compact spec is said rather than nothing."""
    shown = from_faults(Faults(settings({"jitter_ms": 50.0}), "jitter=50ms"))
    assert shown and shown.phrases == ("jitter=50ms",) and shown.summary == "jitter=50ms"


def test_f7_says_the_whole_list_in_the_bars_order() -> None:
    shown = from_faults(Faults(settings(QA_FAULTS), "latency=200ms,…"))
    assert shown.summary == "100% drops card.issue, 20% errors, 10% HTTP 503, 5% timeouts, +200 ms"


PHRASES = worst_first(settings(QA_FAULTS))


def test_all_of_them_when_they_fit() -> None:
    whole = PREFIX + ", ".join(PHRASES)
    assert fit(PHRASES, cell_len(whole)) == whole


def test_the_worst_then_an_ellipsis_and_a_count_when_they_do_not() -> None:
    assert fit(PHRASES, 45) == "⚠ faults: 100% drops card.issue … +4 more"
    assert fit(PHRASES, 57) == "⚠ faults: 100% drops card.issue, 20% errors … +3 more"


def test_with_little_room_the_label_goes_then_the_worst_fault_is_cut() -> None:
    assert fit(PHRASES, 35) == "⚠ 100% drops card.issue … +4 more"
    assert fit(PHRASES, 24) == "⚠ 100% drops ca… +4 more"


def test_with_hardly_any_room_still_a_warning() -> None:
    assert fit(PHRASES, 12) == "⚠ 5 faults"
    assert fit(PHRASES, 9) == "⚠ faults"
    assert fit(PHRASES, 1) == "⚠"
    assert fit(PHRASES, 0) == ""
    assert fit((), 80) == ""
    assert fit(("100% drops card.issue",), 12) == "⚠ 100% drop…"


TINY = re.compile(r"⚠( [0-9]+ faults?| faults)?")
phrase = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=40)


@given(st.lists(phrase, min_size=1, max_size=8), st.integers(min_value=1, max_value=200))
def test_the_text_always_fits_and_always_warns(phrases: list[str], width: int) -> None:
    text = fit(tuple(phrases), width)
    assert cell_len(text) <= width
    assert text.startswith("⚠")
    if text not in (PREFIX + ", ".join(phrases), "⚠ " + ", ".join(phrases)):  # some left out: said
        assert "…" in text or TINY.fullmatch(text), text


@pytest.mark.parametrize("width", range(15, 60))
def test_what_is_cut_is_said_to_be_cut(width: int) -> None:
    text = fit(PHRASES, width)
    assert cell_len(text) <= width
    assert "…" in text
    assert text.endswith(" more")
