"""Typing into a field and rewriting a line repaint that widget, not the whole screen's layout.

Structural, not timed: the screen's layout passes are counted (bench/typing_latency.py prints
what a key costs in a real terminal). An InPlaceInput must look and scroll exactly as Textual's
Input does after the same keys; only the layout it used to ask for is gone.
"""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import count_layouts
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from fpconsole.tui.widgets.in_place import InPlaceInput, update_in_place

SIZE = (40, 8)


class Host(App[None]):
    CSS = """
    #fixed { height: 1; }
    #auto-width { width: auto; }
    .narrow { width: 20; }
    """

    def __init__(self, field: Input) -> None:
        super().__init__()
        self.field = field

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.field
            yield Static("one line", id="line")
            yield Static("fixed", id="fixed")
            yield Label("auto", id="auto-width")
            yield Static("below", id="below")


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.animator.wait_until_complete()
    await pilot.pause()


async def test_typing_into_an_in_place_input_lays_nothing_out() -> None:
    app = Host(InPlaceInput(id="field"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        layouts = count_layouts(app.screen)
        await pilot.press(*"77011234567", "backspace", "left", "delete")
        await settle(pilot)
        assert app.field.value == "770112345"
        assert layouts == [0]


async def test_textual_input_lays_the_screen_out_on_each_key() -> None:
    """What InPlaceInput is for: if Textual stops doing this, the subclass can go."""
    app = Host(Input(id="field"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        layouts = count_layouts(app.screen)
        await pilot.press("7")
        await settle(pilot)
        assert layouts[0] >= 1


KEYS = [
    *"a long value typed into a narrow field, past its end",
    "home",
    "right",
    "right",
    "end",
    *["backspace"] * 30,
    "ctrl+w",
    "left",
    *"xyz",
    "ctrl+a",
    "shift+end",
    *"new",
    *["backspace"] * 3,
]


async def screen_after(field: Input, keys: list[str]) -> list[tuple[str, float, int]]:
    """What the screen shows, where the field is scrolled to and its cursor, after each key."""
    app = Host(field)
    seen: list[tuple[str, float, int]] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
            text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            seen.append((text, field.scroll_x, field.cursor_position))
    return seen


async def test_an_in_place_input_shows_and_scrolls_as_textual_input_does() -> None:
    ours = await screen_after(InPlaceInput(id="field", classes="narrow"), KEYS)
    textual = await screen_after(Input(id="field", classes="narrow"), KEYS)
    assert any(scroll_x > 0 for _, scroll_x, _ in ours)  # the field did scroll, and back
    assert ours == textual


async def test_an_emptied_field_scrolled_to_its_end_shows_from_the_start() -> None:
    app = Host(InPlaceInput(id="field", classes="narrow"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"0123456789" * 4)
        await settle(pilot)
        assert app.field.scroll_x > 0
        app.field.value = ""
        await settle(pilot)
        assert app.field.scroll_x == 0


async def test_an_auto_width_input_still_grows_with_its_text() -> None:
    field = InPlaceInput(id="field")
    field.styles.width = "auto"
    app = Host(field)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = field.size.width
        await pilot.press(*"0123456789")
        await settle(pilot)
        assert field.size.width > before


@pytest.mark.parametrize(
    ("label_id", "text", "lays_out"),
    [
        ("line", "another line", False),  # same one line: repainted only
        ("line", "a text far too long to fit one line of forty columns", True),  # two lines
        ("fixed", "a text far too long to fit one line of forty columns", False),  # height: 1
        ("auto-width", "a wider text", True),  # its width follows the text
    ],
)
async def test_update_in_place_lays_out_only_when_the_size_may_change(
    label_id: str, text: str, lays_out: bool
) -> None:
    app = Host(InPlaceInput(id="field"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        label = app.query_one(f"#{label_id}", Static)
        siblings = list(app.query_one(Vertical).children)
        below = siblings[siblings.index(label) + 1]
        layouts = count_layouts(app.screen)
        update_in_place(label, text)
        await settle(pilot)
        assert (layouts[0] > 0) is lays_out
        assert str(label.render()) == text
        assert below.region.y == label.region.bottom  # nothing overlaps what follows


async def test_update_in_place_of_a_hidden_label_lays_out() -> None:
    app = Host(InPlaceInput(id="field"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        label = app.query_one("#line", Static)
        label.display = False
        await settle(pilot)
        layouts = count_layouts(app.screen)
        update_in_place(label, "shown again later")
        label.display = True
        await settle(pilot)
        assert layouts[0] > 0
        assert str(label.render()) == "shown again later"
