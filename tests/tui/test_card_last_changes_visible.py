"""Cards at 80x24 (QA 11i): the card's "Last changes" stays in view once its detail has loaded.

Why it vanished: the section came last, after Balance and Limits. In the narrow panel (29 cells)
their lines wrap, so when the fetch answered they grew and pushed "Last changes" below the
panel's bottom edge: it showed (as the previous card's placeholders, or on a card without
limits) and then went out of view. It now follows the card's own lines, above what may grow."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import type_text
from snapshot_apps import confirm, make_app, press_for_form, select_row, settle, wait_ready, wait_until
from textual.pilot import Pilot

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


def painted_detail(app: Any) -> str:
    """What the detail pane shows on screen (not what it holds below its bottom edge)."""
    screen = app.screen
    assert isinstance(screen, CardsScreen)
    region = screen.detail.region
    lines = [strip.text for strip in screen._compositor.render_strips()]
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


async def block(pilot: Pilot[Any], card_id: str) -> None:
    await select_row(pilot, card_id)
    form = await press_for_form(pilot, "b")
    await type_text(pilot, "#field-description", "lost")
    await pilot.press("ctrl+s")
    await confirm(pilot)
    await wait_until(pilot, lambda: form.phase == "success", timeout=20)
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))


async def test_last_changes_stay_in_view_at_80x24_on_a_card_with_limits() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        screen = app.screen
        assert isinstance(screen, CardsScreen)
        engine_cards = app.engine.snapshot(partner=PARTNER)["cards"]
        active = [str(c["card_id"]) for c in engine_cards if c["status"] == "active"]
        first, other = active[0], active[1]
        for card_id in (first, other):  # another card with changes: its shape is the placeholder
            await wait_until(pilot, lambda card_id=card_id: screen.table.move_to_key(card_id))
            await block(pilot, card_id)
        await select_row(pilot, first)
        await settle(pilot)
        shown = painted_detail(app)
        assert "Limits" in "\n".join(line.text for line in screen.detail._lines)  # a card with limits
        assert "Last changes" in shown, shown
        assert "block ·" in shown, shown
