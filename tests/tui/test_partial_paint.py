"""Only the changed cells of a line reach the terminal: Textual's partial update writes a dirty
span from the widget's left edge; `partial_paint` crops it at the span's start too (over SSH a
detail panel's border, labels and padding were written again for every changed value)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from fpconsole.tui import partial_paint

LABEL = Style(color="grey50")
VALUE = Style(color="white")


@pytest.fixture
def console() -> Console:
    return Console(color_system="256", force_terminal=True, legacy_windows=False)


@pytest.fixture
def installed() -> Iterator[None]:
    before = ChopsUpdate.render_segments
    partial_paint.install()
    yield
    ChopsUpdate.render_segments = before  # type: ignore[method-assign]


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
