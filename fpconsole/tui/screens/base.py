"""What every section (Clients, Cards, Requests, …) shares: the top bar, a virtual list from the
local cache with a `/` filter, a detail panel, and a footer with the keys that work here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from fpconsole.tui.widgets.detail import DetailPanel
from fpconsole.tui.widgets.paged_table import Column, PagedTable, Row, RowSource
from fpconsole.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from fpconsole.tui.app import FpConsoleApp


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the user can do here; `available` says whether the selection allows it."""

    key: str
    title: str
    run: Callable[[], Any]
    available: bool = True
    changes_state: bool = True
    short: str = ""  # in the detail panel's key hint, where the title is too long

    @property
    def label(self) -> str:
        return self.short or self.title.rstrip("…")


class QueryRows:
    """Rows for a list, fetched page by page from a cache query."""

    def __init__(
        self,
        count: Callable[[], int],
        fetch: Callable[[int, int], Sequence[Any]],
        to_row: Callable[[Any], Row],
    ) -> None:
        self._count = count
        self._fetch = fetch
        self._to_row = to_row

    def count(self) -> int:
        return self._count()

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return [self._to_row(item) for item in self._fetch(offset, limit)]


class ListScreen(Screen[None]):
    SECTION: ClassVar[str] = ""
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    EMPTY_TEXT: ClassVar[str] = "Nothing here yet."
    HELP: ClassVar[str] = ""
    DETAIL_DELAY: ClassVar[float] = 0.15  # seconds the cursor rests on a row before its fetch
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
        Binding("a", "actions", "Actions", id="actions"),
    ]
    # Below 110 columns the detail panel narrows and the top bar drops the host, so at 80x24
    # the list keeps its status column and the live "in process" count stays on screen.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    ListScreen #filter { dock: bottom; display: none; height: 3; border: tall $accent; }
    ListScreen #filter.-visible { display: block; }
    ListScreen #body { height: 1fr; }
    ListScreen #list-pane { width: 1fr; }
    ListScreen.-narrow DetailPanel { width: 32; }
    ListScreen.-narrow TopBar > #host { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self._detail_timer: Timer | None = None

    @property
    def fp_app(self) -> FpConsoleApp:
        from fpconsole.tui.app import FpConsoleApp

        assert isinstance(self.app, FpConsoleApp)
        return self.app

    def compose(self) -> ComposeResult:
        context = self.fp_app.context
        yield TopBar.for_context(context, self.SECTION)
        with Horizontal(id="body"):
            with Vertical(id="list-pane"):
                yield PagedTable(self.COLUMNS, self.make_source(""), empty_text=self.EMPTY_TEXT, id="list")
                box = Input(
                    placeholder="filter: id, name, phone, last 4 digits…  (enter keeps, esc clears)",
                    id="filter",
                )
                box.cursor_blink = False  # as in the forms: no redraws over SSH, stable snapshots
                yield box
            yield DetailPanel(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TopBar).in_process = self.fp_app.in_process

    # --- data: subclasses say what to list ----------------------------------------------

    def make_source(self, query: str) -> RowSource:
        raise NotImplementedError

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        """Fill the detail panel for the highlighted row from what is cached; with `fetch`,
        also start a worker that reads fresh data from the API."""

    def actions(self, row: Row | None) -> list[Action]:
        return []

    # --- list ---------------------------------------------------------------------------

    @property
    def table(self) -> PagedTable:
        return self.query_one("#list", PagedTable)

    @property
    def detail(self) -> DetailPanel:
        return self.query_one("#detail", DetailPanel)

    def reload(self) -> None:
        self._list(keep_cursor=True)

    def _list(self, *, keep_cursor: bool = False) -> None:
        # An empty filtered list says why, and how to get everything back.
        self.table.empty_text = (
            f"Nothing here matches {self.query_text!r}. esc clears the filter."
            if self.query_text
            else self.EMPTY_TEXT
        )
        self.table.set_source(self.make_source(self.query_text), keep_cursor=keep_cursor)

    def action_refresh(self) -> None:
        self.reload()

    @on(PagedTable.Highlighted, "#list")
    def _highlighted(self, message: PagedTable.Highlighted) -> None:
        # What the cache knows shows at once; the network fetch is debounced, so holding a
        # key down does not fire a request per row.
        row = message.row
        self.show_detail(row, fetch=False)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(self.DETAIL_DELAY, lambda: self.show_detail(row))

    @on(PagedTable.Selected, "#list")
    def _selected(self, message: PagedTable.Selected) -> None:
        self.action_actions()

    # --- filter -------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        # At once, not box.focus(), so keys typed right after `/` reach the box (type_ahead.py);
        # its styles first: a box still display:none cannot take the focus.
        self.app.update_styles(box)
        self.set_focus(box)

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-visible") or self.query_text:
            box.value = ""
            box.remove_class("-visible")
            self.query_text = ""
            self.reload()
            self.table.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self._list()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.remove_class("-visible")
        self.table.focus()

    # --- actions ------------------------------------------------------------------------

    def action_actions(self) -> None:
        from fpconsole.tui.actions_menu import ActionsMenu

        row = self.table.current_row
        shown = [a for a in self.actions(row) if not (a.changes_state and self.fp_app.context.read_only)]
        if not shown:
            self.notify("No actions here.", timeout=2)
            return
        title = row.cells[0] if row else self.SECTION

        def run(choice: Action | None) -> None:
            if choice is not None:
                choice.run()

        self.app.push_screen(ActionsMenu(title, shown), run)

    def keys_hint(self, row: Row | None) -> str:
        """The keys that work on this row now, for the detail panel: "a actions · b Block · …".
        Only what the selection's state allows, and nothing that changes state when read-only."""
        general = {action.key for action in self.actions(None)}
        read_only = self.fp_app.context.read_only
        keys = [
            f"{action.key} {action.label}"
            for action in self.actions(row)
            if action.key not in general and action.available and not (action.changes_state and read_only)
        ]
        return " · ".join(["a actions", *keys])

    def palette_from_actions(self, actions: list[Action], target: str) -> list[SystemCommand]:
        """The selection's allowed actions as palette commands, e.g. "Block card 440043…1234"."""
        read_only = self.fp_app.context.read_only
        return [
            SystemCommand(f"{action.title.rstrip('…')} {target}", f"key {action.key}", action.run)
            for action in actions
            if action.available and not (action.changes_state and read_only)
        ]

    def run_action_key(self, key: str) -> bool:
        for action in self.actions(self.table.current_row):
            if action.key == key:
                if action.changes_state and self.fp_app.context.read_only:
                    self.notify("Read-only: state-changing actions are hidden.", severity="warning")
                    return True
                if not action.available:
                    self.notify(f"{action.title}: not possible in this state.", severity="warning")
                    return True
                action.run()
                return True
        return False
