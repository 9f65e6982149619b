"""`fpconsole bulk --in-flight N` and `fpconsole scenario record --last N` read N as the sandbox
commands do (`fpconsole sandbox seed 20000`): text that is no number (or 0, -1) is told the flag,
the range and an example, not argparse's "invalid int value" under a usage dump; a number past
the top is said to be too large, with why and what to do. Exit code 2, nothing sent or read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fpconsole import cli, exit_codes


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str, str]:
    try:
        code: int | str | None = cli.main(list(args))
    except SystemExit as stopped:  # argparse's own refusal would land here
        code = stopped.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clients_csv(tmp_path: Path) -> Path:
    """A file bulk would run: a flag refused first must leave it, and the sandbox, untouched."""
    path = tmp_path / "clients.csv"
    path.write_text(
        "product_id,phone,type,resident,first_name,last_name\n1,+77010000001,individual,true,A,B\n"
    )
    return path


# --- bulk --in-flight ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["abc", "0", "-1", "1.5", "", " ", "٨"])
def test_an_in_flight_that_is_no_count_is_told_the_range_and_an_example(
    capsys: pytest.CaptureFixture[str], clients_csv: Path, text: str
) -> None:
    code, out, err = run(capsys, "bulk", str(clients_csv), "--in-flight", text)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith("fpconsole bulk: --in-flight: must be a whole number from 1 to 64, e.g. 8")
    assert "invalid int value" not in err and "usage:" not in err
    assert not (clients_csv.parent / "clients.result.csv").exists()


def test_an_in_flight_past_64_is_too_many_and_says_what_to_use(
    capsys: pytest.CaptureFixture[str], clients_csv: Path
) -> None:
    code, out, err = run(capsys, "bulk", str(clients_csv), "--in-flight", "100")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err == (
        "fpconsole bulk: --in-flight: 100 is more than 64, the most bulk keeps in flight; use 64 or fewer\n"
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(count=st.integers(min_value=65, max_value=10**23))
def test_any_in_flight_past_64_is_said_to_be_too_many(
    capsys: pytest.CaptureFixture[str], clients_csv: Path, count: int
) -> None:
    code, _out, err = run(capsys, "bulk", str(clients_csv), "--in-flight", str(count))
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"--in-flight: {count} is more than 64" in err and "whole number" not in err


def test_an_in_flight_of_many_digits_is_not_echoed_in_full(
    capsys: pytest.CaptureFixture[str], clients_csv: Path
) -> None:
    code, _out, err = run(capsys, "bulk", str(clients_csv), "--in-flight", "9" * 5000)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "is more than 64" in err and len(err) < 200


# --- scenario record --last ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["abc", "0", "-1", "-5x", "2.5", ""])
def test_a_last_that_is_no_count_is_told_the_range_and_an_example(
    capsys: pytest.CaptureFixture[str], text: str
) -> None:
    code, out, err = run(capsys, "scenario", "record", "--last", text)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith(
        "fpconsole scenario record: --last: must be a whole number from 1 to 100000, e.g. 20"
    )
    assert "invalid int value" not in err and "usage:" not in err


def test_a_last_past_the_journal_read_is_too_many_and_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "scenario", "record", "--last", "200000")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err == (
        "fpconsole scenario record: --last: 200000 is more than 100000, the most record reads from "
        "the journal; leave --last out to record the whole range\n"
    )


def test_the_help_names_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "bulk", "--help")
    assert code == 0 and "--in-flight N" in out and "1–64" in out
    code, out, _err = run(capsys, "scenario", "record", "--help")
    assert code == 0 and "--last N" in out
