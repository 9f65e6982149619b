"""QA18 finding 6 against the embedded sandbox: card.block with a 100 % timeout fault (applied,
never answered). The console's client gives up after its read timeout (made short here), the
form shows the unknown step while request/status is asked with the same request_id, and then
the answer; card.block went out once."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from form_helpers import set_fields, text_of
from snapshot_apps import (
    confirm,
    embedded_profile,
    make_app,
    press_for_form,
    select_row,
    wait_ready,
    wait_until,
)
from textual.widgets import Static

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)


async def test_a_timed_out_block_shows_the_unknown_step_then_its_answer() -> None:
    resolved = embedded_profile()
    quick = dataclasses.replace(
        resolved, profile=dataclasses.replace(resolved.profile, read_timeout=0.3, connect_timeout=0.2)
    )
    app = make_app(profile=quick)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        app.engine.set_controls(
            PARTNER, faults={"methods": {"card.block": {"timeout_rate": 1.0}}, "hold_s": 600}
        )
        card_id = next(
            str(card["card_id"])
            for card in app.engine.snapshot(partner=PARTNER)["cards"]
            if card["status"] == "active"
        )
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await select_row(pilot, card_id)
        form = await press_for_form(pilot, "b")
        set_fields(form, {"description": "lost"})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await confirm(pilot)

        def status() -> str:
            return text_of(form.query_one("#status", Static))

        await wait_until(pilot, lambda: "success" in status(), timeout=30)
        final = status()
        assert final.startswith("sent → outcome unknown — polling request/status with the same request_id")
        assert "→ success" in final
        assert app.backend is not None
        blocks = [e for e in app.backend.journal.entries(limit=100) if e.method == "card.block"]
        assert len(blocks) == 1  # never resent
        cards: list[dict[str, Any]] = app.engine.snapshot(partner=PARTNER)["cards"]
        assert next(c for c in cards if str(c["card_id"]) == card_id)["status"] == "blocked"
