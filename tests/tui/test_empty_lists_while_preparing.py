"""While the sandbox is being opened (and on a first start seeded) and its first page is not in
the cache yet, the lists say so, not "No clients seen yet": that would be wrong at that moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from snapshot_apps import make_app, wait_until

from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.widgets.paged_table import PagedTable


def _list(app: Any) -> PagedTable:
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen.table


@pytest.fixture
def held_snapshot(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The sandbox's snapshot waits until the test sets the event (a seed in progress)."""
    release = threading.Event()
    snapshot = SandboxEngine.snapshot

    def held(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        assert release.wait(30), "the test never released the snapshot"
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", held)
    return release


async def test_the_lists_say_the_sandbox_is_being_prepared_until_its_first_page_is_listed(
    held_snapshot: threading.Event,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await wait_until(pilot, lambda: app.backend is not None)
            table = _list(app)
            assert table.row_count == 0
            assert "Preparing the sandbox" in table.empty_text
            assert "No clients seen yet" not in table.empty_text
            await pilot.press("f3")  # Cards: the same, it is primed from the same snapshot
            await wait_until(pilot, lambda: type(app.screen).__name__ == "CardsScreen")
            assert "Preparing the sandbox" in _list(app).empty_text
            await pilot.press("f2")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "ClientsScreen")
        finally:
            held_snapshot.set()
        await wait_until(pilot, lambda: _list(app).row_count > 0)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.waiting_for_data is None


async def test_an_empty_sandbox_says_no_clients_seen_once_its_snapshot_is_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        SandboxEngine, "snapshot", lambda engine, **kwargs: {"clients": [], "cards": [], "transactions": []}
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _list(app).row_count == 0
        assert _list(app).empty_text.startswith("No clients seen yet")


async def test_a_failed_first_listing_does_not_keep_saying_preparing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(SandboxEngine, "snapshot", broken)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.backend is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Preparing" not in _list(app).empty_text
        assert _list(app).empty_text.startswith("No clients seen yet")


async def test_without_a_backend_the_lists_say_what_they_always_said() -> None:
    app = make_app(start_backend=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.waiting_for_data is None


async def test_a_row_key_typed_before_the_rows_arrive_acts_on_the_first_row_once_listed(
    held_snapshot: threading.Event,
) -> None:
    # `i` (issue a card to the selected client) typed while the list was still empty did nothing
    # at all: the key was let through to a list without rows. It now waits for the rows.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await wait_until(pilot, lambda: app.backend is not None)
            assert _list(app).row_count == 0
            await pilot.press("i")
            await pilot.pause()
            assert type(app.screen).__name__ == "ClientsScreen"  # held, not lost
        finally:
            held_snapshot.set()
        await wait_until(pilot, lambda: type(app.screen).__name__ != "ClientsScreen")
        from textual.widgets import Input

        await wait_until(pilot, lambda: bool(app.screen.query("#field-client_id")))
        assert app.screen.query_one("#field-client_id", Input).value.startswith("CL-")


async def test_quit_is_never_held_by_a_list_that_is_still_loading(held_snapshot: threading.Event) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await wait_until(pilot, lambda: app.backend is not None)
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: not app.is_running)
        finally:
            held_snapshot.set()
