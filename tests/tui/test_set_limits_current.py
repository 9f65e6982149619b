"""Set limits shows the limits in force for its object, and a type and period that already has
a limit fills in its current maximum."""

from __future__ import annotations

import pytest
from form_helpers import set_fields, text_of
from snapshot_apps import make_app, press_for_form, select_row, submit_form, wait_ready, wait_until
from textual.widgets import Input, Static

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.limits import SetLimitsForm, current_text
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


def note(form: SetLimitsForm) -> str:
    return text_of(form.query_one("#current-limits", Static))


async def test_set_limits_lists_the_current_limits_and_fills_the_matching_one() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        card = next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
        card_id = str(card["card_id"])
        await wait_until(pilot, lambda: app.screen.table.move_to_key(card_id))  # type: ignore[attr-defined]
        await select_row(pilot, card_id)

        form = await press_for_form(pilot, "L")
        assert isinstance(form, SetLimitsForm)
        await wait_until(pilot, lambda: "reading" not in note(form))
        # The seeded card has a pay/day limit of 200000 KZT (the sandbox's limits.list).
        assert note(form).startswith(f"Current limits of card {card_id}:\n")
        assert "pay/day  max 200000 KZT" in note(form)
        maximum = form.query_one("#field-limits_0_amount_0_value", Input)
        assert maximum.value == ""
        set_fields(form, {"limits.0.transaction_type": "pay", "limits.0.period": "day"})
        await wait_until(pilot, lambda: maximum.value != "")
        assert maximum.value == "200000"  # the current figure, to edit

        maximum.value = "50000"
        await pilot.pause()
        await submit_form(pilot, form)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        form = await press_for_form(pilot, "L")
        assert isinstance(form, SetLimitsForm)
        await wait_until(pilot, lambda: "pay/day  max 50000 KZT" in note(form))


def test_the_note_says_when_the_limits_could_not_be_read() -> None:
    assert (
        current_text("card 7001", None, "not connected")
        == "Current limits of card 7001: not read (not connected)."
    )
    lines = current_text(
        "card 7001",
        [{"transaction_type": "pay", "period": "day", "max": "10", "currency": "KZT", "available": "4"}],
    )
    assert lines.splitlines()[1] == "  pay/day  max 10 KZT · 4 left"
