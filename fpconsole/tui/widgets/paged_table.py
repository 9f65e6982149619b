"""A virtual table: rows are fetched a page at a time from a RowSource (the SQLite cache), so a
list of 100,000 cards opens and scrolls as fast as a list of ten.

Textual's DataTable keeps every row in memory and lays all of them out; that costs seconds
and tens of MiB at cache scale. This widget draws only the visible lines (line API).

A value is never cut silently: one longer than its column ends with `…`, and a column that does
not fit the width entirely is left out, the lowest `priority` first (so an id column is never
shown with its last digits missing, which would read as another, real id).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int  # 0 = take the remaining width (at least FLEX_MIN)
    align: str = "left"
    # When the columns do not all fit, the lowest priority is left out first (then the rightmost).
    priority: int = 0
    # Which end of a too-long value stays: "end" for a timeline whose last word is the news.
    keep: str = "start"


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the entity's id
    cells: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    style: str = ""  # a component-class suffix for status colouring, e.g. "error"


class RowSource(Protocol):
    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> Sequence[Row]: ...


class EmptySource:
    def count(self) -> int:
        return 0

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return ()


PAGE = 128
FLEX_MIN = 8  # a column of width 0 is left out rather than narrower than this


def _fit(text: str, width: int, align: str, keep: str = "start") -> str:
    if len(text) > width:
        if width <= 1:
            return text[:width]
        if keep != "end":
            return text[: width - 1] + "…"
        tail = text[len(text) - width + 1 :]
        if not text[len(text) - width].isspace() and " " in tail:
            # Cut at a word's start, not inside one: "… → success", not "…ocess → success".
            tail = tail[tail.index(" ") :]
        text = "…" + tail
    return text.rjust(width) if align == "right" else text.ljust(width)


class PagedTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    PagedTable { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    PagedTable > .paged-table--header { text-style: bold; color: $text-muted; }
    PagedTable > .paged-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    PagedTable:blur > .paged-table--cursor {
        background: $block-cursor-blurred-background; text-style: none;
    }
    PagedTable > .paged-table--error { color: $error; }
    PagedTable > .paged-table--warning { color: $warning; }
    PagedTable > .paged-table--success { color: $success; }
    PagedTable > .paged-table--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--error",
        "paged-table--warning",
        "paged-table--success",
        "paged-table--muted",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list-up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list-page-down"),
        Binding("home,g", "first", "First", show=False, id="list-first"),
        Binding("end,G", "last", "Last", show=False, id="list-last"),
        Binding("enter", "select", "Open", show=False, id="list-open"),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False)  # watch_cursor_row repaints two lines

    class Highlighted(Message):
        def __init__(self, table: PagedTable, row: Row | None) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> PagedTable:
            return self.table

    class Selected(Highlighted):
        pass

    def __init__(
        self,
        columns: Sequence[Column],
        source: RowSource | None = None,
        *,
        empty_text: str = "Nothing here yet.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.source: RowSource = source or EmptySource()
        self.empty_text = empty_text
        self._pages: dict[int, Sequence[Row]] = {}
        self._count = 0
        self._announced: str | None = None  # the row key last sent in Highlighted
        self._style_memo: dict[str, Style] = {}
        self._layout_memo: tuple[int, list[tuple[Column, int, int]]] | None = None
        # What each line of the window showed when last painted: a cursor move or a reload
        # repaints only the lines whose row, cells, style or cursor changed, not the whole list
        # (over SSH every repainted cell is written to the terminal again).
        self._painted: dict[int, object] = {}
        self._scroll_state: object = None  # what the scrollbar was last set up for

    def on_mount(self) -> None:
        self.reload()

    def _scroll_update(self, virtual_size: Size) -> None:
        # Textual calls this on every layout pass of the screen (a status change in the top bar
        # is one), and it repaints the whole scrollbar column each time: over SSH, 40 lines
        # written for nothing. Done only when something it depends on changed.
        state = (
            virtual_size,
            self.size,
            self.container_size,
            self.scroll_offset,
            self.show_vertical_scrollbar,
            self.styles.scrollbar_size_vertical,
        )
        if state == self._scroll_state:
            return
        self._scroll_state = state
        super()._scroll_update(virtual_size)

    # --- data --------------------------------------------------------------------------

    def set_source(self, source: RowSource, *, keep_cursor: bool = False) -> None:
        key = self.current_row.key if keep_cursor and self.current_row else None
        self.source = source
        self.reload()
        if key is None:
            self.cursor_row = 0
        self._post_highlight()

    def reload(self) -> None:
        """Drop fetched pages (the cache changed) and redraw, keeping the cursor on the same
        entity: a recent-first list reorders when an entity is seen again."""
        previous = self._announced
        self._pages.clear()
        self._count = self.source.count()
        self.virtual_size = Size(self._content_width(), self._count + 1)
        if self.cursor_row >= self._count:
            self.cursor_row = max(self._count - 1, 0)
        self.refresh_changed_lines()
        row = self.current_row
        if previous is not None and (row is None or row.key != previous):
            self.move_to_key(previous)
            row = self.current_row
        if (row.key if row else None) != self._announced:
            self._post_highlight()

    @property
    def row_count(self) -> int:
        return self._count

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self._count:
            return None
        page_number, within = divmod(index, PAGE)
        page = self._pages.get(page_number)
        if page is None:
            page = self.source.rows(page_number * PAGE, PAGE)
            if len(self._pages) > 64:  # bounded memory however far one scrolls
                self._pages.clear()
            self._pages[page_number] = page
        return page[within] if within < len(page) else None

    @property
    def current_row(self) -> Row | None:
        return self.row_at(self.cursor_row)

    # --- layout ------------------------------------------------------------------------

    def _content_width(self) -> int:
        fixed = sum(c.width for c in self.columns) + len(self.columns)
        return max(fixed, self.size.width)

    def _layout(self) -> list[tuple[Column, int, int]]:
        """The columns shown at this width: (column, width, index of its cell). Columns that do
        not fit entirely are left out, lowest priority first; the flexible ones share the rest."""
        width = self.size.width or 80
        memo = self._layout_memo
        if memo is not None and memo[0] == width:
            return memo[1]
        shown = list(self.columns)

        def needed(columns: list[Column]) -> int:
            # " " + cells joined by " ", and one spare cell at the right when a column flexes.
            flexible = sum(1 for c in columns if not c.width)
            return sum(c.width for c in columns) + len(columns) + (1 + FLEX_MIN * flexible if flexible else 0)

        while len(shown) > 1 and needed(shown) > width:
            order = sorted(range(len(shown)), key=lambda i: (shown[i].priority, -i))
            del shown[order[0]]
        fixed = sum(c.width for c in shown) + len(shown)
        flexible = [c for c in shown if not c.width]
        spare = max(width - fixed - 1, FLEX_MIN)
        share = max(spare // max(len(flexible), 1), FLEX_MIN)
        found = [(c, c.width or share, self.columns.index(c)) for c in shown]
        self._layout_memo = (width, found)
        return found

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The keys of the columns shown at the current width."""
        return tuple(c.key for c, _, _ in self._layout())

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self._content_width(), self._count + 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles are resolved once per paint, not once per line (they only change with the theme).
        self._style_memo.clear()
        return super().render_lines(crop)

    def _style(self, name: str) -> Style:
        found = self._style_memo.get(name)
        if found is None:
            found = self.rich_style if name == "base" else self.get_component_rich_style(name)
            self._style_memo[name] = found
        return found

    def _line_state(self, y: int) -> object:
        """What line `y` of the window shows, as far as its paint depends on it."""
        width = self.size.width
        if y == 0:
            return ("header", width)
        if self._count == 0:
            return ("empty", width, self.empty_text)
        index = self.scroll_offset.y + y - 1
        row = self.row_at(index)
        if row is None:
            return ("blank", width)
        return (width, row.key, row.cells, row.style, index == self.cursor_row)

    def refresh_changed_lines(self) -> None:
        """Repaint the lines of the window that would now show something else."""
        if not self.is_mounted:
            return
        width = max(self.virtual_size.width, self.size.width)
        changed = [y for y in range(self.size.height) if self._painted.get(y) != self._line_state(y)]
        regions: list[Region] = []
        for y in changed:  # consecutive lines as one region
            if regions and regions[-1].bottom == y:
                last = regions.pop()
                regions.append(Region(0, last.y, width, last.height + 1))
            else:
                regions.append(Region(0, y, width, 1))
        if regions:
            self.refresh(*regions)

    def render_line(self, y: int) -> Strip:
        self._painted[y] = self._line_state(y)
        layout = self._layout()
        width = self.size.width
        if y == 0:
            header = self._style("paged-table--header")
            text = " ".join(_fit(c.label, w, c.align) for c, w, _ in layout)
            return Strip([Segment(" " + text, header)]).adjust_cell_length(width, header)
        index = self.scroll_offset.y + y - 1
        base = self._style("base")
        if self._count == 0:
            # The empty text wraps: at 80 columns the list is under 50 wide.
            lines = textwrap.wrap(self.empty_text, max(width - 2, 10)) or [""]
            if 2 <= y < 2 + len(lines):
                muted = self._style("paged-table--muted")
                return Strip([Segment(" " + lines[y - 2], muted)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, base)
        style: Style = base
        if row.style:
            style = base + self._style(f"paged-table--{row.style}")
        if index == self.cursor_row:
            style = style + self._style("paged-table--cursor")
        cells = row.cells
        text = " ".join(_fit(cells[i] if i < len(cells) else "", w, c.align, c.keep) for c, w, i in layout)
        return Strip([Segment(" " + text, style)]).adjust_cell_length(width, style)

    # --- cursor ------------------------------------------------------------------------

    def _visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        visible = self._visible_rows()
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False, immediate=True)
        # A move within the window repaints two lines, as a stock DataTable does; one that
        # scrolls repaints the window (the scroll itself asks for that).
        self.refresh_changed_lines()
        self._post_highlight()

    def _post_highlight(self) -> None:
        row = self.current_row
        self._announced = row.key if row else None
        self.post_message(self.Highlighted(self, row))

    def _move_to(self, index: int) -> None:
        if self._count:
            self.cursor_row = min(max(index, 0), self._count - 1)

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_row + direction * self._visible_rows())

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self._count - 1)

    def action_select(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Selected(self, row))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if event.y >= 1 and 0 <= index < self._count:
            if index == self.cursor_row and event.chain >= 2:
                self.action_select()
            self.cursor_row = index

    def move_to_key(self, key: str) -> bool:
        """Put the cursor on the row with this key, if it is among the first pages."""
        for index in range(min(self._count, PAGE * 4)):
            row = self.row_at(index)
            if row is not None and row.key == key:
                self.cursor_row = index
                return True
        return False
