"""`fpconsole call METHOD --edit` opens the editor only when it has a terminal: with stdin or
stdout redirected (`</dev/null`, `| jq`, a cron job) vim would print warnings and stray escape
codes into the pipe. It refuses instead, naming --edit and the other ways to give the body, with
exit code 2 (bad input); no editor is started and nothing is sent."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fpconsole import cli, exit_codes
from fpconsole.call_command import run_call

FIX = "pass the body with --json FILE or FIELD=VALUE instead"


class Tty(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def editor_that_leaves_a_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """EDITOR set to a script that, if it is ever started, creates `ran` and fills in the body."""
    ran = tmp_path / "ran"
    script = tmp_path / "editor.py"
    script.write_text(
        "import json, sys\n"
        f"open({str(ran)!r}, 'w').close()\n"
        "open(sys.argv[1], 'w').write(json.dumps({'card_id': '7001001', 'description': 'lost'}))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return ran


def journal_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["journal", "--json"]) == exit_codes.EXIT_OK
    return capsys.readouterr().out.splitlines()


@pytest.mark.slow
def test_edit_with_stdin_from_dev_null_refuses_before_any_editor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = editor_that_leaves_a_mark(tmp_path, monkeypatch)
    done = subprocess.run(
        [sys.executable, "-m", "fpconsole", "call", "card.block", "--edit"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
        timeout=120,  # guards against a hang only
    )
    assert done.returncode == exit_codes.EXIT_INVALID_INPUT, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("fpconsole call: --edit needs a terminal to open your editor")
    assert FIX in done.stderr and "\x1b" not in done.stderr
    assert not ran.exists()
    assert journal_lines(capsys) == []  # nothing sent


@pytest.mark.parametrize(
    ("stdin_is_tty", "stdout_is_tty", "not_one"),
    [
        (False, True, "stdin is not one"),
        (True, False, "stdout is not one"),
        (False, False, "neither stdin nor stdout is one"),
    ],
    ids=["stdin-redirected", "stdout-piped", "both"],
)
def test_edit_without_a_terminal_on_either_side_says_which_and_the_fix(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin_is_tty: bool,
    stdout_is_tty: bool,
    not_one: str,
) -> None:
    ran = editor_that_leaves_a_mark(tmp_path, monkeypatch)
    stdin = Tty() if stdin_is_tty else io.StringIO("")
    out = Tty() if stdout_is_tty else io.StringIO()
    err = io.StringIO()
    args = cli.build_parser().parse_args(["call", "card.block", "--edit"])
    code = run_call(args, out, err, stdin)
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"fpconsole call: --edit needs a terminal to open your editor, and {not_one}; {FIX}\n"
    )
    assert not ran.exists()
    assert journal_lines(capsys) == []


def test_edit_with_a_terminal_on_both_sides_opens_the_editor_and_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = editor_that_leaves_a_mark(tmp_path, monkeypatch)
    out, err = Tty(), io.StringIO()
    args = cli.build_parser().parse_args(["call", "card.block", "--edit"])
    code = run_call(args, out, err, Tty())
    assert ran.exists()
    assert code == exit_codes.EXIT_OK, err.getvalue()
    assert '"card.block"' in journal_lines(capsys)[0]


def test_a_missing_start_file_is_still_named_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file typed is checked before the terminal: the first mistake said is the one in the
    command line."""
    editor_that_leaves_a_mark(tmp_path, monkeypatch)
    missing = tmp_path / "gone.json"
    err = io.StringIO()
    args = cli.build_parser().parse_args(["call", "card.block", "--edit", "--json", str(missing)])
    code = run_call(args, io.StringIO(), err, io.StringIO(""))
    assert code == exit_codes.EXIT_INVALID_INPUT
    assert f"--json {missing}: no such file" in err.getvalue()
