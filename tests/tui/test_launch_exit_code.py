"""A console that ends on an unexpected error exits non-zero: Textual's run() returns None after
a crash (the error is in app.return_code), and a wrapper script must not read that as success."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from fpconsole.tui import launch
from fpconsole.tui.app import FpConsoleApp


def test_a_crash_in_the_console_is_not_exit_0(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crashed_run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> None:
        # What App.run does when a handler raises: the traceback is shown, the code is 1.
        self._return_code = 1
        return None

    monkeypatch.setattr(FpConsoleApp, "run", crashed_run)
    assert launch.run_console(profile=None, theme=None, read_only=False) == 1


def test_a_normal_quit_is_exit_0(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def quit_run(self: FpConsoleApp, *args: Any, **kwargs: Any) -> None:
        self._return_code = 0
        return None

    monkeypatch.setattr(FpConsoleApp, "run", quit_run)
    assert launch.run_console(profile=None, theme=None, read_only=False) == 0


def test_without_a_terminal_on_stdin_the_console_says_so_and_does_not_start(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(launch, "reads_a_terminal", lambda: False)
    monkeypatch.setattr(FpConsoleApp, "run", lambda self, *args, **kwargs: started.append(True))
    assert launch.run_console(profile=None, theme=None, read_only=False) == 2
    assert started == []
    err = capsys.readouterr().err
    assert "standard input is not one" in err and "fpconsole call" in err
    assert not (isolated_home / "sandbox").exists()  # no first start begun either


def test_fpconsole_with_stdin_from_dev_null_ends_at_once_and_says_why(isolated_home: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "fpconsole"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FPCONSOLE_HOME": str(isolated_home)},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("fpconsole: the console reads its keys from a terminal")


@pytest.mark.parametrize(
    ("drafts", "in_process", "said"),
    [
        (0, 0, "stopped by SIGINT"),
        (1, 0, "stopped by SIGINT: 1 open form kept as a draft"),
        (
            2,
            1,
            "stopped by SIGINT: 2 open forms kept as drafts; 1 request in process, followed again at the "
            "next start",
        ),
        (0, 3, "stopped by SIGINT; 3 requests in process, followed again at the next start"),
    ],
)
def test_the_stop_says_drafts_only_when_a_form_kept_one(drafts: int, in_process: int, said: str) -> None:
    # QA 24: "open forms kept as drafts" after a stop with no form open.
    assert launch.stop_summary(signal.SIGINT, in_process, drafts) == said
