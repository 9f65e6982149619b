"""The card detail shows why a card is blocked (the API's reason, else the one typed in the last
block from here), this console's last changes to it, and its limits ("none set" when none)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from form_helpers import type_text
from snapshot_apps import confirm, make_app, press_for_form, select_row, settle, wait_ready, wait_until
from textual.pilot import Pilot

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.card_history import CardChange, status_reason
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


def detail_text(app: Any) -> str:
    screen = app.screen
    assert isinstance(screen, CardsScreen)
    return "\n".join(line.text.rstrip() for line in screen.detail._lines)


async def block(pilot: Pilot[Any], reason: str) -> None:
    form = await press_for_form(pilot, "b")
    await type_text(pilot, "#field-description", reason)
    await pilot.press("ctrl+s")
    await confirm(pilot)
    await wait_until(pilot, lambda: form.phase == "success")
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CardsScreen))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_blocked_cards_detail_says_why_and_lists_the_last_changes(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_ready(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        card = next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
        card_id = str(card["card_id"])
        await wait_until(pilot, lambda: app.screen.table.move_to_key(card_id))  # type: ignore[attr-defined]
        await select_row(pilot, card_id)
        assert "Last changes" not in detail_text(app)

        await block(pilot, "lost")
        await wait_until(pilot, lambda: "Last changes" in detail_text(app))
        await settle(pilot)
        text = detail_text(app)
        assert "reason" in text and "lost" in text
        assert "block · success" in text.replace("\n", " ").replace("  ", " ") or "block ·" in text
        assert "2026-05-14" in text  # with the year, in the local zone


def test_the_reason_comes_from_the_api_else_from_the_last_block_made_here() -> None:
    at = datetime(2026, 5, 14, 4, 30, tzinfo=UTC)
    changes = [
        CardChange(at, "card.set_pin", "success", ""),
        CardChange(at, "card.block", "error", "typo"),
        CardChange(at, "card.block", "success", "lost"),
    ]
    assert status_reason("blocked", {}, changes) == "lost"
    assert status_reason("blocked", {"status_reason": "fraud"}, changes) == "fraud"
    assert status_reason("active", {"status_reason": "fraud"}, changes) == ""
    assert status_reason("closed", {}, changes) == ""
    assert CardChange(at, "card.block", "success", "lost").what == "block · success · “lost”"
