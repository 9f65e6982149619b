"""Write only the changed cells of a line to the terminal: not from the widget's edge, and not
at all when the terminal shows them already.

Over SSH every byte written costs transfer time. Widgets here mark dirty only the cells that
changed (a cursor line, the next row's values in a detail panel: `widgets/line_diff.py`), but
Textual 8's partial update (`ChopsUpdate.render_segments`) crops a widget's line at the dirty
span's end only: it writes from the widget's left edge, so changing one value at the right of
a detail panel rewrites its border, labels and padding too (with their colour codes). And
Textual repaints whole widgets or the whole screen when their cells come out the same
(`shown_cells`).

`install()` replaces the partial update's method with one that also crops at the span's start,
and both the partial and the whole-screen update's with ones that skip a chop the terminal shows
already. The terminal shows the same frame; a line whose cells cannot be told by index (wide or
zero-width characters) is written from its edge as before, so a double-width character is never
cut in half.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.app import App

from fpconsole.tui.shown_cells import ShownCells

_ORIGINAL_CHOPS = ChopsUpdate.render_segments
_ORIGINAL_LAYOUT = LayoutUpdate.render_segments

SHOWN = ShownCells()  # one terminal per process: the console's


def _move_to(x: int, y: int) -> str:
    return f"\x1b[{y + 1};{x + 1}H"


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """Textual's ChopsUpdate.render_segments, cropping each chop to [x1, x2) of its span and
    leaving out a whole chop the terminal shows already; a chop that starts where the last one
    written ended needs no cursor move (Textual moved before every chop)."""
    sequences: list[str] = []
    append = sequences.append
    after: tuple[int, int] | None = None  # the cell after the last one written
    chops = self.chops
    chop_ends = self.chop_ends
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            start = x
            whole = True
            if x < x1 and len(strip.text) == strip.cell_length:  # one cell per character
                strip = strip.crop(x1 - x, min(end, x2) - x)
                start = x1
                whole = False
            elif not (x2 > x >= x1 and end <= x2):
                whole = end <= x2
                strip = strip.crop(0, min(end, x2) - x)
            text = strip.render(console)
            if not text:  # a chop cropped to nothing (it starts where the span ends)
                continue
            if whole:
                if SHOWN.shows(y, x, end, text):
                    continue
                SHOWN.wrote(y, x, end, text)
            else:
                SHOWN.wrote(y, start, start + strip.cell_length, None)
            if after != (y, start):
                append(_move_to(start, y))
            append(text)
            after = (y, start + strip.cell_length)
    return "".join(sequences)


def render_layout(self: LayoutUpdate, console: Console) -> str:
    """Textual's LayoutUpdate.render_segments (the whole screen), leaving out the chops the
    terminal shows already: a line written through its end and the next from its start are
    joined by a newline, as Textual joins them; anything else starts with a cursor move."""
    region = self.region
    if SHOWN.size != (region.width, region.height):
        SHOWN.forget()
        SHOWN.size = (region.width, region.height)
    sequences: list[str] = []
    append = sequences.append
    line_end = region.x + region.width
    after: tuple[int, int] | None = None  # the cell after the last one written
    for y, line in enumerate(self.strips, region.y):
        x = region.x
        for strip in line:
            end = x + strip.cell_length
            text = strip.render(console)
            if not SHOWN.shows(y, x, end, text):
                if after != (y, x):
                    append("\n" if x == 0 and after == (y - 1, line_end) else _move_to(x, y))
                append(text)
                SHOWN.wrote(y, x, end, text)
                after = (y, end)
            x = end
    return "".join(sequences)


class RenderedUpdate(CompositorUpdate):
    """An update rendered already, so that one with nothing to write is not written at all."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render_segments(self, console: Console) -> str:
        return self.text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Segment(self.text)  # as raw as it came: Textual writes it with render_segments


def before_display(app: App[Any], renderable: RenderableType | None) -> RenderableType | None:
    """What `App._display` should write for this update: None when it paints no cell and the
    cursor stays where it is (Textual would still write the cursor's position, and the sync
    markers around it, for every repaint that changed nothing)."""
    if (
        ChopsUpdate.render_segments is not render_segments
        or not isinstance(renderable, ChopsUpdate | LayoutUpdate)
        # As `App._display`: only what reaches the terminal may change the memo.
        or app._batch_count
        or not app._running
        or app._closed
        or app.is_headless
        or app._driver is None
        or app._driver.is_inline
    ):
        return renderable
    try:
        text = renderable.render_segments(app.console)
    except Exception:  # Textual renders it again, and reports the error its own way
        return renderable
    if not text and app.screen.outer_size.clamp_offset(app.cursor_position) == app._previous_cursor_position:
        return None
    return RenderedUpdate(text)


def forget_shown() -> None:
    """The terminal may no longer show what was written (resized, suspended, ctrl+l): the next
    paint writes every cell it paints."""
    SHOWN.forget()


def install() -> None:
    """Use the cropping, skipping renders for every update of this process."""
    SHOWN.forget()
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]
    LayoutUpdate.render_segments = render_layout  # type: ignore[method-assign]


def uninstall() -> None:
    ChopsUpdate.render_segments = _ORIGINAL_CHOPS  # type: ignore[method-assign]
    LayoutUpdate.render_segments = _ORIGINAL_LAYOUT  # type: ignore[method-assign]
    SHOWN.forget()
