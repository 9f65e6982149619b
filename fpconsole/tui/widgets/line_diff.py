"""Which cells of a line changed between two paints.

Over SSH every cell a widget marks dirty is written to the terminal again; Textual's compositor
does not compare with the previous frame. A widget that knows what it painted before can mark
only the span that changed (a detail panel whose next row differs in a few values)."""

from __future__ import annotations

from rich.style import Style
from textual.strip import Strip


def _cells(strip: Strip) -> list[tuple[str, Style | None]] | None:
    """(character, style) per cell, or None when a character is not one cell wide."""
    cells: list[tuple[str, Style | None]] = []
    for segment in strip:
        text, style, control = segment
        if control:
            return None
        cells.extend((character, style) for character in text)
    if len(cells) != strip.cell_length:  # a wide character: spans cannot be told by index
        return None
    return cells


def changed_span(old: Strip | None, new: Strip, width: int) -> tuple[int, int] | None:
    """The cells [start, end) of a `width`-wide line that differ between `old` and `new`, or
    None when the strips are equal. A line never painted, or with wide characters, is changed
    whole; one whose cells are equal but not its segments, at its first cell."""
    if old is not None and old == new:
        return None
    old_cells = _cells(old) if old is not None else None
    new_cells = _cells(new)
    if old_cells is None or new_cells is None:
        return (0, width)
    blank: tuple[str, Style | None] = (" ", None)
    size = max(len(old_cells), len(new_cells))
    old_cells += [blank] * (size - len(old_cells))
    new_cells += [blank] * (size - len(new_cells))
    start = 0
    while start < size and old_cells[start] == new_cells[start]:
        start += 1
    if start == size:
        # The same cells in other segments (an empty styled segment where there was none): the
        # terminal would show no difference, but what a screenshot records of the line does.
        return (0, min(1, width)) if width else None
    end = size
    while end > start and old_cells[end - 1] == new_cells[end - 1]:
        end -= 1
    if start >= width:  # beyond what is shown
        return None
    return (start, min(end, width))
