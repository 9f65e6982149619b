"""`fpconsole sandbox serve --seed N`: a count past the top is said to be too large, with why and
what to do (as `fpconsole sandbox seed 20000` says it), not just the range; text that is no
number still gets the range. Either way the exit code is 2 and no server starts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpconsole import cli, exit_codes
from fpconsole.sandbox import serve

TOO_MANY = (
    "fpconsole sandbox serve: argument --seed: 20000 is more than 1000, the most a start seeds; "
    "seed more with `fpconsole sandbox seed` once it runs\n"
)


@pytest.fixture(autouse=True)
def _never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """A count accepted by mistake must fail the test, not start a server that never returns."""

    def served(*_args: object) -> int:
        raise AssertionError("the flags were accepted and the server started")

    monkeypatch.setattr(serve, "run", served)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str, str]:
    try:
        code: int | str | None = cli.main(["sandbox", "serve", "--port", "0", *args])
    except SystemExit as stopped:
        code = stopped.code
    out, err = capsys.readouterr()
    return code, out, err


def test_a_seed_past_1000_says_to_seed_more_once_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--seed", "20000")
    assert (code, out, err) == (exit_codes.EXIT_INVALID_INPUT, "", TOO_MANY)


def test_leading_zeros_and_spaces_are_read_as_the_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--seed", " 020000 ")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "argument --seed: 20000 is more than 1000" in err


def test_a_seed_of_many_digits_is_too_many_and_not_echoed_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "--seed", "9" * 5000)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "is more than 1000, the most a start seeds" in err and len(err) < 200


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(count=st.integers(min_value=1001, max_value=10**23))  # echoed whole up to 24 digits
def test_any_seed_past_1000_is_said_to_be_too_many(capsys: pytest.CaptureFixture[str], count: int) -> None:
    code, _out, err = run(capsys, "--seed", str(count))
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"argument --seed: {count} is more than 1000" in err and "whole number" not in err


@pytest.mark.parametrize("text", ["abc", "-1", "1e2", ""])
def test_a_seed_that_is_no_number_is_told_the_range(capsys: pytest.CaptureFixture[str], text: str) -> None:
    code, _out, err = run(capsys, "--seed", text)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "argument --seed: must be a whole number 0–1000" in err and "is more than" not in err


@pytest.mark.parametrize(("text", "count"), [("0", 0), ("1000", 1000), (" 7 ", 7)])
def test_a_seed_in_range_is_taken(text: str, count: int) -> None:
    assert serve.parse_options(["--seed", text], environ={}).settings.seed == count
