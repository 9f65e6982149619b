"""The whole-number arguments of `fpconsole sandbox` (seed's N, requests' --limit, faults set's
--seed): a number past the top of the range is said to be too large, with why and what to do,
never "20000 is not a whole number"; text that is no number (or 0, or -1) is told the range and
an example. Either way the exit code is 2 (bad input) and nothing reaches the sandbox."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpconsole import cli, exit_codes


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str, str]:
    try:
        code: int | str | None = cli.main(["sandbox", *args])
    except SystemExit as stopped:  # argparse's own refusal would land here
        code = stopped.code
    out, err = capsys.readouterr()
    return code, out, err


def test_a_seed_count_past_1000_is_too_many_not_no_whole_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "seed", "20000")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err == (
        "fpconsole sandbox seed: N: 20000 is more than 1000, the most one seed writes; "
        "run seed several times for more\n"
    )


@pytest.mark.parametrize("count", ["0", "-1", "abc", "1e2", "", " "])
def test_a_seed_count_that_is_no_count_is_told_the_range_and_an_example(
    capsys: pytest.CaptureFixture[str], count: str
) -> None:
    code, out, err = run(capsys, "seed", count)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith("fpconsole sandbox seed: N: must be a whole number from 1 to 1000, e.g. 10")
    assert "is not a whole number" not in err


def test_a_seed_count_of_many_digits_is_too_many_and_not_echoed_in_full(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _out, err = run(capsys, "seed", "9" * 5000)  # more digits than int() takes by default
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "N: " in err and "is more than 1000, the most one seed writes" in err
    assert len(err) < 200


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(count=st.integers(min_value=1001, max_value=10**30))
def test_any_count_past_1000_is_said_to_be_too_many(capsys: pytest.CaptureFixture[str], count: int) -> None:
    code, _out, err = run(capsys, "seed", str(count))
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "is more than 1000" in err and "whole number" not in err


def test_a_requests_limit_past_1000_is_too_many_and_says_what_to_ask_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "requests", "--limit", "5000")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith("fpconsole sandbox requests: --limit: 5000 is more than 1000, the most one ")
    assert "--limit 1000" in err


def test_a_requests_limit_that_is_no_number_is_told_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "requests", "--limit", "lots")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "--limit: must be a whole number from 1 to 1000, e.g. 20" in err


def test_a_fault_seed_past_the_largest_is_too_large_not_no_whole_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _out, err = run(capsys, "faults", "set", "--error-rate", "10%", "--seed", "9" * 20)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"--seed: {'9' * 20} is more than {2**63 - 1}" in err
    assert "whole number" not in err


def test_a_fault_seed_that_is_no_number_is_told_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "faults", "set", "--error-rate", "10%", "--seed", "x1")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"--seed: must be a whole number from 0 to {2**63 - 1}, e.g. 42" in err


def test_the_bounds_said_are_the_control_routes_own() -> None:
    from fpconsole import sandbox_commands
    from fpconsole.api import sandbox_control
    from fpconsole.sandbox import control

    assert sandbox_commands.MAX_SEED_COUNT == control.MAX_SEED_COUNT
    assert sandbox_commands.MAX_REQUESTS_LIMIT == sandbox_control.MAX_LIMIT


def test_a_long_text_for_a_count_is_not_echoed_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "seed", "x" * 5000)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "N: must be a whole number from 1 to 1000, e.g. 10; got 'xxx" in err and len(err) < 200
