"""What every section (Clients, Cards, Requests, …) shares: the top bar, a virtual list from the
local cache with a `/` filter, a detail panel, and a footer with the keys that work here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from fpconsole.tui.messages import AppNews, subscribe_news
from fpconsole.tui.widgets.detail import DetailPanel
from fpconsole.tui.widgets.in_place import InPlaceInput
from fpconsole.tui.widgets.key_hints import KeyHints
from fpconsole.tui.widgets.paged_table import Column, PagedTable, Row, RowSource
from fpconsole.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from fpconsole.list_filters import ListFilter, Qualifiers
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
    why_not: str = ""  # when not available, why: "not possible for a closed card"

    @property
    def label(self) -> str:
        return self.short or self.title.rstrip("…")

    @property
    def refusal(self) -> str:
        """What to say when the action is asked for but not available."""
        return f"{self.label}: {self.why_not or 'not possible in this state'}."


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
    # The form `n` opens with nothing filled in, if any: built ahead while the list is read
    # (spare_form.py), so it shows at once.
    NEW_FORM: ClassVar[str | None] = None
    EMPTY_TEXT: ClassVar[str] = "Nothing here yet."
    # Filled by the sandbox's snapshot (its first page may still be on its way); Requests is not.
    PRIMED_FROM_SANDBOX: ClassVar[bool] = True
    HELP: ClassVar[str] = ""
    DETAIL_DELAY: ClassVar[float] = 0.15  # seconds the cursor rests on a row before its fetch
    # The detail panel's class: a section whose detail needs more (Requests' JSON) subclasses it.
    DETAIL_PANEL: ClassVar[type[DetailPanel]] = DetailPanel
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
        Binding("a", "actions", "Actions", id="actions"),
        # Every list exports what it shows (filtered), as the palette's "Export…" does.
        Binding("e", "export", "Export", id="export"),
        # `w`: not ctrl+s (a common tmux prefix); in help, and in the palette as "Save view".
        Binding("w", "save_view", "Save filter as view", show=False, id="save-view"),
    ]
    # Below 110 columns the detail panel narrows and the top bar drops the host, so at 80x24
    # the list keeps its status column and the live "in process" count stays on screen.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    ListScreen #filter { dock: bottom; display: none; height: 3; border: tall $accent; }
    ListScreen #filter.-visible { display: block; }
    ListScreen #body { height: 1fr; }
    ListScreen #list-pane { width: 1fr; }
    ListScreen #scope { display: none; height: 1; padding: 0 1; background: $boost; color: $warning; }
    ListScreen #scope.-visible { display: block; }
    ListScreen.-narrow DetailPanel { width: 32; }
    ListScreen.-narrow TopBar > #host { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        # What the `/` filter's qualifiers did not understand (fpconsole.list_filters).
        self.filter_problems: tuple[str, ...] = ()
        self._detail_timer: Timer | None = None
        # The row (key, cached state) the detail panel was last filled for: a cache change that
        # leaves it as it was does not show or fetch it again (the fetch itself changes the cache).
        self._detail_for: tuple[str, object] | None = None

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
                yield Static("", id="scope")
                yield PagedTable(self.COLUMNS, self.make_source(""), empty_text=self.empty_text(), id="list")
                box = InPlaceInput(placeholder=self.filter_placeholder(), id="filter")
                box.cursor_blink = False  # as in the forms: no redraws over SSH, stable snapshots
                yield box
            yield self.DETAIL_PANEL(id="detail")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(TopBar).in_process = self.fp_app.in_process
        subscribe_news(self, self.on_app_news)

    def on_screen_resume(self) -> None:
        self.fp_app.spare_forms.schedule()  # shown (again): its `n` form is built after a pause

    def on_app_news(self, message: AppNews) -> None:
        """App-level news (the app's `news` signal): a list reacts to what changes it."""

    # --- data: subclasses say what to list ----------------------------------------------

    def make_source(self, query: str) -> RowSource:
        raise NotImplementedError

    def filter_placeholder(self) -> str:
        accepted = self._qualifiers()
        words = f"words or {accepted.hint()}" if accepted else "id, name, phone, last 4 digits…"
        return f"filter: {words}  (enter keeps, esc clears)"

    def _qualifiers(self) -> Qualifiers | None:
        from fpconsole.list_filters import LIST_QUALIFIERS

        return LIST_QUALIFIERS.get(self.SECTION.lower())

    def filter_clock(self) -> datetime:
        """`since:7d` counts from the console's clock (a test pins it)."""
        clock = self.fp_app.context.client_clock
        found = clock() if clock is not None else None
        return found if isinstance(found, datetime) else datetime.now(UTC)

    def list_filter(self, query: str) -> ListFilter:
        """The `/` text as qualifiers and free words; what is not understood is kept in
        `filter_problems` (shown under the box, and said on enter), not applied."""
        from fpconsole.list_filters import ListFilter, parse_filter

        accepted = self._qualifiers()
        found = parse_filter(query, accepted, now=self.filter_clock) if accepted else ListFilter(text=query)
        self.filter_problems = found.problems
        return found

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        """Fill the detail panel for the highlighted row from what is cached; with `fetch`,
        also start a worker that reads fresh data from the API."""

    def actions(self, row: Row | None) -> list[Action]:
        return []

    def scope_text(self) -> str:
        """A line above the list saying what narrows it besides the `/` filter (e.g. one
        client's cards) and how to undo that; empty when nothing does."""
        return ""

    def detail_state(self, row: Row) -> object:
        """What the detail shows of the cache for this row; when a cache change alters it, the
        detail is shown again and its fetch is made again."""
        return row.data

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
        narrowed = self.query_text or self.scope_text()
        self.table.empty_text = (
            (f"No match for {self.query_text!r}." if self.query_text else "Nothing here.")
            + " esc clears the filter."
            if narrowed
            else self.empty_text()
        )
        scope = self.query_one("#scope", Static)
        text = self.scope_text()
        scope.update(text)
        scope.set_class(bool(text), "-visible")
        self.table.set_source(self.make_source(self.query_text), keep_cursor=keep_cursor)
        box = self.query_one("#filter", Input)
        box.border_subtitle = "; ".join(self.filter_problems)

    def action_refresh(self) -> None:
        self.reload()
        if self.PRIMED_FROM_SANDBOX:  # and what the sandbox changed meanwhile (the lists follow)
            self.fp_app.prime_again()

    @on(PagedTable.Highlighted, "#list")
    def _highlighted(self, message: PagedTable.Highlighted) -> None:
        self._show_then_fetch(message.row)

    def _show_then_fetch(self, row: Row | None) -> None:
        # What the cache knows shows at once; the network fetch is debounced, so holding a
        # key down does not fire a request per row.
        self._detail_for = (row.key, self.detail_state(row)) if row is not None else None
        self.show_detail(row, fetch=False)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        key = row.key if row is not None else None
        self._detail_timer = self.set_timer(self.DETAIL_DELAY, lambda: self._fetch_detail(key))

    def _fetch_detail(self, key: str | None) -> None:
        # The row as the cache has it now, not as it was when the timer started.
        row = self.table.current_row
        if (row.key if row is not None else None) == key:
            self.show_detail(row)

    def empty_text(self) -> str:
        """What an empty, unfiltered list says: while the sandbox's first page has not been
        listed yet, that it is on its way ("No clients seen yet" would be wrong then)."""
        waiting = self.fp_app.waiting_for_data if self.PRIMED_FROM_SANDBOX else None
        return waiting or self.EMPTY_TEXT

    def reload_list(self) -> None:
        """The cache changed (or the first listing ended): the rows, and what an empty list says."""
        if not (self.query_text or self.scope_text()):
            self.table.empty_text = self.empty_text()
        self.table.reload()

    def cache_changed(self) -> None:
        """The cache changed: reload the list, and when the selected row's cached state moved
        (an action settled, another console wrote), show its detail again and fetch it again."""
        self.reload_list()
        row = self.table.current_row
        state = (row.key, self.detail_state(row)) if row is not None else None
        if state != self._detail_for:
            self._show_then_fetch(row)

    def note_detail_shown(self, row: Row) -> None:
        """A fetch's answer is on screen: the cache change it makes is no news."""
        self._detail_for = (row.key, self.detail_state(row))

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
        if box.has_class("-visible") or self.query_text or self.scope_text():
            box.value = ""
            box.remove_class("-visible")
            self.query_text = ""
            self.clear_scope()
            self.reload()
            self.table.focus()

    def clear_scope(self) -> None:
        """Drop what `scope_text` names (esc clears it with the `/` filter)."""

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self._list()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.remove_class("-visible")
        if self.filter_problems:
            self.notify("; ".join(self.filter_problems), title="Filter", severity="warning", timeout=8)
        self.table.focus()

    def apply_filter(self, text: str) -> None:
        """Show the list filtered by `text`, as if typed after `/` (a saved view)."""
        self.clear_scope()
        box = self.query_one("#filter", Input)
        with box.prevent(Input.Changed):
            box.value = text
        box.add_class("-visible")  # the user sees why the list is narrowed; esc clears it
        self.query_text = text.strip()
        self.reload()
        if self.filter_problems:
            self.notify("; ".join(self.filter_problems), title="Filter", severity="warning", timeout=8)
        self.table.focus()

    def action_save_view(self) -> None:
        from fpconsole.tui.saved_views import save_current

        save_current(self)

    # --- actions ------------------------------------------------------------------------

    def action_export(self) -> None:
        from fpconsole.tui.export_menu import export_screen

        export_screen(self.fp_app, self)

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
                    self.notify(action.refusal, severity="warning")
                    return True
                action.run()
                return True
        return False

    def _state_changing(self, key: str) -> bool:
        try:
            row = self.table.current_row
        except NoMatches:  # asked before the list is composed
            row = None
        return any(found.key == key and found.changes_state for found in self.actions(row))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only: the keys of state-changing actions are left out of the footer (and help)."""
        if action == "act" and parameters and self.fp_app.context.read_only:
            return not self._state_changing(str(parameters[0]))
        return True

    def on_key(self, event: events.Key) -> None:
        # Read-only: a state-changing key has no binding (check_action), so say why it does nothing.
        if not self.fp_app.context.read_only or not event.character:
            return
        if self._state_changing(event.character):
            event.stop()
            event.prevent_default()
            self.notify("Read-only: state-changing actions are hidden.", severity="warning")
