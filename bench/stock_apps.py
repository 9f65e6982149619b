"""Stock Textual apps to measure fpconsole against, in the same run (bench/ssh_bytes.py).

    python bench/stock_apps.py datatable   # Header + a 200-row DataTable + Footer ("row-00000")
    python bench/stock_apps.py form        # Header + labelled Inputs + Footer ("Stock form")
    python bench/stock_apps.py form-open   # the DataTable app; n opens the form as a screen, esc closes

Nothing here is tuned: these are what a Textual user gets by default (only the Input's cursor
blink is off, as in fpconsole's forms, so a blink does not land inside a key's measurement).
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label


class StockDataTable(App[None]):
    TITLE = "stock-datatable"

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Row", "Name", "Phone", "Status", "Product")
        for index in range(200):
            table.add_row(f"row-{index:05d}", f"NAME {index} SURNAME", f"7701{index:07d}", "active", "Wallet")
        table.focus()


class StockForm(App[None]):
    TITLE = "Stock form"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            for label in ("Phone", "First name", "Last name", "Middle name", "Birth date", "E-mail"):
                yield Label(label)
                box = Input(placeholder=label)
                box.cursor_blink = False
                yield box
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()


class StockFormScreen(Screen[None]):
    BINDINGS = [("escape", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            for label in ("Phone", "First name", "Last name", "Middle name", "Birth date", "E-mail"):
                yield Label(label)
                box = Input(placeholder=label)
                box.cursor_blink = False
                yield box
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()


class StockFormOpen(StockDataTable):
    """A list app whose `n` opens a form screen: what opening a form costs in stock Textual."""

    BINDINGS = [("n", "open_form", "New")]

    def action_open_form(self) -> None:
        self.push_screen(StockFormScreen())


if __name__ == "__main__":
    apps: dict[str, type[App[None]]] = {
        "datatable": StockDataTable,
        "form": StockForm,
        "form-open": StockFormOpen,
    }
    apps[sys.argv[1] if len(sys.argv) > 1 else "datatable"]().run()
