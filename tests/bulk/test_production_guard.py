"""`fpconsole bulk` on a production profile: nothing is sent without --yes or, on a terminal,
the number of rows to send typed back (the rule `call` follows, fpconsole/production_guard.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fpconsole.cli import main


class Terminal(io.StringIO):
    """What the user types at a terminal (stdin that says it is a tty)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A production profile 'live' whose requests reach the embedded sandbox; the paths sent."""
    from fpconsole.api.events import RequestSent
    from fpconsole.config import Profile, ResolvedProfile
    from fpconsole.session import Session, open_session

    paths: list[str] = []

    def live_session(**_: Any) -> Session:
        real = open_session(journal=False)
        real.client.subscribe(lambda event: isinstance(event, RequestSent) and paths.append(event.path))
        live = Profile(
            name="live", kind="production", base_url="https://card-api.test", auth_id="100500",
            secret_env="FP_LIVE_SECRET", read_only=False,
        )  # fmt: skip
        return Session(
            real.client, ResolvedProfile(live, host=live.host, embedded=True), closers=real.closers
        )

    monkeypatch.setattr("fpconsole.session.open_session", live_session)
    return paths


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["bulk", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_without_a_terminal_bulk_on_production_needs_yes(
    capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = bulk_csv(3, bad=False)
    code, out, err = run(capsys, str(path))
    assert code == 2, err
    assert "fpconsole bulk: profile live is production (card-api.test) and" in err
    assert "nothing was sent" in err and "--yes" in err
    assert sent == [] and out == ""
    assert not (path.parent / "clients.result.csv").exists()


def test_yes_sends_bulk_on_production(capsys: Any, bulk_csv: Any, sent: list[str]) -> None:
    code, out, err = run(capsys, str(bulk_csv(3, bad=False)), "--yes")
    assert code == 0, err
    assert "3 done · 0 failed" in out
    assert "production" not in err
    assert sent  # clients and cards went out


def test_on_a_terminal_the_question_shows_profile_host_file_and_rows(
    capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_csv(9)  # line 7 is bad: 8 rows to send
    monkeypatch.setattr("sys.stdin", Terminal("8\n"))
    code, out, err = run(capsys, str(path))
    assert code == 1, err  # the bad row fails, the rest are done
    assert "fpconsole bulk: profile live is production (card-api.test); bulk onboarding changes state:" in err
    assert f"{path}: 9 rows, 8 to send (1 bad, not sent)" in err
    assert "Type 8 to send them" in err
    assert "8 done · 1 failed" in out and sent


@pytest.mark.parametrize("typed", ["y\n", "yes\n", "4\n", "\n", ""], ids=repr)
def test_on_a_terminal_anything_else_cancels(
    capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    path = bulk_csv(3, bad=False)
    monkeypatch.setattr("sys.stdin", Terminal(typed))
    code, out, err = run(capsys, str(path))
    assert code == 2
    assert "fpconsole bulk: not confirmed; nothing was sent (--yes skips this question)" in err
    assert sent == [] and out == ""


def test_a_resumed_run_counts_only_the_rows_left(
    capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bulk_csv(4, bad=False)
    assert run(capsys, str(path), "--yes")[0] == 0
    sent.clear()
    monkeypatch.setattr("sys.stdin", Terminal("0\n"))
    code, out, err = run(capsys, str(path))
    # Nothing is left to send: no question, nothing sent, the summary as before.
    assert code == 0, err
    assert "Type" not in err and sent == []
    assert "4 done (4 by an earlier run)" in out


def test_ctrl_c_at_the_question_sends_nothing(
    capsys: Any, bulk_csv: Any, sent: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupted(Terminal):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupted(""))
    code, _, err = run(capsys, str(bulk_csv(3, bad=False)))
    assert code == 130
    assert err.endswith("\nfpconsole bulk: interrupted; nothing was sent\n")
    assert sent == []


@pytest.mark.slow
def test_the_question_on_a_real_terminal(isolated_home: Path, bulk_csv: Any) -> None:
    # A real process, a pty for stdin and a production profile from config.toml: the question
    # appears before anything is sent (the host does not exist), a wrong answer sends nothing.
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[profiles.live]\nkind = "production"\nbase_url = "https://card-api.test"\n'
        'auth_id = "100500"\nsecret_env = "FP_GUARD_TEST_SECRET"\nread_only = false\n'
    )
    path = bulk_csv(2, bad=False)
    master, slave = os.openpty()
    argv = [sys.executable, "-m", "fpconsole", "--profile", "live", "bulk", str(path)]
    env = {**os.environ, "FP_GUARD_TEST_SECRET": "s3cret"}
    process = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    try:
        assert process.stderr is not None
        seen = b""
        while b"Type 2 to send them" not in seen:
            chunk = process.stderr.read1(4096)  # type: ignore[attr-defined]
            assert chunk, seen  # the process ended without asking
            seen += chunk
        assert b"profile live is production (card-api.test)" in seen
        os.write(master, b"3\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2, err
    assert b"not confirmed; nothing was sent" in err
    assert out == b""
