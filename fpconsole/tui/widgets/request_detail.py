"""The Requests section's detail panel: a journal entry's summary, then its redacted request and
answer as JSON, which are often taller than the panel.

Over SSH every repainted cell is written to the terminal again. A DetailPanel's scrollbar is a
widget of its own, and Textual repaints it whole (its cells on every line of the panel) when
the content's height changes; in a journal the height changes on nearly every cursor move (a
short `limits.list` answer next to a long `card.info` one), and the scrollbar cost more bytes
than the text that changed (1.7 KiB a move at 120x40).

So here the scrollbar shows only while the panel has focus (Tab, to scroll it). Without focus its
column stays reserved and blank, except for a ▼ on the last line when more is below (▲ on the
first when some is above): one cell that the line diff repaints when it changes. The text is
laid out at the width left by the scrollbar either way, so taking or leaving focus never
rewraps it, and its height never changes the panel's layout.

What is shown is laid out so that a move rewrites little more than what differs: the keys that
work on the entry come right under its summary (a fixed place, in view even when the JSON is
long, and not pushed down a line for each line the JSON grows), and the JSON is laid out for the
panel's width by `json_layout` (no lone commas or keys, small objects on one line).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip

from fpconsole.tui.widgets.detail import DetailPanel
from fpconsole.tui.widgets.json_layout import JsonText

MORE_BELOW = "▼"
MORE_ABOVE = "▲"


class RequestDetail(DetailPanel):
    # overflow-y: scroll keeps the scrollbar's column whatever the content's height (no layout
    # pass when it grows or shrinks); its width is 0 until the panel has focus.
    DEFAULT_CSS = """
    RequestDetail { overflow-y: scroll; scrollbar-size-vertical: 0; }
    RequestDetail:focus { scrollbar-size-vertical: 1; }
    """
    SCROLLBAR = 1  # the reserved column: as wide as the scrollbar shown with focus

    def show_entry(
        self, title: str, pairs: list[tuple[str, str]], hint: str, *, request: Any, response: Any
    ) -> None:
        """A journal entry: its summary and the keys that work on it, then the JSON."""
        parts: list[RenderableType] = [self.title_text(title), *self.section_parts("", pairs)]
        if hint:
            parts += [Text(""), Text(hint, style="dim")]
        for heading, value in (("Request (redacted)", request), ("Response (redacted)", response)):
            parts += [Text(""), self.heading_text(heading), JsonText(value)]
        self._update(Group(*parts))

    def _fit_scrollbar(self, *, rerender: bool = False) -> bool:
        """Render at the width the scrollbar leaves, always; set the scrollable size. True when
        that width changed (the panel was resized: all is repainted then)."""
        width = max(self.content_region.width - self.SCROLLBAR, 0)
        changed = width != self._lines_width
        if rerender or changed:
            self._lines = self._render_at(width)
        self._lines_width = width
        size = Size(width, len(self._lines))
        if size != self.virtual_size:
            # Not through the reactive, which asks for a layout pass (see DetailPanel).
            self.set_reactive(DetailPanel.virtual_size, size)
            self._scroll_update(size)
        return changed

    def window_line(self, index: int, y: int) -> Strip:
        line = super().window_line(index, y)
        if self.styles.scrollbar_size_vertical or index >= len(self._lines):
            return line  # the scrollbar is in the column, or nothing is on this line
        cue = self._cue(index, y)
        if not cue:
            # Left as it is: a line that ends early ends in the panel's own blank, as a line
            # below the content does, so the two compare equal (padding it with blanks of the
            # text's style would make a line that was text and is now empty differ to the end).
            return line
        line = line.extend_cell_length(self._lines_width, self.visual_style.rich_style)
        return Strip([*line, Segment(cue, self.visual_style.rich_style + self._cue_style())])

    def _cue(self, index: int, y: int) -> str:
        """The reserved column's cell on line `y`: ▼ / ▲ where more is below / above."""
        if y == self.scrollable_content_region.height - 1 and index < len(self._lines) - 1:
            return MORE_BELOW
        if y == 0 and index > 0:
            return MORE_ABOVE
        return ""

    def _cue_style(self) -> Style:
        theme = self.app.current_theme
        return Style.parse(f"bold {theme.accent or theme.primary}")
