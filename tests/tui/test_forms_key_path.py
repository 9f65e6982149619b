"""A key in a form pays for its echo and nothing else; opening a form builds as little as it can.

Checking the form waits until typing pauses (the debounce is pushed out of reach here, so
nothing below depends on timing): a key does not check the form, an error already shown on the
field typed into is checked again right after the key is painted (it never lingers), a check
touches only the lines whose text changed, and a submit still checks everything at once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from form_helpers import FakeBackend, FormHost, count_layouts, text_of, type_text
from textual import events
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Select, Static

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.forms.spec import Condition, FieldSpec
from fpconsole.tui.forms.widgets import FieldRow

SIZE = (100, 40)


@pytest.fixture(autouse=True)
def no_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pause-driven check and draft save never fire during a test: what runs is what a key runs."""
    monkeypatch.setattr(RequestFormScreen, "VALIDATE_DELAY", 3600.0)
    monkeypatch.setattr(RequestFormScreen, "DRAFT_DELAY", 3600.0)


def host(method: api.Method = api.CLIENT_ADD, backend: FakeBackend | None = None) -> FormHost:
    return FormHost(
        lambda: RequestFormScreen(method, form_key=method.name, clock=lambda: 100.0),
        FakeBackend() if backend is None else backend,
    )


def form(app: FormHost) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen)
    return screen


def phone_error(screen: RequestFormScreen) -> str:
    return text_of(screen.query_one("#error-client_phone", Label))


async def typed_and_paused(pilot: Pilot[Any], screen: RequestFormScreen, phone: str) -> None:
    """`phone` typed into Phone, then the pause after it: the form checked, its error shown."""
    await type_text(pilot, "#field-client_phone", phone)
    screen._validate_typed()
    await pilot.pause()


async def test_a_key_neither_checks_the_form_nor_saves_the_draft(monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[object] = []
    original = RequestFormScreen.check

    def counted(self: RequestFormScreen, *args: Any) -> Any:
        checks.append(args)
        return original(self, *args)

    monkeypatch.setattr(RequestFormScreen, "check", counted)
    backend = FakeBackend()
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "#field-client_phone", "770")
        await pilot.pause()
        assert checks == [] and backend.draft_saves == []
        assert form(app).query_one("#field-client_phone", Input).value == "770"


async def test_an_error_shown_on_the_field_typed_into_is_checked_again_after_the_key() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await typed_and_paused(pilot, screen, "770")
        assert "3 digits" in phone_error(screen)
        await pilot.press(*"11234567")
        await pilot.pause()
        assert phone_error(screen) == ""  # right now, not after the next pause
        assert not screen.query_one("#error-client_phone").has_class("-shown")
        assert not screen.query_one("#field-client_phone").has_class("-invalid")


async def test_a_key_lays_nothing_out_even_with_an_error_rewritten_under_its_field() -> None:
    """A layout walks the form's 60 widgets; the echo and an error line that keeps its height
    only need their own lines repainted (bench/typing_latency.py: 7-8 ms of CPU a key became 4)."""
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await typed_and_paused(pilot, screen, "770")
        assert "got 3 digits" in phone_error(screen)
        layouts = count_layouts(screen)
        await pilot.press("1", "2")
        await pilot.pause()
        await pilot.pause()  # the check again after the key's paint
        assert "got 5 digits" in phone_error(screen)
        assert layouts == [0]
        await pilot.press(*"234567")  # now right: the error line goes, the rows below move up
        await pilot.pause()
        await pilot.pause()
        assert phone_error(screen) == ""
        assert layouts[0] > 0


async def test_a_new_mistake_waits_for_the_pause() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await type_text(pilot, "#field-client_phone", "7701")
        await pilot.pause()
        assert phone_error(screen) == ""  # still typing: no message under the field yet
        screen._validate_typed()
        await pilot.pause()
        assert "digits" in phone_error(screen)


async def test_a_check_touches_only_the_lines_whose_text_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await typed_and_paused(pilot, screen, "770")
        updated: list[str] = []
        original = Label.update

        def spy(self: Label, *args: Any, **kwargs: Any) -> None:
            updated.append(self.id or "")
            original(self, *args, **kwargs)

        monkeypatch.setattr(Label, "update", spy)
        screen._validate_typed()  # nothing changed since the last check
        assert updated == []
        await pilot.press("1")
        await pilot.pause()  # the shown error is checked again: its text changed (4 digits)
        assert updated == ["error-client_phone"]


async def test_submit_checks_everything_at_once_and_keeps_the_form() -> None:
    backend = FakeBackend()
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await type_text(pilot, "#field-client_phone", "770")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert backend.submitted == []
        assert app.screen is screen
        assert "3 digits" in phone_error(screen)
        assert "problem" in text_of(screen.query_one("#form-error", Static))
        assert screen.query_one("#field-client_phone", Input).value == "770"


async def test_rows_draw_their_own_labels_and_hold_only_control_and_notes() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = form(app).query_one("#row-client_phone", FieldRow)
        assert row.label == "Phone *"
        assert [type(child).__name__ for child in row.children] == ["InPlaceInput", "Static", "Label"]
        controls = (Input, Select, Checkbox)
        assert all(isinstance(row.children[0], controls) for row in form(app).query(FieldRow))


async def test_tab_visits_every_shown_field_in_the_forms_order() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.pause()
        screen.query_one("#field-product_id", Select).value = "1000"  # every KYC row shown
        await pilot.pause()
        shown = [
            f"field-{item.widget_id}"
            for item in screen.spec.items
            if isinstance(item, FieldSpec) and screen.spec.is_visible(item, screen.read_input().values)
        ]
        screen.query_one("#field-product_id", Select).focus()
        await pilot.pause()
        visited: list[str] = []
        for _ in range(len(shown) + 10):  # the "same as" box and the buttons are stops too
            focused = app.focused
            assert focused is not None
            if (focused.id or "").startswith("field-"):
                visited.append(focused.id or "")
            if len(visited) == len(shown):
                break
            await pilot.press("tab")
        assert visited == shown


async def test_rows_hidden_at_open_are_built_when_shown_and_keep_their_values() -> None:
    app = FormHost(
        lambda: RequestFormScreen(api.CLIENT_ADD, initial={"client.country": "KAZ"}, clock=lambda: 100.0),
        FakeBackend(),
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.pause()
        assert not screen.query("#row-client_country")  # product 2000: not built at all
        assert screen.read_input().values["client.country"] == "KAZ"  # yet its value is there
        screen.query_one("#field-product_id", Select).value = "1000"
        assert screen.query_one("#field-client_country", Input).value == "KAZ"  # at once
        await pilot.pause()
        assert screen.query_one("#row-client_country").display


async def test_opening_styles_the_form_once_and_a_return_restyles_it(monkeypatch: pytest.MonkeyPatch) -> None:
    restyled: list[bool] = []
    original = RequestFormScreen.update_node_styles

    def spy(self: RequestFormScreen, animate: bool = True) -> None:
        restyled.append(animate)
        original(self, animate)

    monkeypatch.setattr(RequestFormScreen, "update_node_styles", spy)
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert restyled == []  # the widgets were styled as they mounted: no second pass
        later = events.ScreenResume()  # back from a dialog: Textual's own choice stands
        form(app).on_screen_resume(later)
        assert later.refresh_styles


class _LanguageForTypeTwo(RequestFormScreen):
    """Create client with Language shown only for client type 2: two conditions, so rows are
    built in more than one run, with a row still hidden between them."""

    def __init__(self) -> None:
        super().__init__(api.CLIENT_ADD, clock=lambda: 100.0)
        when = Condition("client.type", "2")
        items = tuple(
            replace(item, visible_when=when) if item.path == "client.language" else item
            for item in self.spec.items
        )
        self.spec = replace(self.spec, items=items)
        self._triggers = self.spec.triggers


async def test_rows_built_late_take_their_place_around_rows_still_hidden() -> None:
    app = FormHost(_LanguageForTypeTwo, FakeBackend())
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.pause()

        def order() -> list[str]:
            return [row.id or "" for row in screen.query_one("#fields").children]

        screen.query_one("#field-product_id", Select).value = "1000"
        await pilot.pause()
        rows = order()
        assert "row-client_language" not in rows
        expected = ["email", "country", "person_id", "document", "external_user_id"]
        assert [rows.index(f"row-client_{name}") for name in expected] == sorted(
            rows.index(f"row-client_{name}") for name in expected
        )
        screen.query_one("#field-client_type", Select).value = "2"
        await pilot.pause()
        rows = order()
        assert (
            rows.index("row-client_person_id")
            < rows.index("row-client_language")
            < rows.index("row-client_document")
        )
