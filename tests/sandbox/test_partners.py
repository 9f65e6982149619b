"""`sandbox serve` partners without the secret in argv (issue 12, item 18): from an environment
variable or a private file, several at once; a secret on the command line still works but
warns; no message or banner ever shows a secret."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from fpconsole.sandbox import serve
from fpconsole.sandbox.partners import PARTNERS_ENV
from fpconsole.sandbox.serve import banner, main, parse_options

SECRET = "s3cret-NOT-TO-SHOW"
OTHER = "other-s3cret"


@pytest.fixture(autouse=True)
def _no_partner_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PARTNERS_ENV, raising=False)


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    def served(*_args: object) -> int:
        raise AssertionError("the flags were accepted and the server started")

    monkeypatch.setattr(serve, "run", served)
    assert main(["--port", "0", *argv]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert SECRET not in captured.err and OTHER not in captured.err, captured.err
    return captured.err


def test_partners_from_the_default_environment_variable() -> None:
    options = parse_options([], environ={PARTNERS_ENV: f"42:{SECRET}, 43:{OTHER}\n44:third"})
    assert dict(options.settings.partners) == {"42": SECRET, "43": OTHER, "44": "third"}
    assert options.warnings == ()
    text = banner(options, 8642)
    assert SECRET not in text and OTHER not in text
    assert f"partner 42  secret: from ${PARTNERS_ENV} (not shown)" in text
    assert "100500" not in text  # the built-in partner steps aside once partners are given


def test_partners_from_a_named_environment_variable() -> None:
    options = parse_options(["--partner-env", "MY_PARTNERS"], environ={"MY_PARTNERS": f"42:{SECRET}"})
    assert dict(options.settings.partners) == {"42": SECRET}
    assert "from $MY_PARTNERS" in banner(options, 8642)


def test_partners_from_a_private_file_with_comments(tmp_path: Path) -> None:
    path = _private(tmp_path / "partners", f"# test partners\n\n42:{SECRET}\r\n  43:{OTHER}  \n")
    options = parse_options(["--partners-file", str(path)], environ={})
    assert dict(options.settings.partners) == {"42": SECRET, "43": OTHER}
    assert f"from {path} line 3" in banner(options, 8642)
    assert options.warnings == ()


def test_every_source_at_once(tmp_path: Path) -> None:
    path = _private(tmp_path / "partners", "44:from-file\n")
    options = parse_options(
        ["--partner", f"42:{SECRET}", "--partner-env", "VAR", "--partners-file", str(path)],
        environ={"VAR": "43:from-var", PARTNERS_ENV: "45:from-default"},
    )
    assert dict(options.settings.partners) == {
        "42": SECRET,
        "43": "from-var",
        "44": "from-file",
        "45": "from-default",
    }


def test_a_secret_on_the_command_line_warns(capsys: pytest.CaptureFixture[str]) -> None:
    options = parse_options(["--partner", f"42:{SECRET}"], environ={})
    (warning,) = options.warnings
    assert "partner 42" in warning and "ps" in warning and "--partners-file" in warning
    assert SECRET not in warning
    # The public built-in partner is no secret: no warning for it.
    assert parse_options(["--partner", "100500:sandbox-secret"], environ={}).warnings == ()


def test_the_warning_reaches_stderr_before_serving(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "run", lambda options, out: 0)
    assert main(["--partner", f"42:{SECRET}"]) == 0
    err = capsys.readouterr().err
    assert "warning: the secret of partner 42 is on the command line" in err and SECRET not in err


def test_a_group_readable_file_is_refused_with_the_chmod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "partners"
    path.write_text(f"42:{SECRET}\n")
    path.chmod(0o640)
    err = _refused(["--partners-file", str(path)], capsys, monkeypatch)
    assert "--partners-file" in err and f"chmod 600 {path}" in err and "0640" in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f"42:{SECRET}\n{SECRET}\n", "line 2"),
        (f"42:{SECRET}\n:{SECRET}\n", "line 2"),
        ("42:\n", "line 1"),
        ("# only a comment\n", "no partner"),
        (f"42:{SECRET}\n42:{OTHER}\n", "line 2"),
    ],
)
def test_a_bad_file_names_the_line_never_the_secret(
    tmp_path: Path,
    text: str,
    where: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _private(tmp_path / "partners", text)
    err = _refused(["--partners-file", str(path)], capsys, monkeypatch)
    assert "--partners-file" in err and where in err, err


def test_a_missing_file_a_folder_and_a_fifo_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    for path, hint in [
        (tmp_path / "missing", "No such file"),
        (tmp_path, "not a regular file"),
        (fifo, "not a regular file"),
    ]:
        err = _refused(["--partners-file", str(path)], capsys, monkeypatch)
        assert "--partners-file" in err and hint in err, err


def test_a_file_that_is_not_text_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "partners"
    path.write_bytes(b"42:\xff\xfe\n")
    path.chmod(0o600)
    assert "not UTF-8" in _refused(["--partners-file", str(path)], capsys, monkeypatch)


@pytest.mark.parametrize(
    ("argv", "environ", "hint"),
    [
        (["--partner-env", "UNSET"], {}, "UNSET is not set"),
        (["--partner-env", "EMPTY"], {"EMPTY": " "}, "EMPTY is not set or empty"),
        (["--partner-env", "VAR"], {"VAR": SECRET}, "$VAR entry 1"),
        ([], {PARTNERS_ENV: f"42:{SECRET},{OTHER}"}, f"${PARTNERS_ENV} entry 2"),
        (["--partner", f"42:{SECRET}"], {PARTNERS_ENV: f"42:{OTHER}"}, "another secret"),
    ],
)
def test_bad_environment_partners_are_named_never_shown(
    argv: list[str],
    environ: dict[str, str],
    hint: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    err = _refused(argv, capsys, monkeypatch)
    assert hint in err, err


def test_a_mistyped_flag_does_not_echo_its_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = _refused(["--partnr", f"42:{SECRET}"], capsys, monkeypatch)
    assert "--partnr" in err


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads argv from /proc")
def test_a_served_sandbox_takes_partners_from_a_file_and_keeps_them_out_of_argv(
    tmp_path: Path, kit: Any, served_factory: Any
) -> None:
    path = _private(tmp_path / "partners", f"42:{SECRET}\n43:{OTHER}\n")
    served = served_factory("--partners-file", str(path), "--delay", "0")
    try:
        with open(f"/proc/{served.process.pid}/cmdline", "rb") as handle:
            argv = handle.read()
        assert SECRET.encode() not in argv
        for auth_id, secret in (("42", SECRET), ("43", OTHER)):
            body = kit.compact({"limit": 1})
            headers = kit.headers("/sandbox/snapshot", body, auth_id=auth_id, secret=secret)
            answer = httpx.post(
                served.base_url + "/sandbox/snapshot", content=body, headers=headers, timeout=10
            )
            assert answer.json()["status"] == "ok", answer.text
        assert SECRET not in served.banner and OTHER not in served.banner
    finally:
        code, _, err = served.stop()
    assert code == 0 and SECRET not in err
