"""Keys typed in one burst around a form's selects land where they were meant: open the list
(Enter, Space), move and choose (Down, Enter), close it (Esc), search it by typing, then Tab on
and type into the next field — all queued at once, as one packet over SSH delivers them."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from snapshot_apps import make_app, settle, wait_ready, wait_until
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select

from fpconsole.tui.forms.screen import RequestFormScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

# Every form with a select (card.bulk_issue and limits.list included).
FORMS_WITH_SELECTS = [
    "client.add",
    "client.update",
    "card.issue",
    "card.bulk_issue",
    "limits.set",
    "limits.list",
]

Keys = list[tuple[str, str | None]]
ENTER: Keys = [("enter", "\r")]


def post(pilot: Pilot[Any], keys: Keys) -> None:
    """Every key queued at once (pilot.press would wait for each to be handled)."""
    for name, character in keys:
        pilot.app.post_message(events.Key(name, character))


def text_keys(text: str) -> Keys:
    return [("space" if char == " " else char, char) for char in text]


async def keys_handled(pilot: Pilot[Any]) -> None:
    line = pilot.app._key_line
    await wait_until(pilot, lambda: not line.waiting and not line.running, timeout=60)
    await settle(pilot)


async def open_form(pilot: Pilot[Any], method: str) -> RequestFormScreen:
    app = pilot.app
    await wait_ready(pilot)
    app.open_form(method)
    await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=30)
    await settle(pilot)
    form = app.screen
    assert isinstance(form, RequestFormScreen)
    return form


def select_then_box(form: RequestFormScreen) -> list[tuple[Select[str], Input]]:
    """Each select whose next field (Tab) is a text box."""
    chain = [w for w in form.focus_chain if not isinstance(w, OptionList)]
    return [
        (select, after)
        for select, after in pairwise(chain)
        if isinstance(select, Select) and isinstance(after, Input)
    ]


def options(select: Select[str]) -> list[tuple[str, str]]:
    return [(str(prompt), value) for prompt, value in select._options if isinstance(value, str)]


# What each way of leaving the list sends, and the value the select ends with (Up from the
# blank wraps to the last option).
WAYS = {
    "choose": (lambda opts: [*ENTER, ("down", None), *ENTER], lambda opts: opts[0][1]),
    "space-up": (lambda opts: [("space", " "), ("up", None), *ENTER], lambda opts: opts[-1][1]),
    "escape": (lambda opts: [*ENTER, ("down", None), ("escape", "\x1b")], lambda opts: Select.NULL),
    "search": (lambda opts: [*ENTER, *text_keys(opts[-1][0]), *ENTER], lambda opts: opts[-1][1]),
}


@pytest.mark.parametrize("way", sorted(WAYS))
@pytest.mark.parametrize("method", FORMS_WITH_SELECTS)
async def test_keys_after_a_select_reach_the_next_field(method: str, way: str) -> None:
    keys_for, expected_for = WAYS[way]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, method)
        pairs = select_then_box(form)
        assert pairs, f"{method}: no select followed by a text box"
        for select, box in pairs:
            select.clear()
            box.value = ""
            select.focus()
            await pilot.pause()
            opts = options(select)
            post(pilot, [*keys_for(opts), ("tab", "\t"), *text_keys("98")])
            await keys_handled(pilot)
            assert (select.value, box.value) == (expected_for(opts), "98"), (select.id, box.id, app.focused)
            assert app.focused is box


async def test_a_whole_form_in_one_burst_through_three_selects() -> None:
    """Create client from the list: `n`, choose Product, Branch id, Phone, choose Client type and
    Residency, First name — one write."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        choose: Keys = [*ENTER, ("down", None), *ENTER]
        tab: Keys = [("tab", "\t")]
        post(pilot, [("n", "n"), *choose, *tab, *text_keys("98"), *tab, *text_keys("77011234567")])
        post(pilot, [*tab, *choose, *tab, *choose, *tab, *text_keys("ALIYA"), *tab, *text_keys("SERIKOVA")])
        await keys_handled(pilot)
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        values = form.read_input().values
        assert values["product_id"] == "1000"
        assert values["branch_id"] == "98"
        assert values["client.phone"] == "77011234567"
        assert (values["client.type"], values["client.resident"]) == ("1", "1")
        assert (values["client.first_name"], values["client.last_name"]) == ("ALIYA", "SERIKOVA")


async def test_letters_typed_into_an_open_list_search_together_on_a_busy_console(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The open list searches for the letters typed and forgets them 0.7 s after the last one.
    Held one at a time until the console settled, letters typed ahead came further apart than
    that whenever it was busy (a poll, a loaded host): `wal⏎` chose by `l` alone, Electron Card.
    Here the console never looks settled while the list is open: each key waits its 3 s."""
    from fpconsole.tui.type_ahead import TypeAhead

    settled = TypeAhead._settled

    def busy_while_the_list_is_open(self: TypeAhead) -> bool:
        focused = self.focused
        return not isinstance(focused, OptionList) and settled(self)

    monkeypatch.setattr(TypeAhead, "_settled", busy_while_the_list_is_open)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, "client.add")
        product = form.query_one("#field-product_id", Select)
        assert app.focused is product
        post(pilot, [*ENTER, *text_keys("wal"), *ENTER, ("tab", "\t"), *text_keys("98")])
        await keys_handled(pilot)
        assert product.value == "1000"  # Freedom Wallet Card
        branch: Widget = form.query_one("#field-branch_id", Input)
        assert app.focused is branch and form.query_one("#field-branch_id", Input).value == "98"


@pytest.mark.parametrize("attempt", range(4))
async def test_tab_after_a_product_that_shows_rows_goes_to_the_next_field(attempt: int) -> None:
    """Product 1000 typed by its letter (W) builds the KYC rows it shows. Textual orders Tab by
    where widgets are laid out, and rows not laid out yet sit at the top: a Tab let through
    before that layout went to Country, and `B12` was typed there (QA: 3 times in 5)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(pilot, "client.add")
        post(pilot, [("W", "W"), ("tab", "\t"), *text_keys("B12")])
        await keys_handled(pilot)
        values = form.read_input().values
        assert (values["product_id"], values["branch_id"], values["client.country"]) == ("1000", "B12", "")
        assert app.focused is form.query_one("#field-branch_id")


async def test_a_key_that_moves_the_focus_waits_for_a_pending_layout() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_form(pilot, "client.add")
        tab, letter = events.Key("tab", "\t"), events.Key("b", "b")
        assert not app._waits_for_layout(tab)
        app.screen._layout_required = True  # widgets mounted or resized, not laid out yet
        assert app._waits_for_layout(tab)
        assert not app._waits_for_layout(letter)  # typed into a box: where it goes is known
