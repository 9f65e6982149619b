"""The console's screens driven with keys: the `/` filter, the `:` command line, help, the command
palette's selection-aware commands, Requests (timeline, copy id, copy curl), F8 screenshots
(never a full card number) and the secret-data view (masked, revealed for a while, copied masked)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import (
    SnapshotApp,
    cells_of,
    make_app,
    press_for_form,
    select_row,
    settle,
    submit_form,
    wait_ready,
    wait_until,
)
from textual.command import CommandList, CommandPalette
from textual.containers import VerticalScroll
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, Static

from fpconsole.api.methods import REGISTRY
from fpconsole.api.redaction import mask_pan
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.config import BUILTIN_SANDBOX_SECRET
from fpconsole.tui import secret_view
from fpconsole.tui.help import HelpScreen
from fpconsole.tui.screens.base import ListScreen
from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.screens.clients import ClientsScreen
from fpconsole.tui.screens.requests import RequestsScreen
from fpconsole.tui.secret_view import SecretDataScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)


def screen_text(app: SnapshotApp) -> str:
    """What the top screen shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def list_screen(app: SnapshotApp) -> ListScreen:
    screen = app.screen
    assert isinstance(screen, ListScreen)
    return screen


def keys(app: SnapshotApp) -> list[str]:
    table = list_screen(app).table
    return [row.key for index in range(table.row_count) if (row := table.row_at(index)) is not None]


def engine_cards(app: SnapshotApp, status: str | None = None) -> list[dict[str, Any]]:
    cards = app.engine.snapshot(partner=PARTNER)["cards"]
    return [card for card in cards if status is None or card["status"] == status]


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash", *text)
    await settle(pilot)


async def go_to(pilot: Pilot[Any], key: str, screen_type: type[ListScreen]) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    await wait_until(pilot, lambda: list_screen(pilot.app).table.row_count > 0)  # type: ignore[arg-type]
    await settle(pilot)


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def full_pans_in(svg: str) -> list[str]:
    """Card-number-like runs (13-19 digits, Luhn-valid) in the SVG's visible text."""
    text = html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
    return [run for run in re.findall(r"(?<!\d)\d{13,19}(?!\d)", text) if luhn_ok(run)]


# --- the / filter ---------------------------------------------------------------------------


async def test_filter_narrows_by_name_phone_and_last_four_and_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        table = list_screen(app).table
        everyone = table.row_count
        assert everyone == 40

        await type_filter(pilot, "PETROV")
        names = [cells[1] for key in keys(app) if (cells := cells_of(app, key))]
        assert 0 < len(names) < everyone and all("PETROV" in name for name in names)
        assert app.screen.query_one("#filter", Input).has_class("-visible")

        await pilot.press("escape")
        await settle(pilot)
        assert table.row_count == everyone and not app.screen.query_one("#filter").has_class("-visible")
        assert app.focused is table

        client = app.engine.snapshot(partner=PARTNER)["clients"][5]
        await type_filter(pilot, str(client["phone"])[-7:])
        assert keys(app) == [client["client_id"]]
        await pilot.press("enter")  # keeps the filter, back to the list
        assert app.focused is table and table.row_count == 1
        await pilot.press("escape")
        await settle(pilot)
        assert table.row_count == everyone

        # Cards: by the last four digits of the number.
        await go_to(pilot, "f3", CardsScreen)
        cards = list_screen(app).table
        total = cards.row_count
        card = engine_cards(app, "active")[3]
        last4 = card["card_mask"][-4:]
        await type_filter(pilot, last4)
        masks = [cells[1] for key in keys(app) if (cells := cells_of(app, key))]
        assert card["card_id"] in keys(app) and all(mask.endswith(last4) for mask in masks)
        assert len(masks) < total
        await pilot.press("escape")
        await settle(pilot)
        assert cards.row_count == total


# --- the : command line ------------------------------------------------------------------------


async def test_command_line_opens_and_selects_by_id() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card = engine_cards(app, "blocked")[0]

        await pilot.press("colon", *f"card {card['card_id']}", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await wait_until(pilot, lambda: list_screen(app).table.current_row is not None)
        await wait_until(pilot, lambda: list_screen(app).table.current_row.key == card["card_id"])  # type: ignore[union-attr]
        await settle(pilot)
        detail = screen_text(app)
        assert re.search(rf"card_id +{card['card_id']}", detail) and re.search(r"status +blocked", detail)

        await pilot.press("colon", *"client CL-100007", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientsScreen))
        await wait_until(pilot, lambda: getattr(list_screen(app).table.current_row, "key", "") == "CL-100007")

        await pilot.press("colon", *"requests", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestsScreen))
        await wait_until(pilot, lambda: bool(app.screen.query("#section")))  # composed, not only on top
        assert "Requests" in text_of(app.screen.query_one("#section", Static))

        await pilot.press("colon", *"card 99", "enter")  # not in the sandbox: says so
        await wait_until(pilot, lambda: any(str(n.message).startswith("99: ") for n in app._notifications))


# --- help and the palette ------------------------------------------------------------------------


# One console for the three sections' help (each used to start its own); every section's help is
# still opened with its key and checked top and bottom, a failure naming the section.
HELP_CASES = (
    (None, "question_mark", ("Help · Clients", "New client", "Filter", "Actions", "Issue card")),
    ("f3", "f1", ("Help · Cards", "Activate", "Block", "Unblock", "Set PIN", "Secret data")),
    ("f4", "question_mark", ("Help · Requests", "Copy id", "Copy curl", "Poll again")),
)


async def test_help_lists_the_screens_bindings() -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_ready(pilot)
        for section_key, help_key, expected in HELP_CASES:
            if section_key:
                await pilot.press(section_key)
                await pilot.pause()
            await pilot.press(help_key)
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause()
            shown = screen_text(app)
            for text in expected:
                assert text in shown, f"{text!r} missing from help ({section_key or 'Clients'})"
            app.screen.query_one(VerticalScroll).scroll_end(animate=False, immediate=True)
            await pilot.pause()
            notes = screen_text(app)
            assert "command palette" in notes and "save an SVG screenshot" in notes, section_key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ListScreen), section_key


async def test_palette_offers_commands_for_the_selected_card() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card = engine_cards(app, "active")[0]
        await go_to(pilot, "f3", CardsScreen)
        await select_row(pilot, card["card_id"])

        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"block")
        palette = app.screen

        def prompts() -> list[str]:
            options = palette.query_one(CommandList)
            found = []
            for index in range(options.option_count):
                prompt = options.get_option_at_index(index).prompt
                found.append(prompt.plain if isinstance(prompt, Content) else str(prompt))
            return found

        wanted = f"Block card {card['card_mask']}"
        await wait_until(pilot, lambda: any(wanted in prompt for prompt in prompts()))
        assert not any("Unblock card" in prompt for prompt in prompts())  # not for an active card
        await pilot.press("enter")
        form = await press_for_form(pilot)
        assert form.method.name == "card.block"
        assert form.read_input().values["card_id"] == card["card_id"]


# --- Requests --------------------------------------------------------------------------------------


async def test_requests_show_the_timeline_and_copy_the_id_and_curl() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        card = engine_cards(app, "inactive")[0]
        await go_to(pilot, "f3", CardsScreen)
        await select_row(pilot, card["card_id"])
        form = await press_for_form(pilot, "A")
        await submit_form(pilot, form)
        request_id = form.request_id
        await pilot.press("escape")

        await go_to(pilot, "f4", RequestsScreen)
        # Newest first: above the activation only the reads its detail panels made (how many
        # depends on how often they refreshed while it settled; once failed in .ci/run at five).
        listed = [(key, cells[1]) for key in keys(app) if (cells := cells_of(app, key))]
        position = [key for key, _ in listed].index(request_id)
        above = {method for _, method in listed[:position]}
        assert not any(REGISTRY.resolve(method).changes_state for method in above), above
        await select_row(pilot, request_id)
        row = list_screen(app).table.current_row
        assert row is not None and row.key == request_id
        time_cell, method, shown_id, target, status = row.cells
        assert (time_cell, method, target) == ("09:30:00", "card.activate", card["card_id"])
        assert shown_id == request_id
        assert status == "process → success"  # the whole timeline, with times, is in the detail
        assert re.search(r"status +sent → process 0\.0s → success", screen_text(app))
        detail = screen_text(app)
        assert (
            "card.activate" in detail and "Request (redacted)" in detail and "Response (redacted)" in detail
        )
        # The reads the detail panels made are listed too (card info, balance, limits).
        methods = [cells[1] for key in keys(app) if (cells := cells_of(app, key))]
        assert {"card.info", "card.balance", "limits.list", "client.cards"} <= set(methods)

        await pilot.press("c")
        assert app.clipboard == request_id
        await pilot.press("C")
        curl = app.clipboard
        assert curl.startswith("curl") and "/card/activate" in curl and request_id in curl
        # The embedded sandbox has no address: the line is for `fpconsole sandbox serve`.
        assert "http://127.0.0.1:8642/v5/card-api/card/activate" in curl
        assert BUILTIN_SANDBOX_SECRET not in curl
        assert any("Copied" in str(n.message) for n in app._notifications)


# --- F8 and secret data ------------------------------------------------------------------------------


async def test_screenshots_and_the_secret_view_never_hold_a_full_card_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(secret_view, "REVEAL_SECONDS", 0.3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        folder: Path = app.screenshot_folder()
        card = engine_cards(app, "active")[0]
        await go_to(pilot, "f3", CardsScreen)
        await select_row(pilot, card["card_id"])

        await pilot.press("f8")
        await wait_until(pilot, lambda: folder.is_dir() and len(list(folder.glob("*.svg"))) == 1)
        first = next(folder.glob("*.svg"))
        assert card["card_mask"] in html.unescape(first.read_text()).replace("\xa0", " ")
        assert full_pans_in(first.read_text()) == []

        # Secret data: masked first; v reveals the full number on screen.
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SecretDataScreen))
        view = app.screen
        assert isinstance(view, SecretDataScreen)
        await wait_until(pilot, lambda: bool(view._secret))
        pan = str(view._secret["pan"])
        assert luhn_ok(pan) and len(pan) == 16
        values = view.query_one("#values", Static)
        assert mask_pan(pan) in text_of(values) and pan not in text_of(values)

        await pilot.press("v")
        assert view.revealed and pan in text_of(values)

        # F8 while revealed: the view hides first, and the file has no full number.
        await pilot.press("f8")
        await wait_until(pilot, lambda: len(list(folder.glob("*.svg"))) == 2)
        assert not view.revealed and pan not in text_of(values)
        for path in folder.glob("*.svg"):
            svg = path.read_text()
            assert full_pans_in(svg) == [] and pan not in re.sub(r"\D", "", html.unescape(svg))

        # Revealed again, it hides by itself when the reveal time is up.
        await pilot.press("v")
        assert view.revealed
        await wait_until(pilot, lambda: not view.revealed, timeout=3)
        assert pan not in text_of(values) and mask_pan(pan) in text_of(values)

        # Copy gives the masked number only, whatever is on screen.
        await pilot.press("v", "c")
        assert app.clipboard == mask_pan(pan) and pan not in app.clipboard
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CardsScreen)
        assert pan not in str(view._secret)  # dropped when the view closes


# --- the detail panel's key hint -----------------------------------------------------------------


@pytest.mark.parametrize("read_only", [False, True])
async def test_the_detail_names_the_keys_the_selected_card_allows(read_only: bool) -> None:
    app = make_app(read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await go_to(pilot, "f3", CardsScreen)
        screen = list_screen(app)
        hints = {}
        for status in ("active", "blocked", "closed"):
            await select_row(pilot, str(engine_cards(app, status)[0]["card_id"]))
            hints[status] = screen.keys_hint(screen.table.current_row)
            assert "a actions" in screen_text(app)  # the panel shows the hint (wrapped to its width)
        if read_only:
            # Only what reads: nothing that would be refused by the read-only console.
            assert "b Block" not in hints["active"] and "u Unblock" not in hints["blocked"]
            assert "S Statement" in hints["active"] and "s Secret data" in hints["active"]
        else:
            assert "b Block" in hints["active"] and "u Unblock" not in hints["active"]
            assert "u Unblock" in hints["blocked"] and "b Block" not in hints["blocked"]
            assert "x Close" not in hints["closed"] and "p Set PIN" not in hints["closed"]
        # The section's own keys (issue, bulk issue) are in the footer and help, not repeated here.
        assert all("n Issue card" not in hint for hint in hints.values())


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_a_filter_that_matches_nothing_says_so_and_how_to_clear_it(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_ready(pilot)
        await type_filter(pilot, "zzzz")
        assert list_screen(app).table.row_count == 0
        # Whole, within the list (at 80 columns the list is under 50 wide), not under the detail.
        table = list_screen(app).table
        lines = [table.render_line(y).text.strip() for y in range(table.size.height)]
        assert "No match for 'zzzz'. esc clears the filter." in lines
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert list_screen(app).table.row_count > 0
        assert "Nothing here matches" not in screen_text(app)


async def test_no_color_turns_the_console_monochrome(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert any(isinstance(f, (Monochrome, NoColor)) for f in app._filters)
        svg = app.export_screenshot()
        # The green SANDBOX badge is drawn without its colour: only greys remain.
        fills = set(re.findall(r"fill: #([0-9a-f]{6})", svg))
        fills.discard("c5c8c6")  # the SVG template's own default foreground, not the app's
        colours = [code for code in fills if len({code[0:2], code[2:4], code[4:6]}) > 1]
        assert fills and not colours, colours


async def test_the_palette_offers_only_the_consoles_themes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert set(app.available_themes) == {"fpconsole-dark", "fpconsole-light", "fpconsole-16"}
        assert app.theme == "fpconsole-dark"


# --- Cards of one client -------------------------------------------------------------------------


def client_filter_of(app: SnapshotApp) -> str | None:
    screen = app.screen
    assert isinstance(screen, CardsScreen)
    return screen.client_filter


async def cards_of_first_client(pilot: Pilot[Any]) -> tuple[str, set[str]]:
    """From Clients, `c` on the selected client: Cards shows only that client's cards."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    if not isinstance(app.screen, ClientsScreen):
        await go_to(pilot, "f2", ClientsScreen)
    row = list_screen(app).table.current_row
    assert row is not None
    own = {str(c["card_id"]) for c in engine_cards(app) if c.get("client_id") == row.key}
    assert own
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
    await wait_until(pilot, lambda: set(keys(app)) == own)
    await settle(pilot)
    return row.key, own


async def test_one_clients_cards_say_so_and_esc_f3_and_colon_show_all_cards() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        total = len(engine_cards(app))

        # Shown above the list, with the way back.
        client_id, own = await cards_of_first_client(pilot)
        assert f"client {client_id} · esc shows all cards" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert list_screen(app).table.row_count == total and client_filter_of(app) is None
        assert "esc shows all cards" not in screen_text(app)

        # F2 then F3: the Cards section again, all of it.
        await cards_of_first_client(pilot)
        await go_to(pilot, "f2", ClientsScreen)
        await go_to(pilot, "f3", CardsScreen)
        assert list_screen(app).table.row_count == total and client_filter_of(app) is None

        # F3 in Cards itself, and `:cards`.
        await cards_of_first_client(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert list_screen(app).table.row_count == total and client_filter_of(app) is None
        await cards_of_first_client(pilot)
        await pilot.press("colon", *"cards", "enter")
        await wait_until(pilot, lambda: list_screen(app).table.row_count == total)
        assert client_filter_of(app) is None

        # `:card ID` of another client's card: the filter goes, the card is selected.
        await cards_of_first_client(pilot)
        other = next(str(c["card_id"]) for c in engine_cards(app) if str(c["card_id"]) not in own)
        await pilot.press("colon", *f"card {other}", "enter")
        await wait_until(pilot, lambda: getattr(list_screen(app).table.current_row, "key", "") == other)
        assert client_filter_of(app) is None
        assert not any("not found" in str(n.message) for n in app._notifications)

        # `:card ID` of one of the client's own cards keeps the filter.
        client_id, own = await cards_of_first_client(pilot)
        mine = sorted(own)[0]
        await pilot.press("colon", *f"card {mine}", "enter")
        await wait_until(pilot, lambda: getattr(list_screen(app).table.current_row, "key", "") == mine)
        await settle(pilot)
        assert client_filter_of(app) == client_id


# --- menus ---------------------------------------------------------------------------------------


async def test_the_keys_a_menu_lists_choose_their_line() -> None:
    from fpconsole import exports
    from fpconsole.tui.actions_menu import ActionsMenu

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card = engine_cards(app, "active")[0]
        await go_to(pilot, "f3", CardsScreen)
        await select_row(pilot, str(card["card_id"]))

        # An unavailable line's key says why and leaves the menu open.
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenu)
        assert any(str(n.message) == "Unblock: not possible for an active card." for n in app._notifications)
        # An available one is chosen at once.
        form = await press_for_form(pilot, "b")
        assert form.method.name == "card.block"
        assert form.read_input().values["card_id"] == card["card_id"]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))

        # The export menu: 2 is the JSON line.
        app._export_view()
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        await pilot.pause()
        (path,) = exports.exports_folder().glob("cards-*.json")
        assert path.read_text()


async def test_a_refused_action_says_why() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await go_to(pilot, "f4", RequestsScreen)
        screen = list_screen(app)
        row = screen.table.current_row
        assert row is not None and row.data.get("outcome") == "success"
        await pilot.press("p")
        await pilot.pause()
        assert any(str(n.message) == "Poll again: already final: success." for n in app._notifications), [
            str(n.message) for n in app._notifications
        ]


# --- columns at 80x24 ----------------------------------------------------------------------------


async def test_no_list_cuts_an_id_short_at_80_columns() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await go_to(pilot, "f3", CardsScreen)
        table = list_screen(app).table
        assert table.row_count > table.size.height  # it scrolls: the scrollbar takes a column
        # Product (least needed) is left out rather than the Client column cut.
        assert table.shown_columns == ("card_id", "mask", "status", "client_id")
        shown = [table.render_line(y).text for y in range(1, table.size.height)]
        clients = [c[3] for key in keys(app) if (c := cells_of(app, key))][: len(shown)]
        for line, client in zip(shown, clients, strict=False):
            assert line.rstrip().endswith(client), (line, client)

        # Every list: each cell shown whole, or ending in "…"; never cut at the edge.
        for key, screen_type in (("f2", ClientsScreen), ("f4", RequestsScreen), ("f3", CardsScreen)):
            await go_to(pilot, key, screen_type)
            table = list_screen(app).table
            width = table.size.width
            for y in range(table.size.height):
                text = table.render_line(y).text
                assert len(text) <= width
            row = table.current_row
            assert row is not None
            line = table.render_line(1 + table.cursor_row - table.scroll_offset.y).text
            index = {c.key: i for i, c in enumerate(table.columns)}
            for column in table.shown_columns:
                cell = row.cells[index[column]]
                assert cell in line or "…" in line, (column, cell, line)


def test_a_timeline_too_long_for_its_column_keeps_its_last_word() -> None:
    from fpconsole.tui.widgets.paged_table import _fit

    assert _fit("process → success", 12, "left", keep="end") == "… → success "  # never half a word
    assert _fit("process → success", 10, "left", keep="end") == "…→ success"
    assert _fit("process → success", 10, "left") == "process →…"
    assert _fit("success", 10, "left", keep="end") == "success   "


async def test_requests_at_80_columns_show_how_each_request_ended() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        backend = app.backend
        assert backend is not None
        card = engine_cards(app, "inactive")[0]
        backend.follow(await backend.submit("card.activate", {"card_id": str(card["card_id"])}))
        await wait_until(pilot, lambda: backend.in_process == 0)
        await go_to(pilot, "f4", RequestsScreen)
        line = list_screen(app).table.render_line(1).text
        assert "card.activate" in line and line.rstrip().endswith("success"), line


# --- Clients by a card's last four -----------------------------------------------------------------


async def test_the_clients_filter_finds_a_client_by_a_cards_last_four() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card = next(c for c in engine_cards(app) if c.get("client_id"))
        last4 = str(card["card_mask"])[-4:]
        owners = {str(c["client_id"]) for c in engine_cards(app) if str(c["card_mask"]).endswith(last4)}
        await type_filter(pilot, last4)
        assert str(card["client_id"]) in keys(app)
        assert owners <= set(keys(app))


# --- read-only ----------------------------------------------------------------------------------


async def test_read_only_footer_leaves_out_state_changes() -> None:
    for read_only in (False, True):
        app = make_app(read_only=read_only)
        async with app.run_test(size=SIZE) as pilot:
            await wait_ready(pilot)
            footer = screen_text(app).splitlines()[-1]
            assert "Filter" in footer
            assert ("New client" in footer) is not read_only, footer


async def test_requests_can_leave_the_reads_out() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        backend = app.backend
        assert backend is not None
        card = str(engine_cards(app, "inactive")[0]["card_id"])
        await backend.read("card.info", {"card_id": card})
        backend.follow(await backend.submit("card.activate", {"card_id": card}))
        await wait_until(pilot, lambda: backend.in_process == 0)
        await go_to(pilot, "f4", RequestsScreen)
        table = list_screen(app).table
        methods = {row.cells[1] for i in range(table.row_count) if (row := table.row_at(i))}
        assert {"card.info", "card.activate"} <= methods
        await pilot.press("v")
        await settle(pilot)
        methods = {row.cells[1] for i in range(table.row_count) if (row := table.row_at(i))}
        assert methods == {"card.activate"}
        await pilot.press("v")
        await settle(pilot)
        assert table.row_count > 1


async def test_quitting_with_requests_in_process_asks_first_and_q_alone_does_not_quit() -> None:
    from fpconsole.tui.confirm import ConfirmScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("q")  # a slip on the list: nothing happens
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ListScreen)
        app.in_process = 1  # as if a block were still in `process`
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "1 request is still in process" in screen_text(app)
        await pilot.press("escape")  # stay
        await wait_until(pilot, lambda: isinstance(app.screen, ListScreen))
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: not app.is_running)


async def test_quitting_with_nothing_in_process_is_immediate() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)
