"""Sandbox section snapshots at 80x24 and 120x40: a top-up of the card selected in Cards, done; a
top-up refused under its box; faults in force (the panel and the top bar's warning)."""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import SIZES, make_app, select_row, settle, wait_ready, wait_until
from textual.pilot import Pilot

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.sandbox import SandboxScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

BOTH_SIZES = pytest.mark.parametrize("size", list(SIZES))


async def open_sandbox(pilot: Pilot[Any], *, card_status: str | None = None) -> SandboxScreen:
    """F7, after selecting the first seeded card in `card_status` in Cards (F3) when given."""
    await wait_ready(pilot)
    if card_status is not None:
        app = pilot.app
        cards = app.engine.snapshot(partner=PARTNER)["cards"]  # type: ignore[attr-defined]
        card_id = next(card["card_id"] for card in cards if card["status"] == card_status)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        await select_row(pilot, card_id)
    await pilot.press("f7")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SandboxScreen))
    screen = pilot.app.screen
    assert isinstance(screen, SandboxScreen)
    await settle(pilot)
    return screen


async def quiet(pilot: Pilot[Any], screen: SandboxScreen) -> None:
    await wait_until(pilot, lambda: not screen.busy)
    await settle(pilot)


@BOTH_SIZES
def test_sandbox_top_up_done(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await open_sandbox(pilot, card_status="active")
        await pilot.press("t", "tab", *"2500.50", "enter")
        await quiet(pilot, screen)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])


@BOTH_SIZES
def test_sandbox_top_up_refused_in_place(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await open_sandbox(pilot)
        await pilot.press("t", *"7001001", "tab", *"12,50", "tab", *["backspace"] * 3, *"XYZ", "enter")
        await quiet(pilot, screen)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])


@BOTH_SIZES
def test_sandbox_faults_in_force(snap_compare: Any, size: str) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await open_sandbox(pilot)
        await pilot.press("f", "tab", *"200ms", "tab", *"30%", "enter")
        await quiet(pilot, screen)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=SIZES[size])
