"""`fpconsole sandbox topup|settle|clock|faults|delay|seed|reset|backup|history|requests|health`
in-process through `fpconsole.cli.main`, on the embedded sandbox (each test has its own
FPCONSOLE_HOME, so its own sandbox database): what each prints, its --json document, the exit
codes of `call` (0 done, 1 refused, 2 bad input or not a sandbox, 3 no answer) and messages
that name the field at fault."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fpconsole import cli, exit_codes

CARD = "7001001"


class Tty(io.StringIO):
    """What the user types at a terminal (stdin that says it is a tty)."""

    def isatty(self) -> bool:
        return True


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["sandbox", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def available(capsys: pytest.CaptureFixture[str], card_id: str = CARD) -> Decimal:
    code = cli.main(["call", "card.balance", f"card_id={card_id}"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return Decimal(str(json.loads(out)["balances"]["accounts"][0]["amount"]))


def write_config(home: Path, text: str) -> None:
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "config.toml").write_text(text)


# --- topup --------------------------------------------------------------------------------------


def test_topup_credits_the_card_and_says_what_is_available(capsys: pytest.CaptureFixture[str]) -> None:
    before = available(capsys)
    code, out, err = run(capsys, "topup", CARD, "1500.50")
    assert code == exit_codes.EXIT_OK, err
    assert out.startswith(f"card {CARD}: topped up by 1500.50 KZT\n")
    assert f"available {before + Decimal('1500.50'):.2f} KZT" in out
    assert available(capsys) == before + Decimal("1500.50")


def test_topup_json_is_one_document_with_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "topup", CARD, "25", "--currency", "kzt")
    assert (answer["card_id"], answer["amount"], answer["currency"]) == (CARD, 25, "KZT")
    assert isinstance(answer["accounts"][0]["amount"], (int, float))
    assert answer["request_id"]


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("1e5", "amount: use digits and an optional '.', e.g. 1500.50; no exponent (1e3 is 1000)"),
        ("-5", "amount: must be greater than zero"),
        ("0", "amount: must be greater than zero"),
        ("10,50", "amount: use '.' for the decimals"),
        ("1000000000", "amount: must be at most 999999999.99"),
    ],
)
def test_a_bad_amount_exits_2_naming_the_field_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], amount: str, says: str
) -> None:
    before = available(capsys)
    code, out, err = run(capsys, "topup", CARD, amount)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith("fpconsole sandbox topup: ") and says in err
    assert "Traceback" not in err
    assert available(capsys) == before


def test_a_bad_currency_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "topup", CARD, "10", "--currency", "XYZ")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "fpconsole sandbox topup: currency:" in err


def test_an_unknown_card_is_the_sandboxs_refusal_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "topup", "7999999", "10")
    assert (code, out) == (exit_codes.EXIT_API_ERROR, "")
    assert "not_found" in err and "7999999" in err


# --- faults, delay, clock, settle ------------------------------------------------------------


def test_faults_set_show_clear(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "faults", "set", "--latency", "20ms", "--error-rate", "10%")
    assert (code, out) == (0, "faults: latency=20ms,error_rate=0.1\n"), err
    assert run(capsys, "faults", "show")[1] == "faults: latency=20ms,error_rate=0.1\n"
    shown = run_json(capsys, "faults", "show")
    assert shown["settings"]["default"]["error_rate"] == 0.1 and shown["spec"] != "none"
    assert run(capsys, "faults", "clear")[1] == "faults: none\n"
    assert run_json(capsys, "faults", "show")["spec"] == "none"


def test_faults_for_one_method_only_break_that_method(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "faults", "set", "--error-rate", "1", "--method", "card/block")
    assert (code, out) == (0, "faults: card.block:error_rate=1\n"), err
    assert (
        cli.main(["call", "card.block", f"card_id={CARD}", "description=lost"]) == exit_codes.EXIT_API_ERROR
    )
    assert "injected_error" in capsys.readouterr().err
    assert cli.main(["call", "card.info", f"card_id={CARD}"]) == exit_codes.EXIT_OK


def test_faults_set_takes_the_compact_form(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "faults", "set", "--spec", "latency=5ms;card.block:error_rate=1")
    assert (code, out) == (0, "faults: latency=5ms;card.block:error_rate=1\n"), err


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--error-rate", "150%"], "--error-rate '150%' is not a rate"),
        (["--drop-rate", "lots"], "--drop-rate 'lots' is not a rate"),
        (["--latency", "soon"], "--latency 'soon' is not a duration"),
        (["--error-rate", "1", "--method", "card.blok"], "--method: "),
        ([], "give at least one fault"),
        (["--spec", "latency=5ms", "--error-rate", "1"], "give either --spec or the flags"),
        (["--spec", "eror_rate=0.1"], "did you mean error_rate?"),
    ],
)
def test_bad_fault_flags_exit_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str], flags: list[str], says: str
) -> None:
    code, out, err = run(capsys, "faults", "set", *flags)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert err.startswith("fpconsole sandbox faults set: ") and says in err
    assert run(capsys, "faults", "show")[1] == "faults: none\n"


def test_delay_show_set_and_back_to_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "delay")[1] == "delay: 0 s (the sandbox's default)\n"
    assert run(capsys, "delay", "2.5")[1].startswith("delay: 2.5 s (set for this partner")
    assert run_json(capsys, "delay")["seconds"] == 2.5
    assert run(capsys, "delay", "default")[1] == "delay: 0 s (the sandbox's default)\n"


@pytest.mark.parametrize("value", ["-1", "1e3", "86401", "soon"])
def test_a_bad_delay_is_named(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, _, err = run(capsys, "delay", value)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"SECONDS {value!r} is not a delay — use 0 to 86400 seconds" in err


def test_settle_brings_a_request_in_process_to_its_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "settle")[1] == "nothing was in process\n"
    assert run(capsys, "delay", "3600")[0] == 0
    assert cli.main(["call", "card.block", f"card_id={CARD}", "description=lost"]) == 0
    request_id = capsys.readouterr().err.split("request_id: ")[1].split()[0]
    code, out, err = run(capsys, "settle")
    assert code == 0, err
    assert out.startswith("settled 1 request\n") and request_id in out and "card.block" in out
    assert cli.main(["call", "request.status", f"request_id={request_id}"]) == 0
    assert json.loads(capsys.readouterr().out)["request_status"] == "success"


def test_clock_advance_moves_the_sandbox_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert "(real time)" in run(capsys, "clock", "show")[1]
    code, out, err = run(capsys, "clock", "advance", "1d2h")
    assert code == 0, err
    assert out.startswith("sandbox time ") and "(1d2h ahead of real time)" in out
    assert run_json(capsys, "clock", "show")["offset_s"] == 93600


@pytest.mark.parametrize("duration", ["2x", "-1h", "1e3s", "400d", "0s"])
def test_a_bad_duration_is_named(capsys: pytest.CaptureFixture[str], duration: str) -> None:
    code, out, err = run(capsys, "clock", "advance", "--", duration)
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "fpconsole sandbox clock advance: " in err
    assert "DURATION" in err or "seconds:" in err
    # The message echoes what was typed, never the seconds it was read as (34560000.0).
    assert repr(duration) in err and ".0" not in err


@pytest.mark.parametrize("duration", ["400d", "0s", "1.5s"])
def test_an_out_of_range_duration_says_the_range_in_words(
    capsys: pytest.CaptureFixture[str], duration: str
) -> None:
    code, _out, err = run(capsys, "clock", "advance", duration)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"DURATION: {duration!r} " in err and "366d" in err


# --- seed, reset, backups ----------------------------------------------------------------------


def test_seed_adds_clients(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "seed", "2")
    assert code == 0, err
    assert out.startswith("seeded: 2 clients, ")


@pytest.mark.parametrize("count", ["0", "1001", "1e2", "two"])
def test_a_bad_seed_count_is_named(capsys: pytest.CaptureFixture[str], count: str) -> None:
    code, _, err = run(capsys, "seed", count)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "N: " in err and ("must be a whole number from 1 to 1000" in err or "is more than 1000" in err)


def test_reset_without_a_terminal_needs_yes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, "reset")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "Add --yes" in err and "nothing was done" in err
    available(capsys)  # the card is still there


def test_reset_on_a_terminal_needs_the_partner_id_typed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    code, _, err = run(capsys, "reset")
    assert code == exit_codes.EXIT_INVALID_INPUT and "not confirmed" in err
    available(capsys)
    monkeypatch.setattr("sys.stdin", Tty("100500\n"))
    code, out, err = run(capsys, "reset")
    assert code == 0, err
    assert "Type the partner id 100500 to go on" in err
    assert out.startswith("reset: deleted 40 clients") and "(this partner only)" in out
    assert cli.main(["call", "card.info", f"card_id={CARD}"]) == exit_codes.EXIT_API_ERROR


def test_backup_save_list_load_delete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "backup", "save", "before-demo")
    assert code == 0, err
    assert out.startswith("saved backup before-demo: 40 clients, ")
    code, _, err = run(capsys, "backup", "save", "before-demo")
    assert code == exit_codes.EXIT_INVALID_INPUT and "add --replace" in err
    assert run(capsys, "backup", "save", "before-demo", "--replace")[0] == 0
    listed = run(capsys, "backup", "list")[1]
    assert listed.startswith("NAME ") and "before-demo" in listed
    assert [b["name"] for b in run_json(capsys, "backup", "list")] == ["before-demo"]
    assert run(capsys, "reset", "--yes")[0] == 0
    code, out, err = run(capsys, "backup", "load", "before-demo")
    assert code == 0, err
    assert out.startswith("loaded backup before-demo: 40 clients")
    available(capsys)  # back
    assert run(capsys, "backup", "delete", "before-demo")[1] == "deleted backup before-demo\n"
    code, _, err = run(capsys, "backup", "load", "before-demo")
    assert code == exit_codes.EXIT_API_ERROR and "no backup named 'before-demo'" in err
    assert "fpconsole sandbox backup list" in err


@pytest.mark.parametrize("name", ["../x", "a b", "x" * 65])
def test_a_bad_backup_name_is_named(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, _, err = run(capsys, "backup", "save", name)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "fpconsole sandbox backup save: name: " in err and "letters, digits" in err


# --- history, requests, health -----------------------------------------------------------------


def test_history_shows_status_changes_and_ledger_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "topup", CARD, "77.50")[0] == 0
    code, out, err = run(capsys, "history", CARD)
    assert code == 0, err
    assert out.startswith("AT ") and " status " in out
    assert "credit 77.50 KZT" in out
    events = run_json(capsys, "history", CARD)["events"]
    assert {"status", "ledger"} <= {e["kind"] for e in events}


def test_history_of_an_unknown_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "7999999")
    assert code == exit_codes.EXIT_API_ERROR and "7999999" in err


def test_requests_lists_what_the_sandbox_received_newest_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["call", "card.info", f"card_id={CARD}"]) == 0
    assert cli.main(["call", "card.balance", f"card_id={CARD}"]) == 0
    capsys.readouterr()
    received = run_json(capsys, "requests", "--limit", "1")
    assert [r["method"] for r in received] == ["card.balance"]
    out = run(capsys, "requests")[1]
    assert out.index("card.balance") < out.index("card.info")


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_limit_is_named(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    code, _, err = run(capsys, "requests", "--limit", limit)
    assert code == exit_codes.EXIT_INVALID_INPUT and "--limit" in err


def test_health(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "health")
    assert code == 0, err
    assert out.startswith("fpconsole-sandbox ") and "partners 1" in out
    assert run_json(capsys, "health")["service"] == "fpconsole-sandbox"


def test_health_first_still_leaves_a_sandbox_with_demo_data(capsys: pytest.CaptureFixture[str]) -> None:
    # health opens no engine; the sandbox file it leaves must not pass for a seeded one.
    assert run(capsys, "health")[0] == 0
    available(capsys)


# --- where the commands go ---------------------------------------------------------------------


TEST_PROFILE = """\
[profiles.qa]
kind = "test"
base_url = "https://test-api.example.kz"
auth_id = "42"
secret_env = "FP_QA_SECRET_NEVER_SET"

[profiles.local]
kind = "sandbox"
"""


def test_a_test_profile_is_refused_before_its_secret_is_read(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    write_config(isolated_home, TEST_PROFILE)
    code, out, err = run(capsys, "topup", CARD, "10", "--profile", "qa")
    assert (code, out) == (exit_codes.EXIT_INVALID_INPUT, "")
    assert "profile qa is a test profile; these commands are sandbox-only" in err
    assert "FP_QA_SECRET_NEVER_SET" not in err


def test_a_default_test_profile_is_not_used_the_builtin_sandbox_is(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    write_config(isolated_home, TEST_PROFILE + '\n[settings]\ndefault_profile = "qa"\n')
    assert run(capsys, "health")[0] == 0
    assert run(capsys, "faults", "show", "--profile", "local")[0] == 0


def test_an_unknown_profile_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "health", "--profile", "nope")
    assert code == exit_codes.EXIT_INVALID_INPUT and "unknown profile 'nope'" in err


def test_a_read_only_session_may_look_but_not_change(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--read-only", "sandbox", "topup", CARD, "10"])
    err = capsys.readouterr().err
    assert code == exit_codes.EXIT_INVALID_INPUT and "--read-only is set" in err
    assert cli.main(["--read-only", "sandbox", "faults", "show"]) == 0


def test_auth_flags_without_base_url_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "health", "--auth-id", "42")
    assert code == exit_codes.EXIT_INVALID_INPUT and "go with --base-url" in err


def test_a_server_that_is_not_there_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("FP_SECRET", "sandbox-secret")
    code, out, err = run(
        capsys,
        "health",
        "--base-url",
        f"http://127.0.0.1:{port}",
        "--auth-id",
        "100500",
        "--secret-env",
        "FP_SECRET",
    )
    assert (code, out) == (exit_codes.EXIT_TRANSPORT, "")
    assert "cannot connect" in err


@pytest.mark.parametrize(
    "words",
    [[], ["clock"], ["faults"], ["backup"]],
)
def test_an_incomplete_command_prints_its_usage(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    code, _, err = run(capsys, *words)
    assert code == exit_codes.EXIT_INVALID_INPUT and err.startswith("usage: fpconsole sandbox ")


def test_extra_words_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["sandbox", "health", "please"])
    assert done.value.code == exit_codes.EXIT_INVALID_INPUT
    assert "unrecognized arguments: please" in capsys.readouterr().err


def test_fpconsole_profile_is_used_when_it_names_a_sandbox(
    capsys: pytest.CaptureFixture[str], isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_home, TEST_PROFILE.replace('[profiles.local]\nkind = "sandbox"', LOCAL_SERVED))
    monkeypatch.setenv("FPCONSOLE_PROFILE", "local")
    code, _, err = run(capsys, "health")
    # `local` is a served sandbox on a port nobody listens on: it was the one tried.
    assert code == exit_codes.EXIT_TRANSPORT and "127.0.0.1:9" in err
    # A test profile asked for through the environment is refused as --profile would be, naming
    # where it came from (falling back to the built-in sandbox would act where nobody looks).
    monkeypatch.setenv("FPCONSOLE_PROFILE", "qa")
    code, _, err = run(capsys, "health")
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert "profile qa (FPCONSOLE_PROFILE=qa) is a test profile" in err and "sandbox-only" in err


LOCAL_SERVED = '[profiles.local]\nkind = "sandbox"\nbase_url = "http://127.0.0.1:9"'


def test_health_says_the_delay_and_faults_in_force_for_this_partner_beside_the_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It said "delay 0 s · default faults none" after this partner had set 2.5 s and faults.
    default_s = run_json(capsys, "health")["delay_s"]
    assert run(capsys, "delay", "2.5")[0] == 0
    assert run(capsys, "faults", "set", "--error-rate", "0.5")[0] == 0
    code, out, err = run(capsys, "health")
    assert code == 0, err
    defaults, partner = out.splitlines()
    assert f"default delay {default_s:g} s" in defaults and "default faults none" in defaults
    assert partner == "this partner: delay 2.5 s · faults error_rate=0.5"
    shown = run_json(capsys, "health")
    assert shown["service"] == "fpconsole-sandbox" and shown["delay_s"] == default_s != 2.5
    assert shown["partner"] == {"delay_s": 2.5, "delay_source": "partner", "faults": "error_rate=0.5"}


@pytest.mark.parametrize(
    ("count", "tail"), [(1, "; 1 request settled"), (2, "; 2 requests settled"), (0, "")]
)
def test_the_clock_line_counts_settled_requests_in_english(count: int, tail: str) -> None:
    from types import SimpleNamespace

    from fpconsole.sandbox_commands import show_clock

    out = io.StringIO()
    show_clock(SimpleNamespace(now="2026-01-01T00:00:00Z", offset_s=3600, settled_count=count), out)
    assert out.getvalue() == f"sandbox time 2026-01-01T00:00:00Z (1h ahead of real time){tail}\n"
