"""Snapshots (80x24 and 120x40) of what saved views and the pager add: a qualifier the list does
not take, named under the filter box; the name dialog of `w`; a saved view opened with `:view`;
the raw JSON of a request shown in the console where there is no pager."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from snapshot_apps import SIZES, make_app, settle, wait_ready, wait_until
from textual.pilot import Pilot

from fpconsole import pager
from fpconsole.tui.saved_views import ViewNameScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.text_pager import TextView

pytestmark = pytest.mark.usefixtures("deterministic_console")

Steps = Callable[[Pilot[Any]], Awaitable[None]]
BOTH_SIZES = pytest.mark.parametrize("size", list(SIZES))


def snap(snap_compare: Any, size: str, steps: Steps) -> bool:
    app = make_app()

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot)
        await steps(pilot)
        await settle(pilot)

    return bool(snap_compare(app, terminal_size=SIZES[size], run_before=run_before))


async def to_cards(pilot: Pilot[Any]) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
    await settle(pilot)


@BOTH_SIZES
def test_an_unknown_qualifier_is_named_under_the_filter(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot)
        await pilot.press("slash", *"status:blocked colour:red")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_save_view_dialog(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot)
        await pilot.press("slash", *"status:blocked", "enter", "w")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ViewNameScreen))
        await pilot.press(*"blocked")

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_a_saved_view_opened_with_the_command_line(snap_compare: Any, size: str) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        await to_cards(pilot)
        await pilot.press("slash", *"status:blocked", "enter", "w")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ViewNameScreen))
        await pilot.press(*"blocked", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
        await pilot.press("escape", "f2", "colon", *"view blocked", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))
        pilot.app.clear_notifications()

    assert snap(snap_compare, size, steps)


@BOTH_SIZES
def test_raw_json_shown_in_the_console_without_a_pager(
    snap_compare: Any, size: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pager.shutil, "which", lambda name: None)
    monkeypatch.delenv("PAGER", raising=False)

    async def steps(pilot: Pilot[Any]) -> None:
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, RequestsScreen))
        await settle(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TextView))

    assert snap(snap_compare, size, steps)
