"""After a card is issued (or a client added) the form offers to open it: `o` (or its button)
closes the form and shows the new card selected in Cards."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import set_fields
from snapshot_apps import make_app, press_for_form, submit_form, wait_ready, wait_until
from textual.widgets import Button

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.created import created_by
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.clients import ClientsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")


def footer_keys(app: Any) -> dict[str, str]:
    return {b.description: b.key for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}


async def test_o_on_an_issued_cards_form_opens_the_card_in_cards() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        client = app.engine.snapshot(partner=PARTNER)["clients"][3]
        form = await press_for_form(pilot, "f3", "n")
        set_fields(form, {"client_id": str(client["client_id"]), "product_id": str(client["product_id"])})
        await pilot.pause()
        assert not form.query_one("#open-created", Button).display  # nothing created yet
        assert "Open the new card" not in footer_keys(app)
        await submit_form(pilot, form)
        card_id = str(form.response["cards"][0]["card_id"])

        button = form.query_one("#open-created", Button)
        assert button.display and str(button.label) == f"Open card {card_id} o"
        assert footer_keys(app)["Open the new card"] == "o"
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        screen = app.screen
        assert isinstance(screen, CardsScreen)
        await wait_until(pilot, lambda: (row := screen.table.current_row) is not None and row.key == card_id)
        assert form.outcome() is not None and form.outcome().succeeded  # type: ignore[union-attr]


async def test_the_button_opens_a_new_client_in_clients() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        form = await press_for_form(pilot, "n")
        set_fields(
            form,
            {
                "product_id": "2000",
                "client.phone": "+7 701 765-43-21",
                "client.type": "1",
                "client.resident": "1",
                "client.first_name": "ALIYA",
                "client.last_name": "SADYKOVA",
            },
        )
        await pilot.pause()
        await submit_form(pilot, form)
        client_id = str(form.response["client_id"])
        assert str(form.query_one("#open-created", Button).label) == f"Open client {client_id} o"
        await pilot.click("#open-created")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientsScreen))
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        await wait_until(
            pilot, lambda: (row := screen.table.current_row) is not None and row.key == client_id
        )


def test_only_one_created_thing_is_offered() -> None:
    assert created_by("card.issue", {"cards": [{"card_id": "7001"}]}).key == "7001"  # type: ignore[union-attr]
    assert created_by("card.issue", {"cards": [{"card_id": "7001"}, {"card_id": "7002"}]}) is None
    assert created_by("card.bulk_issue", {"cards": [{"card_id": "7001"}]}) is None
    assert created_by("client.add", {"client_id": "CL-1"}).command == "client CL-1"  # type: ignore[union-attr]
    assert created_by("card.block", {"card_id": "7001"}) is None
