"""App-level news reaches screens through the app's `news` signal: a screen subscribes when it
mounts (in whatever section), and one that is gone hears nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fpconsole.api.events import RequestSent
from fpconsole.tui.app import ConsoleContext, FpConsoleApp
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.messages import ClientEventPosted, RequestUpdated
from fpconsole.tui.screens.requests import RequestsScreen

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def _sent(request_id: str) -> ClientEventPosted:
    return ClientEventPosted(RequestSent("card.block", "/v5/card-api/x", request_id, {}, {}, True, NOW))


async def test_a_list_under_another_section_hears_the_news(monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[object] = []
    original = RequestsScreen.on_app_news

    def recording(self: RequestsScreen, message: Any) -> None:
        heard.append(message)
        original(self, message)

    monkeypatch.setattr(RequestsScreen, "on_app_news", recording)
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await app.switch_mode("requests")
        await pilot.pause()
        await app.switch_mode("clients")  # Requests is now under another section's stack
        await pilot.pause()
        news = _sent("r-1")
        app.post_message(news)
        await pilot.pause()
        assert news in heard


async def test_a_form_hears_its_request_and_stops_once_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[object] = []
    original = RequestFormScreen.on_app_news

    def recording(self: RequestFormScreen, message: object) -> None:
        heard.append(message)
        original(self, message)

    monkeypatch.setattr(RequestFormScreen, "on_app_news", recording)
    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        app.open_form("client.add")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        update = RequestUpdated(request_id=form.request_id, method="client.add", outcome="success")
        app.post_message(update)
        await pilot.pause()
        assert update in heard
        form.dismiss(None)
        await pilot.pause()
        heard.clear()
        app.post_message(_sent("r-2"))
        await pilot.pause()
        assert heard == []


async def test_the_bar_of_a_section_out_of_view_shows_the_count_and_the_connection() -> None:
    from fpconsole.tui.connection import CONNECTING
    from fpconsole.tui.widgets.top_bar import TopBar

    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await app.switch_mode("requests")
        await pilot.pause()
        requests = app.screen
        await app.switch_mode("clients")
        await pilot.pause()
        app.post_message(_sent("r-3"))  # a state change sent, not answered: 1 in process
        await pilot.pause()
        app.set_connection(CONNECTING)
        await pilot.pause()
        bar = requests.query_one(TopBar)
        assert (bar.in_process, bar.connection) == (1, CONNECTING)
        await app.switch_mode("cards")  # a section opened later starts from the app's state
        await pilot.pause()
        later = app.screen.query_one(TopBar)
        assert (later.in_process, later.connection) == (1, CONNECTING)
