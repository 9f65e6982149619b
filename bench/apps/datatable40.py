"""A stock Textual DataTable of 40 rows with a line that names the highlighted row: the floor a
list key is compared with (bench/startup.py). Markers: 'selected row-00' … 'selected row-39'."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Static


class DataTable40(App[None]):
    CSS = "DataTable { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Static("selected row-00", id="selected")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "name", "phone", "product")
        for n in range(40):
            table.add_row(f"row-{n:02d}", f"NAME {n}", f"7701{n:07d}", "Instant", key=f"row-{n:02d}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.query_one("#selected", Static).update(f"selected {event.row_key.value}")


if __name__ == "__main__":
    DataTable40().run()
