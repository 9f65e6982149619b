"""Write only the changed cells of a line to the terminal, not the line from the widget's edge.

Over SSH every byte written costs transfer time. Widgets here mark dirty only the cells that
changed (a cursor line, the next row's values in a detail panel: `widgets/line_diff.py`), but
Textual 8's partial update (`ChopsUpdate.render_segments`) crops a widget's line at the dirty
span's end only: it writes from the widget's left edge, so changing one value at the right of
a detail panel rewrites its border, labels and padding too (with their colour codes).

`install()` replaces that method with one that also crops at the span's start. The terminal
shows the same frame (the cells left of the span are unchanged on it already); a line whose
cells cannot be told by index (wide or zero-width characters) is written from its edge as
before, so a double-width character is never cut in half.
"""

from __future__ import annotations

from rich.console import Console
from textual._compositor import ChopsUpdate

_ORIGINAL = ChopsUpdate.render_segments


def _move_to(x: int, y: int) -> str:
    return f"\x1b[{y + 1};{x + 1}H"


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """Textual's ChopsUpdate.render_segments, cropping each chop to [x1, x2) of its span."""
    sequences: list[str] = []
    append = sequences.append
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            start = x
            if x < x1 and len(strip.text) == strip.cell_length:  # one cell per character
                strip = strip.crop(x1 - x, min(end, x2) - x)
                start = x1
            elif not (x2 > x >= x1 and end <= x2):
                strip = strip.crop(0, min(end, x2) - x)
            append(_move_to(start, y))
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> None:
    """Use the start-cropping render for every partial update of this process."""
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]


def uninstall() -> None:
    ChopsUpdate.render_segments = _ORIGINAL  # type: ignore[method-assign]
