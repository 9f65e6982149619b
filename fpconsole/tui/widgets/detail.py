"""A key/value panel for the selected client, card or request.

It updates one renderable in place (no widgets mounted per selection), so it can follow the
cursor on every key press without lagging behind it."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailPanel(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    DetailPanel { width: 44; border-left: solid $panel; padding: 0 1; }
    DetailPanel > #detail-body { width: 1fr; }
    """

    def compose(self) -> Iterable[Static]:
        yield Static("", id="detail-body")

    def _update(self, renderable: RenderableType) -> None:
        self.query_one("#detail-body", Static).update(renderable)

    def show(
        self, title: str, sections: Iterable[tuple[str, Iterable[tuple[str, str]]]], hint: str = ""
    ) -> None:
        theme = self.app.current_theme
        parts: list[RenderableType] = [Text(title, style=f"bold {theme.primary}")]
        for heading, pairs in sections:
            if heading:
                parts.append(Text(""))
                parts.append(Text(heading, style=f"bold {theme.secondary or theme.primary}"))
            table = Table.grid(padding=(0, 1))
            table.add_column(style="dim", no_wrap=True)
            table.add_column(overflow="fold")
            for key, value in pairs:
                table.add_row(key, Text(value))
            parts.append(table)
        if hint:
            parts.append(Text(""))
            parts.append(Text(hint, style="dim"))
        self._update(Group(*parts))

    def show_message(self, title: str, message: str, *, error: bool = False) -> None:
        theme = self.app.current_theme
        style = (theme.error or "red") if error else "dim"
        self._update(Group(Text(title, style=f"bold {theme.primary}"), Text(""), Text(message, style=style)))
