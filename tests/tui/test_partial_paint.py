"""Only the changed cells of a line reach the terminal: Textual's partial update writes a dirty
span from the widget's left edge; `partial_paint` crops it at the span's start too (over SSH a
detail panel's border, labels and padding were written again for every changed value). And
cells the terminal shows already are not written again: opening a form painted the whole screen
three times over, ~11 KiB each (`shown_cells`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Offset, Region, Size
from textual.strip import Strip

from fpconsole.tui import partial_paint

LABEL = Style(color="grey50")
VALUE = Style(color="white")


@pytest.fixture
def console() -> Console:
    return Console(color_system="256", force_terminal=True, legacy_windows=False)


@pytest.fixture
def installed() -> Iterator[None]:
    partial_paint.install()
    yield
    partial_paint.uninstall()


def one_line(strip: Strip, x: int, x1: int, x2: int) -> ChopsUpdate:
    """A screen of one line whose widget starts at `x`, dirty over [x1, x2)."""
    return ChopsUpdate([{x: strip}], [(0, x1, x2)], [[x + strip.cell_length]])


@pytest.mark.usefixtures("installed")
def test_a_changed_value_is_written_from_its_first_cell_not_the_widget_edge(console: Console) -> None:
    strip = Strip([Segment("│ ", LABEL), Segment("card_id ", LABEL), Segment("7001056   ", VALUE)])
    written = one_line(strip, 76, 76 + 15, 76 + 17).render_segments(console)

    assert written.startswith("\x1b[1;92H")  # row 1, column 76 + 15 + 1
    assert "card_id" not in written and "│" not in written
    assert "56" in written and "70010" not in written


@pytest.mark.usefixtures("installed")
def test_a_line_with_wide_characters_is_written_from_the_widget_edge(console: Console) -> None:
    # A cut could fall inside a double-width character: the whole chop is written, as before.
    strip = Strip([Segment("名前 ", LABEL), Segment("Айгерим   ", VALUE)])
    written = one_line(strip, 10, 14, 16).render_segments(console)

    assert written.startswith("\x1b[1;11H") and "名前" in written


def test_without_install_textual_writes_from_the_edge(console: Console) -> None:
    # What the module exists for: if Textual starts cropping itself, this test says so.
    partial_paint.uninstall()
    strip = Strip([Segment("│ card_id ", LABEL), Segment("7001056   ", VALUE)])
    written = one_line(strip, 76, 76 + 15, 76 + 17).render_segments(console)
    assert "card_id" in written


def screen(*lines: list[Strip], width: int = 20) -> LayoutUpdate:
    """A whole-screen update: each line its chops, left to right."""
    return LayoutUpdate([list(line) for line in lines], Region(0, 0, width, len(lines)))


def chop(text: str, style: Style = VALUE) -> Strip:
    return Strip([Segment(text, style)])


def two_lines(top: list[Strip], row: list[Strip], span: tuple[int, int, int]) -> ChopsUpdate:
    """A partial update of TOP and a row as `screen` lays them out, dirty over `span`."""
    return ChopsUpdate([{0: top[0], 14: top[1]}, {0: row[0], 11: row[1]}], [span], [[14, 26], [11, 24]])


TOP = [chop("Create client "), chop("client.add  ", LABEL)]  # 14 + 12 cells
ROW = [chop("Phone *    ", LABEL), chop("+7 701 123 4 ")]  # 11 + 13 cells


@pytest.mark.usefixtures("installed")
def test_the_whole_screen_painted_again_unchanged_writes_nothing(console: Console) -> None:
    first = screen(TOP, ROW, width=26).render_segments(console)
    assert "Create client" in first and "Phone" in first

    assert screen(TOP, ROW, width=26).render_segments(console) == ""


@pytest.mark.usefixtures("installed")
def test_a_whole_screen_update_writes_only_the_chop_that_changed(console: Console) -> None:
    screen(TOP, ROW, width=26).render_segments(console)
    typed = [ROW[0], chop("+7 701 123 45")]

    written = screen(TOP, typed, width=26).render_segments(console)

    assert written.startswith("\x1b[2;12H")  # line 2, the cell after "Phone *    "
    assert "+7 701 123 45" in written
    assert "Phone" not in written and "Create client" not in written


@pytest.mark.usefixtures("installed")
def test_lines_written_through_their_end_are_joined_by_a_newline(console: Console) -> None:
    # As Textual writes a whole screen: one cursor move, then newlines (CR LF on the terminal).
    written = screen(TOP, [ROW[0], chop("+7 701 123 4   ")], width=26).render_segments(console)
    assert re.findall(r"\x1b\[\d+;\d+H", written) == ["\x1b[1;1H"]
    assert written.count("\n") == 1


@pytest.mark.usefixtures("installed")
def test_a_screen_of_another_size_is_written_whole(console: Console) -> None:
    screen(TOP, ROW, width=26).render_segments(console)
    # Resized: the terminal reflowed its lines, whatever the memo says.
    written = screen(TOP, ROW, [chop("  ")], width=26).render_segments(console)
    assert "Create client" in written and "Phone" in written


@pytest.mark.usefixtures("installed")
def test_forgotten_cells_are_written_again(console: Console) -> None:
    screen(TOP, ROW, width=26).render_segments(console)
    partial_paint.forget_shown()
    assert "Create client" in screen(TOP, ROW, width=26).render_segments(console)


@pytest.mark.usefixtures("installed")
def test_a_partial_update_skips_a_whole_chop_the_terminal_shows(console: Console) -> None:
    screen(TOP, ROW, width=26).render_segments(console)
    again = ChopsUpdate(
        [{0: TOP[0], 14: TOP[1]}, {0: ROW[0], 11: ROW[1]}], [(1, 0, 24)], [[14, 26], [11, 24]]
    )
    assert again.render_segments(console) == ""

    changed = [ROW[0], chop("+7 777 000 0 ")]
    update = ChopsUpdate(
        [{0: TOP[0], 14: TOP[1]}, {0: changed[0], 11: changed[1]}], [(1, 0, 24)], [[14, 26], [11, 24]]
    )
    written = update.render_segments(console)
    assert written == "\x1b[2;12H" + changed[1].render(console)
    # ...and the memo now knows the new text: a whole repaint leaves it out.
    assert "+7 777" not in screen(TOP, changed, width=26).render_segments(console)


@pytest.mark.usefixtures("installed")
def test_part_of_a_chop_written_makes_the_whole_chop_unknown(console: Console) -> None:
    screen(TOP, ROW, width=26).render_segments(console)
    # Only cells 12..14 of the number are written (a span inside the chop)...
    cropped = ChopsUpdate(
        [{0: TOP[0], 14: TOP[1]}, {0: ROW[0], 11: ROW[1]}], [(1, 12, 14)], [[14, 26], [11, 24]]
    )
    assert cropped.render_segments(console)
    # ...so the chop is no longer known to be on the terminal, and a whole repaint writes it.
    assert "+7 701" in screen(TOP, ROW, width=26).render_segments(console)


@pytest.mark.usefixtures("installed")
def test_a_partial_update_moves_the_cursor_only_where_the_last_chop_did_not_end(console: Console) -> None:
    # A form pushed already laid out is painted as one partial update of the whole screen: a
    # cursor move before every chop cost ~1.4 KiB more than Textual's whole-screen paint.
    update = ChopsUpdate(
        [{0: TOP[0], 14: TOP[1]}, {0: ROW[0], 11: ROW[1]}], [(0, 0, 26), (1, 0, 24)], [[14, 26], [11, 24]]
    )
    written = update.render_segments(console)
    assert re.findall(r"\x1b\[\d+;\d+H", written) == ["\x1b[1;1H", "\x1b[2;1H"]
    assert written == (
        "\x1b[1;1H"
        + TOP[0].render(console)
        + TOP[1].render(console)
        + "\x1b[2;1H"
        + ROW[0].render(console)
        + ROW[1].render(console)
    )


HOME = Offset(0, 0)


def terminal_app(console: Console, *, headless: bool = False, cursor: Offset = HOME) -> Any:
    """What `before_display` reads of the app: a console writing to a terminal, or headless."""
    return SimpleNamespace(
        _batch_count=0,
        _running=True,
        _closed=False,
        is_headless=headless,
        _driver=SimpleNamespace(is_inline=False),
        console=console,
        screen=SimpleNamespace(outer_size=Size(26, 2)),
        cursor_position=cursor,
        _previous_cursor_position=HOME,
    )


@pytest.mark.usefixtures("installed")
def test_a_repaint_that_changes_nothing_is_not_written_at_all(console: Console) -> None:
    # Not even the cursor's position (and the sync markers around it) that Textual appends.
    app = terminal_app(console)
    first = partial_paint.before_display(app, screen(TOP, ROW, width=26))
    assert isinstance(first, partial_paint.RenderedUpdate) and "Create client" in first.text

    assert partial_paint.before_display(app, screen(TOP, ROW, width=26)) is None


@pytest.mark.usefixtures("installed")
def test_a_repaint_that_only_moves_the_cursor_is_written(console: Console) -> None:
    partial_paint.before_display(terminal_app(console), screen(TOP, ROW, width=26))
    app = terminal_app(console, cursor=Offset(12, 1))
    moved = partial_paint.before_display(app, screen(TOP, ROW, width=26))
    assert isinstance(moved, partial_paint.RenderedUpdate) and moved.text == ""


@pytest.mark.usefixtures("installed")
def test_a_headless_console_leaves_the_memo_alone(console: Console) -> None:
    update = screen(TOP, ROW, width=26)
    assert partial_paint.before_display(terminal_app(console, headless=True), update) is update
    assert len(partial_paint.SHOWN) == 0
