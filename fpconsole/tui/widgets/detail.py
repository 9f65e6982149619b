"""A key/value panel for the selected client, card or request."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailPanel(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    DetailPanel { width: 44; border-left: solid $panel; padding: 0 1; }
    DetailPanel > .title { text-style: bold; color: $primary; }
    DetailPanel > .section { text-style: bold; margin-top: 1; color: $secondary; }
    DetailPanel > .hint { color: $text-muted; margin-top: 1; }
    DetailPanel > .error { color: $error; }
    """

    def show(
        self, title: str, sections: Iterable[tuple[str, Iterable[tuple[str, str]]]], hint: str = ""
    ) -> None:
        self.remove_children()
        widgets: list[Static] = [Static(title, classes="title")]
        for heading, pairs in sections:
            if heading:
                widgets.append(Static(heading, classes="section"))
            table = Table.grid(padding=(0, 1))
            table.add_column(style="dim", no_wrap=True)
            table.add_column(overflow="fold")
            for key, value in pairs:
                table.add_row(key, Text(value))
            widgets.append(Static(table))
        if hint:
            widgets.append(Static(hint, classes="hint"))
        self.mount_all(widgets)

    def show_message(self, title: str, message: str, *, error: bool = False) -> None:
        self.remove_children()
        self.mount_all(
            [Static(title, classes="title"), Static(message, classes="error" if error else "hint")]
        )
