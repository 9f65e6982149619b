"""The detail panel over SSH: what a cursor move makes it repaint.

- Cards: the cached paint of a card not fetched yet keeps the lines of the last complete detail
  (PENDING values), so the fetch's answer changes values in place instead of moving every line.
- A panel whose content once needed the scrollbar keeps it (and its width): a shorter item next
  does not hide it, which was a layout pass, a Resize and a repaint of the whole panel.

Structural, not timed (bench/ssh_bytes.py prints the bytes)."""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import make_app, settle, wait_ready, wait_until
from test_repaint_regions import Repaints, to_section
from textual.app import App, ComposeResult

from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.widgets.detail import PENDING, DetailPanel, with_pending

SIZE = (120, 40)


def test_with_pending_keeps_the_last_shape_and_marks_what_is_missing() -> None:
    shape = [("", ["card_id", "status", "expiry", "iban"]), ("Balance", ["KZT"]), ("Limits", [""])]
    now = [("", [("card_id", "7"), ("status", "active"), ("reason", "new")])]
    assert with_pending(now, shape) == [
        (
            "",
            [
                ("card_id", "7"),
                ("status", "active"),
                ("reason", "new"),
                ("expiry", PENDING),
                ("iban", PENDING),
            ],
        ),
        ("Balance", [("", PENDING)]),  # the last card's currency is not this one's
        ("Limits", [("", PENDING)]),
    ]
    assert with_pending(now, []) == now  # nothing complete shown yet: as given
    extra = [("", [("card_id", "7")]), ("Not fetched", [("reason", "x")])]
    assert with_pending(extra, [("", ["card_id"])]) == extra


@pytest.mark.usefixtures("deterministic_console")
async def test_a_card_not_fetched_yet_keeps_the_lines_of_the_last_detail() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        screen = await to_section(pilot, "f3")
        assert isinstance(screen, CardsScreen)
        panel = screen.detail
        await wait_until(pilot, lambda: screen.table.current_row is not None)
        await settle(pilot)
        lines_before = len(panel._lines)
        row = screen.table.current_row
        assert row is not None and row.key in screen.fetched
        screen.fetched.pop(row.key)  # as a card the cursor has just reached
        repaints = Repaints(screen)

        screen.show_detail(row, fetch=False)  # what the cache knows, before the fetch

        text = "\n".join(strip.text for strip in panel._lines)
        assert "Balance" in text and PENDING in text
        assert len(panel._lines) == lines_before
        await pilot.pause()
        assert repaints.layouts == 0


class OnePanel(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPanel(id="detail")


def tall(lines: int, tag: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [("", [(f"key{n}", f"{tag} value {n}") for n in range(lines)])]


async def test_once_the_scrollbar_was_needed_a_shorter_item_keeps_it_and_repaints_lines() -> None:
    app = OnePanel()
    async with app.run_test(size=(60, 20)) as pilot:
        panel = app.query_one(DetailPanel)
        panel.show("long", tall(40, "a"))
        await pilot.pause()
        await pilot.pause()
        assert panel.show_vertical_scrollbar
        repaints = Repaints(app.screen)  # type: ignore[arg-type]
        resized: list[Any] = []
        panel.on_resize = lambda event: resized.append(event)  # type: ignore[method-assign]

        panel.show("short", tall(3, "a"))
        await pilot.pause()
        await pilot.pause()

        assert panel.show_vertical_scrollbar
        assert repaints.layouts == 0
        assert not resized
        text = panel.scrollable_content_region
        assert all(region.height == 1 for region in repaints.regions if region.overlaps(text))


async def test_a_shorter_value_repaints_its_own_cells_not_the_rest_of_the_line() -> None:
    app = OnePanel()
    async with app.run_test(size=(60, 20)) as pilot:
        panel = app.query_one(DetailPanel)
        panel.show("card", [("", [("status", "inactive"), ("iban", "KZ439990000007001056")])])
        await pilot.pause()
        await pilot.pause()
        repaints = Repaints(app.screen)  # type: ignore[arg-type]

        # The longest value is shorter now: the lines' blanks after their values stay as they were.
        panel.show("card", [("", [("status", "active"), ("iban", PENDING)])])
        await pilot.pause()

        status_line = panel.content_region.y + 1  # title, status
        widths = [region.width for region in repaints.regions if region.y == status_line]
        assert widths == [len("inactive")]  # its value's cells, not the blanks after it
