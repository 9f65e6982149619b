"""A console that ends on an unexpected error exits non-zero: Textual's run() returns None after
a crash (the error is in app.return_code), and a wrapper script must not read that as success."""

from __future__ import annotations

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
