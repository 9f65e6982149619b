"""`fpconsole sandbox delay` and `reset` take what the console's Sandbox section (F7) takes
(QA findings 11c, 11d): one duration parser for the Delay box and `delay SECONDS`, and the same
typed confirmation for a reset (the partner id)."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_sandbox import CARD, Tty, run

from fpconsole import cli, exit_codes
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox_commands import BadArgument, delay_seconds
from fpconsole.tui import sandbox_inputs


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("1.5s", 1.5),
        ("1.5", 1.5),
        ("250ms", 0.25),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("0", 0.0),
    ],
)
def test_delay_takes_the_durations_the_console_takes(
    capsys: pytest.CaptureFixture[str], typed: str, seconds: float
) -> None:
    """QA: the Delay box took `1.5s`; `fpconsole sandbox delay 1.5s` exited 2."""
    code, out, err = run(capsys, "delay", typed)
    assert code == exit_codes.EXIT_OK, err
    assert out.startswith(f"delay: {seconds:g} s (set for this partner")


@pytest.mark.parametrize("typed", ["-1", "1e3", "86401", "soon", "2d", "1.5x", ""])
def test_a_bad_delay_says_the_forms_and_the_range(capsys: pytest.CaptureFixture[str], typed: str) -> None:
    code, out, err = run(capsys, "delay", "--", typed)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith(f"fpconsole sandbox delay: SECONDS {typed!r} ")
    assert "0 to 86400 seconds (1d)" in err and "1.5s" in err and "Traceback" not in err


texts = st.one_of(
    st.text(alphabet="0123456789.smhdw ", max_size=8),
    st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,3})?(ms|s|m|h|d)?", fullmatch=True),
    st.text(max_size=6),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_the_cli_and_the_console_agree_on_every_delay(text: str) -> None:
    """One parser: a delay the console's box takes, the CLI takes, as the same seconds; one the
    box refuses, the CLI refuses."""
    checked = sandbox_inputs.check_delay(text)
    try:
        seconds: float | None = delay_seconds("SECONDS", text)
    except BadArgument:
        seconds = None
    assert seconds == checked.values.get("delay")


def test_reset_on_a_terminal_asks_for_the_partner_id_as_the_console_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: the console asked to type 100500 (the partner), the CLI the word `reset`."""
    monkeypatch.setattr("sys.stdin", Tty("reset\n"))  # the old word no longer does it
    code, out, err = run(capsys, "reset")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert f"Type the partner id {PARTNER} to go on" in err and "not confirmed" in err
    assert cli.main(["call", "card.info", f"card_id={CARD}"]) == exit_codes.EXIT_OK
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", Tty(f"{PARTNER}\n"))
    code, out, err = run(capsys, "reset")
    assert code == exit_codes.EXIT_OK, err
    assert out.startswith("reset: deleted 40 clients")
    assert cli.main(["call", "card.info", f"card_id={CARD}"]) == exit_codes.EXIT_API_ERROR


def test_reset_without_a_terminal_says_what_a_terminal_would_ask(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _out, err = run(capsys, "reset")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"type the partner id ({PARTNER}) to confirm" in err and "--yes" in err


def test_reset_help_says_the_partner_id_is_asked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["sandbox", "reset", "--help"])
    assert "type this partner's id" in " ".join(capsys.readouterr().out.split())
