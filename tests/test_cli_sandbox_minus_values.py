"""A value typed with a leading minus (`clock advance -5d`, `delay -250ms`, `faults set --latency
-200ms`): argparse would read it as an unknown option and say something beside the point ("the
following arguments are required: DURATION", "expected one argument"). The value reaches the
command instead, which names the argument and the fix, with exit code 2 as any other bad input."""

from __future__ import annotations

import pytest

from fpconsole import cli, exit_codes


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str, str]:
    try:
        code: int | str | None = cli.main(["sandbox", *args])
    except SystemExit as stopped:  # argparse's own refusal (the usage and "error: ...")
        code = stopped.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("duration", ["-5d", "-1h30m", "-250ms", "-1.5s"])
def test_a_negative_clock_advance_says_the_clock_only_moves_forward(
    capsys: pytest.CaptureFixture[str], duration: str
) -> None:
    code, out, err = run(capsys, "clock", "advance", duration)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "required" not in err and "usage:" not in err
    assert err.startswith("fpconsole sandbox clock advance: DURATION: ")
    assert repr(duration) in err and "the clock only moves forward" in err
    assert f"fpconsole sandbox clock advance {duration[1:]}" in err
    assert "(real time)" in run(capsys, "clock", "show")[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["delay", "-250ms"], "SECONDS '-250ms' is not a delay — use 0 to 86400 seconds"),
        (["delay", "-2m"], "SECONDS '-2m' is not a delay — use 0 to 86400 seconds"),
        (["faults", "set", "--latency", "-200ms"], "--latency '-200ms' is not a duration"),
        (["faults", "set", "--latency", "5ms", "--jitter", "-1s"], "--jitter '-1s' is not a duration"),
        (["faults", "set", "--error-rate", "-10%"], "--error-rate '-10%' is not a rate"),
        (["faults", "set", "--timeout-rate", "1", "--hold", "-5s"], "--hold '-5s' is not a duration"),
        (["seed", "-5"], "N: must be a whole number from 1 to 1000, e.g. 10; got '-5'"),
        (
            ["requests", "--limit", "-5x"],
            "--limit: must be a whole number from 1 to 1000, e.g. 20; got '-5x'",
        ),
    ],
)
def test_other_values_with_a_leading_minus_are_named_with_the_fix(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "usage:" not in err and "expected one argument" not in err and "unrecognized" not in err
    assert says in err


def test_an_unknown_option_is_still_refused_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "clock", "advance", "--fast", "5d")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "unrecognized arguments: --fast" in err


@pytest.mark.parametrize(
    ("words", "prog"),
    [(["journal"], "fpconsole: "), (["scenario", "record"], "fpconsole scenario record: ")],
)
def test_since_with_a_leading_minus_is_named_with_the_fix(
    capsys: pytest.CaptureFixture[str], words: list[str], prog: str
) -> None:
    try:
        code: int | str | None = cli.main([*words, "--since", "-2h"])
    except SystemExit as stopped:
        code = stopped.code
    out, err = capsys.readouterr()
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "expected one argument" not in err
    assert err.startswith(prog) and "--since '-2h' is not a date or a duration — use e.g. 2h" in err
