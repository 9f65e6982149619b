"""F7 never sits on "Save backup…" for minutes without a word: once a call has had no answer for
a while, its result line says the sandbox is still working and how long the console waits (a
backup load of a million transactions took two minutes, QA 20). The sandbox's answer waits for
that line, so the order is shown by the app, not by a clock."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import make_app, wait_ready, wait_until
from textual.widgets import Static

from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.tui.screens import sandbox as sandbox_screen
from fpconsole.tui.screens.sandbox import SandboxScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


async def test_a_long_backup_save_says_it_is_still_working_then_what_it_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox_screen, "STILL_WORKING_AFTER_S", 0.01)
    app = make_app()
    said_so = threading.Event()
    save = SandboxEngine.save_backup

    def slow_save(engine: SandboxEngine, *args: Any, **kwargs: Any) -> Any:
        said_so.wait(60)  # on the sandbox's thread, until the screen said it; the 60 s only against a hang
        return save(engine, *args, **kwargs)

    monkeypatch.setattr(SandboxEngine, "save_backup", slow_save)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, SandboxScreen))
        screen = app.screen
        assert isinstance(screen, SandboxScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()

        def seen() -> str:
            return text_of(screen.query_one("#result-backups", Static))

        await pilot.press("b", *"big", "enter")
        await wait_until(pilot, lambda: "still working" in seen())
        working = seen()
        assert working.startswith("Save backup… still working")
        assert "10 min" in working  # the wait it keeps for a call that rewrites the whole state
        said_so.set()
        await wait_until(pilot, lambda: seen() == "Saved backup big.")
