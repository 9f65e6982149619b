"""A key/value panel for the selected client, card or request.

It follows the cursor on every key press, so what a move costs matters: over SSH each repainted
cell is written to the terminal again. The panel draws its own lines (line API) and, when it is
given new content, repaints only the cells that differ from what it painted last (the next
client's values, not its labels), with no layout pass: its size never depends on its content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual, visualize

from fpconsole.tui.glyphs import marked
from fpconsole.tui.widgets.line_diff import changed_span

# Below the content: no segments at all, so the line is the panel's own blank, as one run with
# its padding (as a container's empty line is), not a run of its own.
_NOTHING = Strip([], 0)


PENDING = "…"  # a value being fetched

Sections = list[tuple[str, list[tuple[str, str]]]]


def with_pending(sections: Sections, shape: list[tuple[str, list[str]]]) -> Sections:
    """`sections` laid out as `shape` (the last complete detail): each key of the shape that
    `sections` lacks is kept in its place with a PENDING value; a section it lacks keeps its
    lines as PENDING ones without their labels (those belong to the item shown before)."""
    given = dict(sections)
    out: Sections = []
    for heading, keys in shape:
        pairs = given.pop(heading, None)
        if pairs is None:
            out.append((heading, [("", PENDING)] * len(keys)))
            continue
        known = {key for key, _ in pairs}
        shaped = set(keys)
        merged: list[tuple[str, str]] = []
        taken = 0
        for key in keys:
            if key not in known:
                merged.append((key, PENDING))
                continue
            while taken < len(pairs):  # the given pairs up to this key, in their order
                taken += 1
                merged.append(pairs[taken - 1])
                if pairs[taken - 1][0] == key:
                    break
            while taken < len(pairs) and pairs[taken][0] not in shaped:  # new ones after it
                merged.append(pairs[taken])
                taken += 1
        out.append((heading, merged + pairs[taken:]))
    out += [(heading, pairs) for heading, pairs in sections if heading in given]
    return out


# A masked PAN (440043******8785, mask_pan's shape): split over two lines it reads as two numbers.
_MASKED_PAN = re.compile(r"\d{4,6}\*{2,}\d{4}")


class Pairs:
    """A section's label/value lines, laid out at the width they are rendered at.

    The whole width, values taking what the labels leave: a line's trailing blanks are then the
    same run whatever its value's length, so a new value repaints only itself. A masked PAN is
    never wrapped: where the labels would leave it too little room (the narrow panel at 80
    columns), the labels give way, cut with "…"."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.keep = max(
            (len(found.group()) for _, value in pairs for found in _MASKED_PAN.finditer(value)), default=0
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label_room = max(options.max_width - 1 - self.keep, 1) if self.keep else None
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True, overflow="ellipsis", max_width=label_room)
        table.add_column(overflow="fold", ratio=1)
        for key, value in self.pairs:
            table.add_row(key, Text(value))
        yield table


class DetailPanel(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    DetailPanel {
        width: 44; height: 1fr; border-left: solid $panel; padding: 0 1;
        overflow-x: hidden; overflow-y: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content: RenderableType = Text("")
        # The content rendered at the width it is shown at; re-rendered on a resize or a theme
        # change (its styles may change the strips), compared line by line on an update.
        self._lines: list[Strip] = []
        self._lines_width = -1
        # What each line of the window showed when last painted, for the diff.
        self._painted: dict[int, Strip] = {}
        # The sections and keys of the last complete detail (see `show(pending=True)`).
        self._shape: list[tuple[str, list[str]]] = []

    # --- content ------------------------------------------------------------------------

    def show(
        self,
        title: str,
        sections: Iterable[tuple[str, Iterable[tuple[str, str]]]],
        hint: str = "",
        *,
        pending: bool = False,
    ) -> None:
        """`pending`: more of this item is on its way (a fetch). Its lines keep the places they
        had in the last complete detail, with PENDING where a value is not known yet, so the
        answer changes values in place instead of moving every line (each moved line is
        written to the terminal again)."""
        listed = [(heading, list(pairs)) for heading, pairs in sections]
        if pending:
            listed = with_pending(listed, self._shape)
        else:
            self._shape = [(heading, [key for key, _ in pairs]) for heading, pairs in listed]
        parts: list[RenderableType] = [self.title_text(title)]
        for heading, pairs in listed:
            parts += self.section_parts(heading, pairs)
        if hint:
            parts.append(Text(""))
            parts.append(Text(hint, style="dim"))
        self._update(Group(*parts))

    def title_text(self, title: str) -> Text:
        return Text(title, style=f"bold {self.app.current_theme.primary}")

    def heading_text(self, heading: str) -> Text:
        theme = self.app.current_theme
        return Text(heading, style=f"bold {theme.secondary or theme.primary}")

    def section_parts(self, heading: str, pairs: list[tuple[str, str]]) -> list[RenderableType]:
        """A section as `show` lays it out: a blank line and its heading (if any), its pairs."""
        parts: list[RenderableType] = []
        if heading:
            parts.append(Text(""))
            parts.append(self.heading_text(heading))
        parts.append(Pairs(pairs))
        return parts

    def show_message(self, title: str, message: str, *, error: bool = False) -> None:
        theme = self.app.current_theme
        style = (theme.error or "red") if error else "dim"
        shown = marked(message) if error else message  # NO_COLOR: not by its colour alone
        self._update(Group(Text(title, style=f"bold {theme.primary}"), Text(""), Text(shown, style=style)))

    def _update(self, renderable: RenderableType) -> None:
        self._content = renderable
        if self._lines_width < 0 or not self.is_mounted:
            return  # not laid out yet: the first paint renders it
        if self._fit_scrollbar(rerender=True):
            self.refresh()
            return
        self._refresh_changed()

    # --- rendering ----------------------------------------------------------------------

    def _render_at(self, width: int) -> list[Strip]:
        """The content as a Static shows it (Textual's own Visual pipeline), `width` wide."""
        if width <= 0:
            return []
        visual = visualize(self, self._content)
        return Visual.to_strips(self, visual, width, None, self.visual_style)

    def _widths(self) -> tuple[int, int]:
        """The content width without and with the vertical scrollbar."""
        full = self.content_region.width
        return full, max(full - self.styles.scrollbar_size_vertical, 0)

    def _fit_scrollbar(self, *, rerender: bool = False) -> bool:
        """Render at the width left by the scrollbar when the content is taller than the panel
        (the scrollbar shows then), else at the whole width; set the scrollable size. True when
        the width changed (all is repainted then)."""
        full, narrow = self._widths()
        height = self.content_region.height
        lines: list[Strip] | None = None
        if self._lines_width == narrow != full:
            # Once the scrollbar has been needed its column stays reserved (until a resize),
            # even for content that fits: the next taller item then changes values in place
            # instead of rewrapping and repainting the whole panel (a list of requests mixes
            # short and long JSON, so it came and went on every other cursor move).
            lines = self._render_at(narrow) if rerender else self._lines
            width = narrow
        if lines is None:
            lines = self._render_at(full) if rerender or self._lines_width != full else self._lines
            width = full
            if len(lines) > height and narrow != full:
                lines, width = self._render_at(narrow), narrow
                # The scrollbar then stays too: hiding it again would change the panel's
                # container size (a layout pass and a Resize, so a repaint of the whole panel).
                self.styles.overflow_y = "scroll"
        changed = width != self._lines_width
        self._lines, self._lines_width = lines, width
        size = Size(width, len(lines))
        if size != self.virtual_size:
            # Not through the reactive, which asks for a layout pass: a layout repaints the whole
            # panel. The scrollbar is told directly (its appearing changes the width: all is
            # repainted then anyway).
            self.set_reactive(DetailPanel.virtual_size, size)
            self._scroll_update(size)
        return changed

    def _refresh_changed(self) -> None:
        """Mark dirty only the cells that will show something else than they do now."""
        width = self.scrollable_content_region.width
        top = self.scroll_offset.y
        regions: list[Region] = []
        for y in range(self.content_region.height):
            new = self.window_line(top + y, y)
            span = changed_span(self._painted.get(y), new, width)
            if span is not None:
                regions.append(Region(span[0], y, span[1] - span[0], 1))
        if regions:
            self.refresh(*regions)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_scrollbar(rerender=True)
        self._painted.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        # A theme or class change restyles the content: render it again, all of it.
        super().notify_style_update()
        if self._lines_width >= 0:
            self._lines = self._render_at(self._lines_width)
            self._painted.clear()

    def window_line(self, index: int, y: int) -> Strip:
        """What line `y` of the window shows: content line `index` (a subclass may add to it;
        the diff above and the paint below both ask here, so they agree)."""
        return self._lines[index] if index < len(self._lines) else _NOTHING

    def render_line(self, y: int) -> Strip:
        line = self.window_line(self.scroll_offset.y + y, y)
        self._painted[y] = line
        return line
