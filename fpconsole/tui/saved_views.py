"""Saved views in the console: `w` on a list saves its `/` filter under a name; `:view NAME`
or the palette opens it again (its section, its filter); `:view delete NAME` forgets it; `:view`
lists them. The views themselves live in fpconsole.store.views, per profile."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from fpconsole.store.views import SavedView, ViewError, ViewStore
from fpconsole.tui.widgets.in_place import InPlaceInput

if TYPE_CHECKING:
    from fpconsole.tui.app import FpConsoleApp
    from fpconsole.tui.screens.base import ListScreen


def open_views(app: FpConsoleApp) -> ViewStore | None:
    """The profile's views; None (said once as a notice) when the file cannot be opened."""
    try:
        return ViewStore.open(profile=app.context.profile_name)
    except (OSError, sqlite3.Error) as exc:
        app.notify(f"Saved views are not available: {exc}", severity="error")
        return None


def list_views(app: FpConsoleApp) -> list[SavedView]:
    store = open_views(app)
    if store is None:
        return []
    with store:
        return store.list()


class ViewNameScreen(ModalScreen[str | None]):
    """Asks for the name to save the current filter under."""

    DEFAULT_CSS = """
    ViewNameScreen { align: center middle; }
    ViewNameScreen > Vertical { width: 64; max-width: 100%; height: auto; border: round $primary;
        background: $surface; padding: 0 1; }
    ViewNameScreen #view-error { color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="view-name-cancel")]

    def __init__(self, section: str, filter_text: str, names: list[str]) -> None:
        super().__init__()
        self.section = section
        self.filter_text = filter_text
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Save view · {self.section}: {self.filter_text}", markup=False)
            box = InPlaceInput(
                placeholder="name, e.g. blocked-week  (enter saves, esc cancels)", id="view-name"
            )
            box.cursor_blink = False
            yield box
            yield Static("", id="view-error", markup=False)
            if self.names:
                yield Static("saved: " + " ".join(self.names), markup=False, classes="hint")

    @on(Input.Submitted, "#view-name")
    def _submit(self, event: Input.Submitted) -> None:
        from fpconsole.store.views import check_name

        try:
            name = check_name(event.value)
        except ViewError as exc:
            self.query_one("#view-error", Static).update(str(exc))
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


def save_current(screen: ListScreen) -> None:
    """`w`: ask a name, then save the list's filter under it."""
    text = screen.query_text.strip()
    if not text:
        screen.notify("Nothing to save: type a filter with / first (e.g. status:blocked since:7d).")
        return
    if screen.filter_problems:
        screen.notify("Not saved: " + "; ".join(screen.filter_problems), severity="warning", title="Filter")
        return
    app = screen.fp_app
    section = screen.SECTION.lower()
    names = [view.name for view in list_views(app)]

    def save(name: str | None) -> None:
        if name is None:
            return
        store = open_views(app)
        if store is None:
            return
        try:
            with store:
                replaced = store.save(name, section, text)
        except (ViewError, sqlite3.Error) as exc:
            app.notify(f"View not saved: {exc}", severity="error")
            return
        verb = "replaced" if replaced else "saved"
        app.notify(f"View {name} {verb}: :view {name} opens it.", timeout=4)

    app.push_screen(ViewNameScreen(screen.SECTION, text, names), save)


def open_view(app: FpConsoleApp, name: str) -> None:
    store = open_views(app)
    if store is None:
        return
    with store:
        view = store.get(name)
        known = [v.name for v in store.list()] if view is None else []
    if view is None:
        saved = ", ".join(known) if known else "none yet (w on a list saves its filter)"
        app.notify(f"No view named {name!r}. Saved views: {saved}.", severity="warning")
        return
    app.switch_mode(view.section)
    app.call_after_refresh(_apply, app, view)


def _apply(app: FpConsoleApp, view: SavedView) -> None:
    from fpconsole.tui.screens.base import ListScreen

    screen = app.screen
    if isinstance(screen, ListScreen) and screen.is_mounted:
        screen.apply_filter(view.filter)
        app.notify(f"View {view.name}: {view.filter}", timeout=3)


def delete_view(app: FpConsoleApp, name: str) -> None:
    store = open_views(app)
    if store is None:
        return
    with store:
        deleted = store.delete(name)
    if deleted:
        app.notify(f"View {name} deleted.")
    else:
        app.notify(f"No view named {name!r} to delete.", severity="warning")


def run_command(app: FpConsoleApp, argument: str) -> None:
    """`:view NAME`, `:view delete NAME`, `:view` (lists them)."""
    words = argument.split()
    if not words or words == ["list"]:
        views = list_views(app)
        if not views:
            app.notify("No saved views yet: on a list, / to filter, then w to save the filter.")
        else:
            lines = [f"{v.name}  ({v.section}: {v.filter})" for v in views]
            app.notify("\n".join(lines), title=":view NAME opens one", timeout=8)
        return
    if words[0].lower() == "delete":
        if len(words) != 2:
            app.notify("Which view? :view delete NAME", severity="warning")
            return
        delete_view(app, words[1])
        return
    if len(words) > 1:
        app.notify("A view name is one word: :view NAME", severity="warning")
        return
    open_view(app, words[0])


def palette_commands(app: FpConsoleApp) -> Iterator[SystemCommand]:
    for view in list_views(app):
        yield SystemCommand(
            f"View {view.name}", f"{view.section}: {view.filter}", _bind(open_view, app, view.name)
        )
        yield SystemCommand(
            f"Delete view {view.name}", "forget this saved filter", _bind(delete_view, app, view.name)
        )


def _bind(function: Any, app: FpConsoleApp, name: str) -> Any:
    return lambda: function(app, name)
