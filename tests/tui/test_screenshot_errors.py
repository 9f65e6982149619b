"""F8 when the screenshot cannot be written (full disk, a state folder that is a file or not
writable): the console says why and keeps running; it used to end with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from snapshot_apps import make_app, wait_ready, wait_until


async def test_a_screenshot_that_cannot_be_written_is_a_message_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the screenshots folder should be")
    app = make_app()
    monkeypatch.setattr(app, "screenshot_folder", lambda: blocker / "screenshots")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f8")
        await wait_until(pilot, lambda: any("Screenshot" in str(n.message) for n in app._notifications))
        messages = [str(n.message) for n in app._notifications]
        assert any("not saved" in m and str(blocker) in m for m in messages), messages
        assert app.is_running
