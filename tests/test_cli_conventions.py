"""Command line conventions: FPCONSOLE_PROFILE and FPCONSOLE_CONFIG, `profiles --json` (never a
secret), and with --json the errors on stderr as JSON objects, exit codes unchanged."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fpconsole import cli
from fpconsole.json_errors import JsonErrorStream, wants_json

QA = '[profiles.qa]\nkind = "sandbox"\n'


def write_config(home: Path, text: str) -> Path:
    (home / "config").mkdir(parents=True, exist_ok=True)
    path = home / "config" / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def objects(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- FPCONSOLE_PROFILE / FPCONSOLE_CONFIG ----------------------------------------------------------


def test_fpconsole_profile_is_the_profile_when_no_flag_names_one(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, QA)
    monkeypatch.setenv("FPCONSOLE_PROFILE", "qa")
    code, out, _err = run(["journal"], capsys)
    assert code == 0 and "profile qa" in out
    code, out, _err = run(["--profile", "sandbox", "journal"], capsys)
    assert code == 0 and "profile sandbox" in out  # the flag wins


def test_a_bad_fpconsole_profile_is_refused_naming_the_variable(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, QA)
    monkeypatch.setenv("FPCONSOLE_PROFILE", "qa2")
    for argv in (
        ["journal"],
        ["methods"],
        ["profiles"],
        ["call", "card.info", "card_id=1"],
        ["sandbox", "health"],
    ):
        code, out, err = run(argv, capsys)
        assert code == 2 and out == ""
        assert err.startswith("fpconsole: FPCONSOLE_PROFILE=qa2: ") and "did you mean qa?" in err
        assert "unset FPCONSOLE_PROFILE" in err


def test_fpconsole_profile_does_not_fight_an_explicit_base_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FPCONSOLE_PROFILE", "nope")
    monkeypatch.setenv("FP_TEST_SECRET", "x")
    argv = ["call", "card.info", "card_id=1", "--curl", "--base-url", "https://h.example", "--auth-id", "1"]
    code, out, _err = run([*argv, "--secret-env", "FP_TEST_SECRET"], capsys)
    assert code == 0 and "https://h.example" in out


def test_fpconsole_config_is_the_file_read_and_locate_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "team" / "fp.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('[profiles.team]\nkind = "sandbox"\n', encoding="utf-8")
    monkeypatch.setenv("FPCONSOLE_CONFIG", str(elsewhere))
    code, out, _err = run(["profiles"], capsys)
    assert code == 0 and "team" in out and str(elsewhere) in out
    code, out, _err = run(["locate", "config"], capsys)
    assert (code, out) == (0, f"{elsewhere}\n")
    code, out, _err = run(["locate"], capsys)
    assert f"FPCONSOLE_CONFIG={elsewhere}" in out


def test_fpconsole_config_pointing_at_nothing_gives_the_built_in_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FPCONSOLE_CONFIG", str(tmp_path / "missing.toml"))
    code, out, _err = run(["profiles", "--json"], capsys)
    assert code == 0 and [record["name"] for record in objects(out)] == ["sandbox"]


# --- profiles --json -------------------------------------------------------------------------------

SECRET = "s3cr3t-partner-key-9f2b"


def test_profiles_json_says_where_secrets_come_from_and_never_a_secret(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_file = isolated_home / "qa.secret"
    secret_file.write_text(SECRET, encoding="utf-8")
    os.chmod(secret_file, 0o600)
    monkeypatch.setenv("FP_PROD_SECRET", SECRET)
    write_config(
        isolated_home,
        f"""[settings]
default_profile = "qa"

[profiles.qa]
kind = "test"
base_url = "https://user:{SECRET}@test-api.example"
auth_id = "123"
secret_file = "{secret_file}"

[profiles.prod]
kind = "production"
base_url = "https://api.example"
auth_id = "456"
secret_env = "FP_PROD_SECRET"

[profiles.cmd]
kind = "test"
base_url = "https://test-api.example"
auth_id = "789"
secret_command = "printf {SECRET[::-1]}"
""",
    )
    code, out, _err = run(["profiles", "--json"], capsys)
    assert code == 0
    assert SECRET not in out and SECRET[::-1] not in out.replace(f"printf {SECRET[::-1]}", "")
    records = {record["name"]: record for record in objects(out)}
    assert list(records) == ["qa", "cmd", "prod", "sandbox"]  # the default first
    assert records["qa"]["default"] is True and records["qa"]["host"] == "test-api.example"
    assert records["qa"]["secret"] == {"from": "file", "path": str(secret_file)}
    assert records["prod"]["secret"] == {"from": "env", "name": "FP_PROD_SECRET"}
    assert records["prod"]["read_only"] is True and records["prod"]["kind"] == "production"
    assert records["sandbox"]["secret"] == {"from": "built-in"} and records["sandbox"]["embedded"] is True


# --- errors as JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["journal", "--json", "--since", "soon"], "--since"),
        (["methods", "--json", "--profile", "nope"], "--profile"),
        (["profiles", "--json", "--profile", "nope"], "--profile"),
        (["call", "card.block", "--json", "/dev/null"], "--json"),
        (["call", "--alg", "HS1", "card.info", "--json", "-"], "--alg"),
        (["keys", "--json", "--bogus"], None),
    ],
)
def test_with_json_an_error_is_one_json_object_on_stderr_with_the_same_exit_code(
    argv: list[str], field: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's usage errors end this way, as without --json
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    (record,) = objects(err)
    assert code == 2 and record["exit"] == 2 and record["code"] == "invalid_input"
    assert record["level"] == "error" and record["message"] and not record["message"].startswith("fpconsole")
    assert record.get("field") == field


def test_without_json_errors_stay_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["journal", "--since", "soon"], capsys)
    assert code == 2 and err.startswith("fpconsole: --since 'soon'")


def test_a_config_mistake_names_file_line_and_field(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(isolated_home, '[profiles.qa]\nkind = "tset"\n')
    code, _out, err = run(["profiles", "--json"], capsys)
    (record,) = objects(err)
    assert code == 2 and record["field"] == "profiles.qa.kind" and record["line"] == 2
    assert record["file"].endswith("config.toml")


def test_an_api_error_keeps_exit_1_and_carries_the_apis_code() -> None:
    stream_target = io.StringIO()
    stream = JsonErrorStream(stream_target)
    stream.write("request_id: 1234\nfpconsole call: not_found: card_id: no card 99\n")
    stream.finish(1)
    (record,) = objects(stream_target.getvalue())
    assert record == {
        "level": "error",
        "code": "api_error",
        "message": "not_found: card_id: no card 99",
        "error_code": "not_found",
        "request_id": "1234",
        "exit": 1,
    }


def test_warnings_and_progress_are_objects_too_and_a_question_is_not_held_back() -> None:
    target = io.StringIO()
    stream = JsonErrorStream(target)
    stream.write("fpconsole call: warning: field x is unknown\ncard.block: process\n")
    assert objects(target.getvalue()) == [
        {"level": "warning", "message": "field x is unknown"},
        {"level": "info", "message": "card.block: process"},
    ]
    stream.write("Type the card's last 4 digits: ")
    stream.flush()
    assert objects(target.getvalue())[-1] == {"level": "info", "message": "Type the card's last 4 digits: "}


def test_json_anywhere_before_a_double_dash_asks_for_json_errors() -> None:
    assert wants_json(["journal", "--json"]) and wants_json(["call", "x", "--json=-"])
    assert not wants_json(["journal"]) and not wants_json(["call", "x", "--", "--json"])


def test_a_real_process_exits_as_before_with_json_on_stderr(tmp_path: Path) -> None:
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path)}
    env.pop("FPCONSOLE_PROFILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "fpconsole", "journal", "--json", "--since", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert objects(done.stderr)[0]["field"] == "--since"


def test_an_api_error_from_the_sandbox_is_json_with_exit_1(tmp_path: Path) -> None:
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path), "FPCONSOLE_SANDBOX_DELAY": "0"}
    env.pop("FPCONSOLE_PROFILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "fpconsole", "call", "card.info", "--json", "-"],
        input='{"card_id": "999999"}',
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["error_code"] == "not_found"  # the answer, as before
    (record,) = objects(done.stderr)
    assert record["code"] == "api_error" and record["error_code"] == "not_found" and record["exit"] == 1
