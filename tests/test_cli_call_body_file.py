"""`fpconsole call … --json FILE`: a body file that cannot be used is refused in plain words that
name the flag and the fix, never with Python's own text ("[Errno 2] …").

For `call`, `--json` names an input (the body), not an output format: a person at a terminal gets
the message as text. A script (stderr not a terminal) still gets JSON error objects, as
json_errors.py documents.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from fpconsole import cli
from fpconsole.json_errors import wants_json

FIX = "give the path of a JSON object file, or - for stdin"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["call", "card.info", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_missing_body_file_names_the_flag_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent"
    code, out, err = call(capsys, "--json", str(missing))
    assert code == 2 and out == ""
    record = json.loads(err)  # stderr is not a terminal here: the script's JSON object
    assert record["message"] == f"--json {missing}: no such file — {FIX}"
    assert record["field"] == "--json" and record["exit"] == 2
    assert "Errno" not in err


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda path: path.mkdir(), "is a folder, not a file"),
        (lambda path: path.write_bytes(b'{"card_id": "\xff"}'), "not UTF-8 text"),
        (lambda path: path.write_text('{"card_id": ', encoding="utf-8"), "not valid JSON"),
        (lambda path: path.write_text("[1]", encoding="utf-8"), "holds a JSON array, not an object"),
    ],
)
def test_an_unusable_body_file_says_what_is_wrong_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, says: str
) -> None:
    body = tmp_path / "body.json"
    make(body)  # type: ignore[operator]
    code, _out, err = call(capsys, "--json", str(body))
    message = json.loads(err)["message"]
    assert code == 2 and message.startswith(f"--json {body}: {says}")
    assert "Errno" not in message and "codec" not in message


def test_an_unreadable_body_file_says_permission_denied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    body = tmp_path / "body.json"
    body.write_text("{}", encoding="utf-8")
    body.chmod(0)
    code, _out, err = call(capsys, "--json", str(body))
    assert code == 2 and json.loads(err)["message"].startswith(f"--json {body}: permission denied")


def test_edit_starting_from_a_missing_file_says_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "true")  # never reached: the file is checked first
    missing = tmp_path / "gone.json"
    code, _out, err = call(capsys, "--edit", "--json", str(missing))
    assert code == 2
    assert json.loads(err)["message"] == f"--json {missing}: no such file — {FIX}"


def test_call_asks_for_json_errors_only_when_stderr_is_not_a_terminal() -> None:
    for argv in (["call", "card.info", "--json", "b.json"], ["--profile", "qa", "call", "x", "--json=-"]):
        assert wants_json(argv, terminal=False)
        assert not wants_json(argv, terminal=True)
    # Elsewhere --json asks for JSON output: the errors follow, terminal or not.
    for argv in (["journal", "--json"], ["--profile", "qa", "methods", "--json"], ["--json"]):
        assert wants_json(argv, terminal=True) and wants_json(argv, terminal=False)


def test_a_person_at_a_terminal_reads_plain_text(tmp_path: Path) -> None:
    """The finding itself, in a real process whose stderr is a terminal (a pty)."""
    env = {**os.environ, "FPCONSOLE_HOME": str(tmp_path), "FPCONSOLE_SANDBOX_DELAY": "0"}
    env.pop("FPCONSOLE_PROFILE", None)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fpconsole", "call", "card.info", "--json", "/nonexistent"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = _read_all(leader)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and done.stdout == b""
    assert shown.strip() == f"fpconsole call: --json /nonexistent: no such file — {FIX}"


def _read_all(leader: int) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_the_global_options_json_errors_skips_are_the_ones_that_take_a_value() -> None:
    from fpconsole.json_errors import _GLOBAL_OPTIONS_WITH_VALUE

    taking_a_value = {
        option
        for action in cli._options_parser()._actions
        if action.nargs != 0 and action.option_strings
        for option in action.option_strings
        if option.startswith("--") and option not in ("--help", "--version")
    }
    assert taking_a_value == _GLOBAL_OPTIONS_WITH_VALUE
