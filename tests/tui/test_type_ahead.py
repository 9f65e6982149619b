"""Keys that arrive in one burst (a paste, or typing over a slow SSH link) land where the person
meant them: after `/` in the filter, after `:` in the command line, after a form's key in the
form's first empty field — never on the list's bindings (`a` would open Actions)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from snapshot_apps import SnapshotApp, make_app, settle, wait_ready, wait_until
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

NAMES = {"/": "slash", ":": "colon", " ": "space", "\r": "enter"}


def burst(pilot: Pilot[Any], text: str) -> None:
    """Every key queued at once, as the terminal driver does with one packet of input
    (pilot.press would wait for each key to be handled)."""
    for char in text:
        pilot.app.post_message(events.Key(NAMES.get(char, char), None if char == "\r" else char))


async def test_a_burst_after_slash_filters_the_list() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, "/kamila")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ListScreen), type(screen).__name__  # no Actions menu from the `a`
        assert screen.query_one("#filter", Input).value == "kamila"
        assert screen.query_text == "kamila"


async def test_a_pasted_command_line_opens_the_card() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, ":card 7001030\r")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CardsScreen)
        row = screen.table.current_row
        assert row is not None and row.key == "7001030"


async def test_typing_straight_after_opening_a_form_fills_its_first_empty_field() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        burst(pilot, "E77012345678")  # Edit phone for the selected client
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        assert form.query_one("#field-client_phone", Input).value == "77012345678"
        assert form.query_one("#field-client_id", Input).value.startswith("CL-")
        assert not form.query_one("#field-client_id", Input).value.endswith("5678")


async def test_a_screen_with_nothing_to_focus_still_gets_its_keys() -> None:
    from fpconsole.tui.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        for _ in range(3):  # again and again: keys are never held for good
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ListScreen), timeout=3)
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=3)


# --- focus moves in a burst (issue 12, item 1) -----------------------------------------------

TAB_NAMES = {**NAMES, "\t": "tab"}


def burst_with_tabs(pilot: Pilot[Any], text: str) -> None:
    """As `burst`, with `\\t` sent as the Tab key (which moves the focus, not a character)."""
    for char in text:
        name = TAB_NAMES.get(char, char)
        character = None if char == "\r" else char
        pilot.app.post_message(events.Key(name, character))


def field(form: RequestFormScreen, name: str) -> str:
    return form.query_one(f"#field-{name}", Input).value


async def open_form_on_card(pilot: Pilot[Any]) -> RequestFormScreen:
    """`:card <an active card>` → t: the Create transaction form, settled on its first field."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    card_id = str(next(card["card_id"] for card in cards if card["status"] == "active"))
    await wait_ready(pilot)
    await pilot.press(*f":card {card_id}", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen), timeout=30)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CardsScreen)
    row = screen.table.current_row
    assert row is not None and row.key == card_id
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=30)
    await settle(pilot)
    form = app.screen
    assert isinstance(form, RequestFormScreen)
    return form


@pytest.mark.parametrize("how", ["burst", "key-by-key", "paste"])
async def test_tab_in_a_burst_moves_on_before_the_next_characters(how: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form_on_card(pilot)
        assert app.focused is form.query_one("#field-order_id", Input)
        keys = "ORD-9\t\t500"
        if how == "key-by-key":
            await pilot.press(*[TAB_NAMES.get(char, char) for char in keys])
        elif how == "paste":  # a bracketed paste right behind the Tabs keeps its place too
            burst_with_tabs(pilot, "ORD-9\t\t")
            app.post_message(events.Paste("500"))
        else:
            burst_with_tabs(pilot, keys)
        await wait_until(pilot, lambda: field(form, "amount") == "500", timeout=30)
        await settle(pilot)
        assert field(form, "order_id") == "ORD-9"
        assert field(form, "amount") == "500"


@pytest.mark.parametrize("start", ["form", "phone"])
async def test_a_burst_across_a_whole_form_fills_each_field_in_turn(start: str) -> None:
    """Create client from the list, then everything in one write: two Tabs from Product to
    Phone, three from Phone to First name (over the two selects), one to Last name. Started in
    the Phone box too: a text box takes every character it is sent, so that is where the
    letters meant for the next fields used to end up."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=30)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        keys = "\t\t77011234567\t\t\tALIYA\tSERIKOVA"
        if start == "phone":
            await pilot.press("tab", "tab")
            assert app.focused is form.query_one("#field-client_phone", Input)
            keys = keys.removeprefix("\t\t")
        burst_with_tabs(pilot, keys)
        await wait_until(pilot, lambda: "SERIKOVA" in repr(form.read_input().values), timeout=30)
        await settle(pilot)
        values = form.read_input().values
        assert values["client.phone"] == "77011234567"
        assert values["client.first_name"] == "ALIYA"
        assert values["client.last_name"] == "SERIKOVA"


# --- keys typed while the console starts (QA finding 11) --------------------------------------

STARTUP_BURST = "\x1b[13~:card 7001001\rtORD-55\t\t77"  # F3 first (its escape sequence)


def post_startup_burst(app: Any) -> None:
    """F3, `:card 7001001⏎`, t, `ORD-55⇥⇥77`: all queued before the console has even mounted."""
    app.post_message(events.Key("f3", None))
    for char in STARTUP_BURST.removeprefix("\x1b[13~"):
        name = TAB_NAMES.get(char, char)
        app.post_message(events.Key(name, None if char in "\r\t" else char))


def form_value(app: Any, name: str) -> str | None:
    form = app.screen
    if not isinstance(form, RequestFormScreen):
        return None
    found = form.query(f"#field-{name}")
    return found.first(Input).value if found else None


async def test_a_burst_typed_at_start_lands_as_on_an_idle_console() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        post_startup_burst(app)
        await wait_until(pilot, lambda: form_value(app, "amount") == "77", timeout=60)
        await settle(pilot)
        assert form_value(app, "order_id") == "ORD-55"
        assert form_value(app, "card_id") == "7001001"
        assert form_value(app, "amount") == "77"


async def test_a_burst_that_waited_out_a_slow_start_still_lands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key's wait for the console to settle used to be capped at PATIENCE from its arrival:
    a burst typed while a loaded jump host took more than that to start had every deadline
    behind it, went through unheld, and `77` landed in Order id before the Tabs had moved on.
    The cap now counts from when the key reaches the head of the line. The clock here stands
    still but for one jump: the start took a minute."""
    from fpconsole.tui import type_ahead

    now = [1000.0]
    monkeypatch.setattr(type_ahead, "monotonic", lambda: now[0])
    let_through = type_ahead.TypeAhead._let_through

    def slow_start(self: Any, key: Any) -> None:
        if now[0] == 1000.0:
            now[0] += 60.0  # by the time the first key goes, every arrival is a minute old
        let_through(self, key)

    monkeypatch.setattr(type_ahead.TypeAhead, "_let_through", slow_start)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        post_startup_burst(app)
        await wait_until(pilot, lambda: form_value(app, "amount") == "77", timeout=60)
        await settle(pilot)
        assert form_value(app, "order_id") == "ORD-55"
        assert form_value(app, "card_id") == "7001001"


async def test_keys_behind_a_card_lookup_wait_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`:card ID⏎` for a card not cached yet fetches it; `t` typed behind it used to act on the
    list before the card was selected (nothing selected: the rest was lost; another card
    selected: a transaction on the wrong card). The list is not primed here and the lookup is
    held until every key has had its chance to be let through."""
    from fpconsole.tui.backend import ConsoleBackend

    never_primed = asyncio.Event()
    lookup_may_answer = asyncio.Event()
    lookups: list[str] = []
    read = ConsoleBackend.read

    async def held_prime(self: ConsoleBackend) -> int:
        await never_primed.wait()
        return 0

    async def held_read(self: ConsoleBackend, method: Any, body: dict[str, Any]) -> Any:
        lookups.append(str(body))
        await lookup_may_answer.wait()
        return await read(self, method, body)

    monkeypatch.setattr(ConsoleBackend, "prime_from_sandbox", held_prime)
    monkeypatch.setattr(ConsoleBackend, "read", held_read)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.backend is not None, timeout=30)
        post_startup_burst(app)
        line = app._key_line
        # The lookup has started; then either every key went on (the bug) or the next one
        # waits for the lookup: only then may it answer.
        await wait_until(
            pilot,
            lambda: bool(lookups) and (not line.waiting or (app._routing() and app._settled())),
            timeout=30,
        )
        assert line.waiting and line.waiting[0][0].key == "t", [key.key for key, _ in line.waiting][:3]
        lookup_may_answer.set()
        await wait_until(pilot, lambda: form_value(app, "amount") == "77", timeout=60)
        assert form_value(app, "order_id") == "ORD-55"
        assert form_value(app, "card_id") == "7001001"
        never_primed.set()
