"""What the terminal shows, chop by chop: a repaint of cells that come out the same writes nothing.

Textual repaints whole widgets, often the whole screen, when little or nothing changed. Opening
a form paints the screen three times over (its layout on resume, `refresh()` right after it, and
again once its mount is awaited), and a focus move or a notification repaints widgets whose
cells come out as they were. Over SSH each of those is ~11 KiB written for nothing.

The compositor cuts every line into chops at widget edges. `partial_paint` asks this memo
before writing a chop: the same rendered text (characters and their colour codes) at the same
cells means the terminal already shows it. The memo must describe the terminal, so it is
forgotten whenever the terminal may have changed behind the console's back: a resize, the console
suspended and resumed, ctrl+l.
"""

from __future__ import annotations


class ShownCells:
    """Per line: a chop's first cell → (the cell after its last, the text that drew it)."""

    def __init__(self) -> None:
        self._lines: dict[int, dict[int, tuple[int, str]]] = {}
        self.size: tuple[int, int] | None = None  # of the last whole screen written

    def forget(self) -> None:
        self._lines.clear()
        self.size = None

    def shows(self, y: int, x: int, end: int, text: str) -> bool:
        line = self._lines.get(y)
        return line is not None and line.get(x) == (end, text)

    def wrote(self, y: int, x: int, end: int, text: str | None) -> None:
        """Cells [x, end) of line y now show `text`; None: cells written that cannot be recalled
        (part of a chop), so nothing over them is taken as shown any more."""
        line = self._lines.setdefault(y, {})
        for start in [start for start, (stop, _) in line.items() if start < end and stop > x]:
            del line[start]
        if text is not None:
            line[x] = (end, text)

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())
