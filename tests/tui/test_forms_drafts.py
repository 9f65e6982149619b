"""Drafts: saved as the user types (debounced, never secrets), restored on open, clearable."""

from __future__ import annotations

import pytest
from form_helpers import FakeBackend, FormHost, text_of, type_text
from textual.widgets import Button, Input, Select, Static

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen

SIZE = (80, 24)


def host(method: api.Method, backend: FakeBackend, initial: dict[str, str] | None = None) -> FormHost:
    return FormHost(lambda: RequestFormScreen(method, form_key=method.name, initial=initial), backend)


def form(app: FormHost) -> RequestFormScreen:
    assert isinstance(app.screen, RequestFormScreen)
    return app.screen


async def test_drafts_are_debounced_and_never_hold_the_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    # Typing keeps pushing the save back: with a delay no loaded machine's key gap reaches, not
    # one save happens while typing (with 0.5 s, a slow CI run saved between keys).
    monkeypatch.setattr(RequestFormScreen, "DRAFT_DELAY", 3600.0)
    backend = FakeBackend()
    app = host(api.CARD_SET_PIN, backend)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "#field-card_id", "700")
        await type_text(pilot, "#field-pin", "12")
        await type_text(pilot, "#field-pin-repeat", "12")
        assert backend.draft_saves == []  # not one save per key
        form(app).save_draft()  # what the timer runs once typing pauses
        await pilot.pause()
    assert backend.draft_saves == [("card.set_pin", {"card_id": "700"})]


async def test_a_draft_is_restored_and_can_be_cleared() -> None:
    backend = FakeBackend(
        drafts={"client.add": {"product_id": "2000", "client.first_name": "ALIYA", "pin": "x"}}
    )
    app = host(api.CLIENT_ADD, backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        assert screen.query_one("#field-client_first_name", Input).value == "ALIYA"
        assert screen.query_one("#field-product_id", Select).value == "2000"
        assert text_of(screen.query_one("#notice", Static)) == "Draft restored from last time."
        clear = screen.query_one("#clear-draft", Button)
        assert clear.display and clear.region.area > 0

        await pilot.click("#clear-draft")
        await pilot.pause()
        assert screen.query_one("#field-client_first_name", Input).value == ""
        assert screen.query_one("#field-product_id", Select).value is Select.NULL
        assert "client.add" not in backend.drafts
        assert not screen.query_one("#notice-row").has_class("-shown")


async def test_ctrl_d_clears_a_restored_draft_from_a_text_field_and_deletes_right_otherwise() -> None:
    """QA: ctrl+d did nothing in a text field (the box's own delete-right took it): the key only
    worked on a select or a button, where few start from."""
    backend = FakeBackend(drafts={"client.add": {"client.first_name": "ALIYA", "client.last_name": "SERIK"}})
    app = host(api.CLIENT_ADD, backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        last_name = screen.query_one("#field-client_last_name", Input)
        last_name.focus()
        await pilot.pause()
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert screen.query_one("#field-client_first_name", Input).value == ""
        assert "client.add" not in backend.drafts
        # No draft left: ctrl+d is the box's again (delete the character right of the cursor).
        await type_text(pilot, "#field-client_last_name", "ABC")
        await pilot.press("home", "ctrl+d")
        assert last_name.value == "BC"


async def test_the_callers_values_win_over_a_draft() -> None:
    backend = FakeBackend(drafts={"card.block": {"card_id": "7000001", "description": "Lost"}})
    app = host(api.CARD_BLOCK, backend, initial={"card_id": "7009999"})
    async with app.run_test(size=SIZE):
        screen = form(app)
        assert screen.query_one("#field-card_id", Input).value == "7009999"
        assert screen.query_one("#field-description", Input).value == "Lost"


async def test_keep_as_draft_on_leaving() -> None:
    backend = FakeBackend()
    app = host(api.CARD_BLOCK, backend)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "#field-description", "Lost")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#leave-keep")
        await pilot.pause()
    assert app.results == [None]
    assert backend.drafts == {"card.block": {"description": "Lost"}}


async def test_what_was_sent_is_no_longer_a_draft_even_when_left_in_process() -> None:
    """Leaving a form while its request is in process must not keep what was sent as a draft:
    reopened, it would go out again with a new request_id — a second transaction."""
    from form_helpers import make_result, set_fields

    rid = "828cf71d-a447-4a67-a149-c1df8bc197ca"
    backend = FakeBackend(answers=[make_result(api.CARD_BLOCK, rid, request_status="process")])
    app = host(api.CARD_BLOCK, backend)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "#field-description", "Lost")
        await pilot.pause(RequestFormScreen.DRAFT_DELAY + 0.1)
        assert backend.drafts == {"card.block": {"description": "Lost"}}  # a draft while typing
        set_fields(form(app), {"card_id": "7001234"})
        await pilot.pause(0.05)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form(app).phase == "process"
        assert "card.block" not in backend.drafts  # gone as soon as it went out
        await pilot.pause(RequestFormScreen.DRAFT_DELAY + 0.1)  # a pending debounce saves nothing
        await pilot.press("escape")
        await pilot.pause()
    assert "card.block" not in backend.drafts
    assert [saved for saved in backend.draft_saves if saved[1].get("card_id")] == []


class ExitsAsTheFormOpens(FormHost):
    """The console stopped (a signal, the SSH link dropped) in the instant a form opened."""

    def on_mount(self) -> None:
        super().on_mount()
        self.exit()


async def test_a_stop_as_a_form_with_a_draft_opens_is_no_traceback() -> None:
    """QA 25: a SIGHUP or SIGTERM a moment after `n` printed a NoMatches traceback: the form's
    on_mount ran after the stop had taken its widgets away. The draft itself stays."""
    backend = FakeBackend(drafts={"client.add": {"client.phone": "7701"}})
    app = ExitsAsTheFormOpens(lambda: RequestFormScreen(api.CLIENT_ADD, form_key="client.add"), backend)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    assert app.return_code == 0
    assert backend.drafts == {"client.add": {"client.phone": "7701"}}
