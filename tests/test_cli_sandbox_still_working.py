"""`fpconsole sandbox backup load` on a large sandbox took two minutes and said "no answer" after
30 s although it went on and succeeded (QA 20). It now waits for the answer, and once none has
come for a while one stderr line says the sandbox is still working and how long the CLI waits.
The sandbox answers only once that line is on stderr, so the order is shown by the command
itself, not by a clock. stdout stays what the command prints."""

from __future__ import annotations

import contextlib
import io
import threading
from typing import Any

import pytest

from fpconsole import call_command, cli
from fpconsole.sandbox.engine.core import SandboxEngine

NOTICE = "still working"


class Stderr(io.StringIO):
    """stderr as the command sees it; the sandbox's thread can wait for the notice."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def write(self, text: str) -> int:
        if NOTICE in text:
            self.arrived.set()
        return super().write(text)


def test_a_backup_load_says_it_is_still_working_then_what_it_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sandbox", "backup", "save", "before"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(call_command, "QUIET_AFTER", 0.0)  # the notice as soon as the call is out
    stderr = Stderr()
    load = SandboxEngine.load_backup

    def slow_load(engine: SandboxEngine, *args: Any, **kwargs: Any) -> Any:
        stderr.arrived.wait(60)  # on the sandbox's thread, until the CLI said so; 60 s only against a hang
        return load(engine, *args, **kwargs)

    monkeypatch.setattr(SandboxEngine, "load_backup", slow_load)
    with contextlib.redirect_stderr(stderr):
        code = cli.main(["sandbox", "backup", "load", "before"])
    out = capsys.readouterr().out
    assert code == 0, stderr.getvalue()
    (line,) = [line for line in stderr.getvalue().splitlines() if NOTICE in line]
    assert line.startswith("fpconsole sandbox backup load: still working")
    assert "10 min" in line
    assert "before" in out  # what it loaded, as without the wait
