"""The field with the focus stays in view at 80x24 (QA finding 18 of issue 12): when a form
opens with a restored draft, when Tab and shift+Tab move through a long form, and when the rows
above it grow (an error line, a limit read after the form opened). Typing into a field the
operator cannot see, or into the card id the form was opened with, loses what is typed."""

from __future__ import annotations

from typing import Any

from form_helpers import FakeBackend, FormHost
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.forms.spec import build_form_spec

SIZE = (80, 24)


def host(method: api.Method, backend: FakeBackend, initial: dict[str, str] | None = None) -> FormHost:
    return FormHost(lambda: RequestFormScreen(method, form_key=method.name, initial=initial), backend)


def form_of(app: FormHost) -> RequestFormScreen:
    assert isinstance(app.screen, RequestFormScreen)
    return app.screen


def field_in_view(form: RequestFormScreen) -> Widget:
    """The focused field, asserted to be a field wholly inside the fields' visible area."""
    focused = form.focused
    # A box is a field too ("same as registration address", "let the processor generate").
    assert isinstance(focused, (Input, Select, Checkbox)), focused
    view = form.query_one("#fields").region
    assert focused.region.area > 0 and view.contains_region(focused.region), (
        f"{focused.id} at {focused.region} is outside the visible fields {view}"
    )
    return focused


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.pause()


def client_draft(filled: int) -> dict[str, str]:
    """A client.add draft with its first `filled` fields filled in."""
    draft: dict[str, str] = {}
    for item in [f for f in build_form_spec(api.CLIENT_ADD).fields if not f.secret][:filled]:
        draft[item.name] = item.choices[0].value if item.choices else "X"
    return draft


async def test_a_restored_draft_opens_with_its_first_empty_field_in_view() -> None:
    draft = client_draft(14)  # the first empty field is well below the first screenful
    app = host(api.CLIENT_ADD, FakeBackend(drafts={"client.add": draft}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = form_of(app)
        assert form.draft_restored
        focused = field_in_view(form)
        assert isinstance(focused, Input) and not focused.value
        assert form.query_one("#fields").scroll_offset.y > 0


async def test_a_full_draft_focuses_what_the_operator_typed_not_the_card_it_was_opened_for() -> None:
    """Typing straight away must not go behind the card id the form was opened with."""
    backend = FakeBackend(drafts={"card.block": {"description": "Lost"}})
    app = host(api.CARD_BLOCK, backend, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = form_of(app)
        assert form.draft_restored
        assert field_in_view(form).id == "field-description"
        await pilot.press("end", *" card")
        assert form.query_one("#field-card_id", Input).value == "7001234"
        assert form.query_one("#field-description", Input).value == "Lost card"


async def test_tab_and_shift_tab_keep_every_field_in_view() -> None:
    app = host(api.CLIENT_ADD, FakeBackend(drafts={"client.add": client_draft(8)}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = form_of(app)
        fields = form.query_one("#fields")
        controls = [w for w in fields.query("Input, Select, Checkbox").results(Widget) if w.focusable]
        controls[-1].focus()
        await settle(pilot)
        seen = {field_in_view(form).id}
        for key in ["shift+tab"] * (len(controls) - 1) + ["tab"] * (len(controls) - 1):
            await pilot.press(key)
            await settle(pilot)
            seen.add(field_in_view(form).id)
        assert seen == {w.id for w in controls}


async def test_the_focused_field_stays_in_view_when_a_row_above_it_grows() -> None:
    """A note written after the form opened (a limit read from the API) pushes the rows below it
    down; the field being typed into must not slide off the bottom."""
    app = host(api.CLIENT_ADD, FakeBackend())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = form_of(app)
        view = form.query_one("#fields")
        # Tab down until the form scrolls, then scroll it so the field is on the last line.
        while view.scroll_offset.y == 0:
            await pilot.press("tab")
            await settle(pilot)
        focused = field_in_view(form)
        view.scroll_to(y=view.scroll_offset.y - (view.region.bottom - focused.region.bottom), animate=False)
        await settle(pilot)
        assert field_in_view(form).region.bottom == view.region.bottom
        form.set_field_note("client.phone", "One\nnote\nof\nfour lines")
        await settle(pilot)
        assert field_in_view(form) is focused


async def test_tab_after_a_mistake_keeps_the_next_field_in_view_when_its_error_line_appears() -> None:
    app = host(api.CLIENT_ADD, FakeBackend())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = form_of(app)
        view = form.query_one("#fields")
        email = form.query_one("#field-client_email", Input)
        email.focus()
        await settle(pilot)
        await pilot.press(*"not-an-email", "tab")
        await settle(pilot)
        following = field_in_view(form)
        assert following is not email
        await pilot.pause(RequestFormScreen.VALIDATE_DELAY + 0.2)  # the error line shows under E-mail
        await settle(pilot)
        assert form.query_one("#error-client_email").has_class("-shown")
        assert field_in_view(form) is following
        assert view.region.contains_region(following.region)
