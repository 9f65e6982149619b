"""Long text from the console (a request and its answer as raw JSON, a statement, an export) in
the user's pager: the console suspends (App.suspend), `$PAGER` (or `less -R`) takes the terminal,
and the console comes back as it was when the pager quits. Where there is no pager, or the
terminal cannot be handed over, the text is shown in the console itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fpconsole.pager import page, pager_command, unusable_pager
from fpconsole.tui.widgets.key_hints import KeyHints

if TYPE_CHECKING:
    from textual.app import App


class TextView(ModalScreen[None]):
    """The in-console pager: the text, scrollable, esc or q closes."""

    DEFAULT_CSS = """
    TextView { align: center middle; }
    TextView > VerticalScroll { width: 100%; height: 1fr; border: round $primary; background: $surface; }
    TextView #text-title { text-style: bold; color: $primary; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="text-view-close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="text-title", markup=False)
        with VerticalScroll(id="text-scroll"):
            yield Static(self.text, id="text-body", markup=False)
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one("#text-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def show_text(app: App[object], title: str, text: str) -> None:
    """`text` in $PAGER with the console suspended, else in a TextView."""
    command = pager_command()
    if command is not None:
        try:
            with app.suspend():
                problem = page(text, command)
        except SuspendNotSupported:
            problem = "this terminal cannot hand the screen to a pager"
        if problem is None:
            return
        app.notify(f"{problem}; shown here instead.", severity="warning", timeout=6)
    else:
        unusable = unusable_pager()
        if unusable is not None:
            app.notify(f"{unusable}; shown here instead.", severity="warning", timeout=6)
    app.push_screen(TextView(title, text))
