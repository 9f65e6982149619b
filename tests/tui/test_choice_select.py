"""Letters typed on a closed select box choose an option, as in a native select box: typed
ahead into a form (over a slow link, or pasted), they were dropped without a word."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from form_helpers import FakeBackend, FormHost
from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.widgets import choice_select
from fpconsole.tui.widgets.choice_select import ChoiceSelect, best_match

PRODUCTS = ["Freedom Wallet Card (1000)", "Instant Card (2000)", "Electron Card (3000)"]
RESIDENCY = [("resident (1)", "1"), ("non-resident (2)", "2")]


def test_the_option_holding_the_letters_earliest_wins() -> None:
    assert best_match(PRODUCTS, "2000") == 1
    assert best_match(PRODUCTS, "wal") == 0
    assert best_match(PRODUCTS, "el") == 2  # "Electron" at 0 beats "Wallet" at 10
    assert best_match(PRODUCTS, "CARD") == 1  # any case: "Instant Card" holds it at 8, before 15
    assert best_match(["ab", "xab", "ab2"], "ab") == 0  # on a tie, the first in the list
    assert best_match(PRODUCTS, "zz") is None


def test_after_an_option_the_next_one_holding_the_letter_round_the_list() -> None:
    assert best_match(PRODUCTS, "e", after=0) == 2  # "Instant Card (2000)" has no e
    assert best_match(PRODUCTS, "e", after=2) == 0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class OneSelect(App[None]):
    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield ChoiceSelect(RESIDENCY, prompt="Select…", id="residency", clock=self.clock)
        yield Input(id="after")


async def test_letters_typed_on_the_closed_box_choose_and_the_same_letter_moves_on() -> None:
    clock = Clock()
    app = OneSelect(clock)
    async with app.run_test() as pilot:
        box = app.query_one(ChoiceSelect)
        box.focus()
        await pilot.press("r")
        assert box.value == "1" and not box.expanded
        await pilot.press("r")  # "rr" holds nowhere: the next option holding "r"
        assert box.value == "2"

        clock.now += choice_select.TYPED_RESET_S + 0.1  # a pause: a new search
        await pilot.press("2")
        assert box.value == "2"
        clock.now += choice_select.TYPED_RESET_S + 0.1
        await pilot.press("1")
        assert box.value == "1"


async def test_letters_that_match_nothing_change_nothing_and_say_so_once() -> None:
    app = OneSelect(Clock())
    async with app.run_test() as pilot:
        box = app.query_one(ChoiceSelect)
        box.focus()
        await pilot.press("x", "y")
        await pilot.pause()
        assert box.value is Select.NULL
        said = [str(n.message) for n in app._notifications]
        assert said == ["Nothing in this list holds “x”: enter opens it."]


async def test_enter_still_opens_the_list_and_its_own_search() -> None:
    app = OneSelect(Clock())
    async with app.run_test() as pilot:
        box = app.query_one(ChoiceSelect)
        box.focus()
        await pilot.press("enter")
        assert box.expanded
        await pilot.press("n", "o", "enter")  # Textual's search in the open list
        await pilot.pause()
        assert box.value == "2" and not box.expanded


@pytest.fixture
def no_pause_between_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A loaded machine may take a second between two pressed keys: not a pause of the typist's.
    monkeypatch.setattr(choice_select, "TYPED_RESET_S", 3600.0)
    yield


@pytest.mark.usefixtures("no_pause_between_keys")
async def test_a_form_typed_ahead_through_its_product_box_keeps_every_key() -> None:
    app = FormHost(lambda: RequestFormScreen(api.CLIENT_ADD), FakeBackend())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RequestFormScreen)
        await pilot.press("2", "0", "0", "0", "tab", "9", "8")
        await pilot.pause()
        values = screen.read_input().values
        assert values["product_id"] == "2000"
        assert values["branch_id"] == "98"
