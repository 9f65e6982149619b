"""Every place that needs the connection says why it has none (the profile's real reason, as the
top bar and forms do), not a bare 'Not connected yet' that reads as 'wait a moment'."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_connection_state import qa_app, qa_unset, until  # noqa: F401  (qa_unset is a fixture)
from textual.widgets import Static

from fpconsole.tui.secret_view import SecretDataScreen


async def test_secret_data_on_a_broken_profile_says_why(qa_unset: Path) -> None:  # noqa: F811
    app = qa_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.connection.broken)
        app.push_screen(SecretDataScreen("7001001", "440043******2407"))
        await until(pilot, lambda: isinstance(app.screen, SecretDataScreen))
        await until(pilot, lambda: bool(app.screen.query("#values")))
        values = app.screen.query_one("#values", Static)
        await until(pilot, lambda: "Fetching" not in str(values.render()))
        assert "FP_QA_SECRET" in str(values.render())


async def test_copy_as_curl_on_a_broken_profile_says_why(
    qa_unset: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = qa_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.connection.broken)
        await pilot.press("f4")
        await until(pilot, lambda: app.current_mode == "requests")
        await pilot.pause()
        for notification in list(app._notifications):
            app._unnotify(notification)
        app.screen.copy_curl({})  # type: ignore[attr-defined]
        await until(pilot, lambda: bool(app._notifications))
        assert any("FP_QA_SECRET" in str(n.message) for n in app._notifications)
