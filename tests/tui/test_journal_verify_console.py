"""The console's part of the audit trail: the reason typed in a production confirmation reaches the
journal entry with the operator (as the top bar shows them) and keeps the chain intact."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import type_text
from snapshot_apps import SnapshotApp, confirm, make_app, press_for_form, select_row, wait_ready, wait_until

from fpconsole.api.names import MethodName
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.confirm import ConfirmScreen, last_four
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.widgets.top_bar import TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")


def _active_card(app: SnapshotApp) -> dict[str, Any]:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return next(card for card in cards if card["status"] == "active")


async def test_the_reason_confirmed_on_production_is_journalled_with_the_operator() -> None:
    app = make_app(kind="production")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        card = _active_card(app)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await select_row(pilot, card["card_id"])
        form = await press_for_form(pilot, "b")
        await type_text(pilot, "#field-description", "lost")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # The reason is the confirmation's to give: what is typed there is what is sent.
        app.screen.query_one("#confirm-reason").value = "Holder called, card stolen"  # type: ignore[attr-defined]
        await confirm(pilot, last4=last_four(card["card_mask"]))
        await wait_until(pilot, lambda: form.phase == "success")
        bars = [bar for screen in app.screen_stack for bar in screen.query(TopBar)]
        shown = bars[-1].user_host  # what the top bar under the form says
        assert app.backend is not None
        journal = app.backend.journal
        entry = next(e for e in journal.entries() if e.method == MethodName.CARD_BLOCK)
        assert entry.reason == "Holder called, card stolen"
        assert entry.operator == shown == "qa@jumphost"
        assert entry.profile == app.context.profile.name
        assert journal.verify().intact
