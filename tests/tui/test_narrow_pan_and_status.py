"""At 80x24 (QA 11h): the Cards detail never wraps a masked PAN (a label gives way instead), and
the Requests status cell, cut from its start, keeps whole words ("… → success", never
"…ocess → success")."""

from __future__ import annotations

import re

import pytest
from snapshot_apps import make_app, settle, wait_ready, wait_until
from textual.app import App, ComposeResult

from fpconsole.tui.screens.cards import CardsScreen
from fpconsole.tui.widgets.detail import DetailPanel
from fpconsole.tui.widgets.paged_table import _fit

MASKED = re.compile(r"\d{6}\*+\d{4}")


def detail_lines(panel: DetailPanel) -> list[str]:
    return [panel.window_line(y, y).text for y in range(len(panel._lines))]


@pytest.mark.usefixtures("deterministic_console")
async def test_the_cards_detail_at_80x24_shows_the_masked_pan_on_one_line() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, CardsScreen))
        screen = app.screen
        assert isinstance(screen, CardsScreen)
        await wait_until(pilot, lambda: screen.table.row_count > 0)
        await settle(pilot)
        row = screen.table.current_row
        assert row is not None and MASKED.fullmatch(row.cells[1]), row.cells
        lines = detail_lines(screen.detail)
        number = [line for line in lines if line.lstrip().startswith("number")]
        assert number and row.cells[1] in number[0], "\n".join(lines)
        assert all(not re.search(r"\d{6}\*+\s*$", line) for line in lines), "\n".join(lines)


class _Panel(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPanel(id="detail")


@pytest.mark.parametrize("width", [20, 24, 29, 32, 44])
async def test_a_pan_never_wraps_whatever_the_labels(width: int) -> None:
    app = _Panel()
    async with app.run_test(size=(width + 3, 12)) as pilot:
        panel = app.query_one(DetailPanel)
        panel.styles.width = width + 3  # border and padding: `width` cells of content
        pan = "440043******8785"
        panel.show(pan, [("", [("number", pan), ("plastic_status", "issued"), ("pin_tries_left", "3")])])
        await pilot.pause()
        await pilot.pause()
        lines = detail_lines(panel)
        assert any(pan in line for line in lines[1:]), "\n".join(lines)
        assert any(line.lstrip().startswith(("pl", "pi")) for line in lines), "\n".join(lines)


@pytest.mark.parametrize("width", range(10, 18))
def test_a_status_cut_from_its_start_keeps_whole_words(width: int) -> None:
    text = "process → success"
    shown = _fit(text, width, "left", keep="end")
    assert len(shown) == width and shown.rstrip().endswith("success")
    if shown.rstrip() != text:
        tail = shown.rstrip().removeprefix("…")
        assert tail.startswith(" ") or text.startswith(tail) or f" {tail}" in f" {text}", shown


def test_the_cut_at_16_columns_reads_arrow_and_final_status() -> None:
    assert _fit("process → success", 16, "left", keep="end") == "… → success".ljust(16)
