"""Clients detail: a cursor move reads the client's cards from the cache once, and once more
after the fetch has written them, however many times the detail and its state need them (four
lookups per move and four more after the fetch once cost 20 ms each at 100,000 cards)."""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import make_app, settle, wait_ready

from fpconsole.api.names import MethodName
from fpconsole.tui import data
from fpconsole.tui.screens.clients import ClientsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


async def test_one_card_lookup_per_settled_move_and_one_after_the_fetch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lookups: list[str | None] = []
    fetch_cards = data.fetch_cards

    def counted(*args: Any, **kwargs: Any) -> Any:
        lookups.append(kwargs.get("client_id"))
        return fetch_cards(*args, **kwargs)

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        monkeypatch.setattr(data, "fetch_cards", counted)
        assert app.backend is not None
        journal = app.backend.journal

        def card_reads() -> int:
            return [entry.method for entry in journal.entries(limit=1000)].count(MethodName.CLIENT_CARDS)

        before = card_reads()
        await pilot.press("down")
        await settle(pilot)
        row = screen.table.current_row
        assert row is not None
        assert card_reads() == before + 1  # the fetch ran and wrote the client's cards
        # One lookup for the move (detail and its state), one after client.cards wrote the cache.
        assert lookups == [row.key, row.key], lookups
