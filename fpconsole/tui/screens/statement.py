"""A card's statement: operations (a virtual table, so thousands of rows stay responsive), totals
by type, the balances block, and charts of the balance over time and spend by MCC or merchant.

Opened from Cards ("Statement…"), from Transactions (S) or with `:statement <card_id>`. It asks
`card.statement` and `card.statement_extended` for the window (and, for a window that ends in the
past, what happened since, so the balance at its end is known) in a worker: the screen stays
live while it loads, and a newer window cancels an older fetch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static, TabbedContent, TabPane

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.tui.connection import unavailable_reason
from fpconsole.tui.display_time import zone_label
from fpconsole.tui.glyphs import marked
from fpconsole.tui.statement_model import (
    Operation,
    SpendKey,
    Statement,
    build_statement,
    shown_time,
)
from fpconsole.tui.statement_window import Preset, Window, WindowDialog, preset_window
from fpconsole.tui.widgets.key_hints import KeyHints
from fpconsole.tui.widgets.paged_table import Column, PagedTable, Row
from fpconsole.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from fpconsole.api.methods import Method
    from fpconsole.tui.app import FpConsoleApp
    from fpconsole.tui.backend import ConsoleBackend

OPERATION_COLUMNS: Final = (
    # The date with its year (a window may span a new year); narrow, the RRN and MCC go first.
    Column("datetime", "Date", 16, priority=9),
    Column("type", "Type", 10, priority=8),
    Column("amount", "Amount", 13, "right", priority=9),
    Column("commission", "Fee", 6, "right", priority=4),
    Column("currency", "Cur", 3, priority=5),
    Column("mcc", "MCC", 4, priority=2),
    Column("merchant", "Merchant", 0, priority=6),
    Column("rrn", "RRN", 12, priority=1),
)
# The API documents no paging and the sandbox caps an answer (1,000 by default): a statement this
# long may be cut, and the user should narrow the window to be sure.
CAP_HINT_AT: Final = 1000
BACKEND_WAIT_S: Final = 30.0


def money(value: Any, *, signed: bool = False) -> str:
    return f"{value:+,.2f}".replace("-", "−") if signed else f"{value:,.2f}"


def operation_row(index: int, op: Operation) -> Row:
    return Row(
        key=f"{index}:{op.rrn}",
        cells=(
            shown_time(op.at),
            op.type,
            money(op.signed + op.commission, signed=True),
            money(op.commission),
            op.currency,
            "" if op.mcc is None else str(op.mcc),
            op.merchant,
            op.rrn,
        ),
        data={"index": index},
    )


class ListRows:
    """An in-memory RowSource: the statement is already in memory, the table still draws only
    the visible lines."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = rows

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> Sequence[Row]:
        return self._rows[offset : offset + limit]


class StatementScreen(Screen[None]):
    SECTION: ClassVar[str] = "Statement"
    HELP: ClassVar[str] = (
        "A card's operations in a date window (card.statement and card.statement_extended): "
        "totals, balances, and charts. 1–4 choose the window; the balance chart ends at the "
        "ledger's balance."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="statement-back"),
        Binding("1", "preset('today')", "Today", show=False, id="statement-today"),
        Binding("2", "preset('7d')", "7 days", show=False, id="statement-7-days"),
        Binding("3", "preset('month')", "Month", show=False, id="statement-month"),
        Binding("4", "custom", "From…to", show=False, id="statement-custom"),
        Binding("o", "tab('tab-operations')", "Operations", show=False, id="statement-operations"),
        Binding("s", "tab('tab-summary')", "Summary", show=False, id="statement-summary"),
        Binding("c", "tab('tab-charts')", "Charts", id="statement-charts"),
        Binding("m", "spend_key", "MCC/merchant", show=False, id="statement-spend"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="statement-refresh"),
        Binding("e", "export", "Export", id="statement-export"),
    ]
    # As the lists: below 110 columns the top bar drops the host, so the section stays readable.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    StatementScreen.-narrow TopBar > #host { display: none; }
    StatementScreen #heading { height: 1; padding: 0 1; color: $text-muted; }
    StatementScreen #heading.-loading { height: auto; max-height: 3; color: $warning; }
    /* Why the fetch failed is read in full: it wraps instead of being cut at the edge. */
    StatementScreen #heading.-failed { height: auto; max-height: 6; color: $error; }
    StatementScreen #presets { height: 1; padding: 0 1; }
    StatementScreen #presets Button { margin: 0 1 0 0; min-width: 0; }
    StatementScreen #presets Button.-current { text-style: bold reverse; }
    StatementScreen #tabs { height: 1fr; }
    StatementScreen TabPane { padding: 0; }
    StatementScreen #operations { height: 1fr; }
    StatementScreen #ops-summary { height: auto; padding: 0 1; color: $text-muted; }
    StatementScreen #summary { height: 1fr; padding: 0 1; }
    StatementScreen #summary .problem { color: $error; }
    StatementScreen #charts { height: 1fr; }
    StatementScreen #charts-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, card_id: str, *, preset: Preset = "month") -> None:
        super().__init__()
        self.card_id = card_id
        self.preset: Preset = preset
        self.window: Window | None = None
        self.statement: Statement | None = None
        self.spend_key: SpendKey = "merchant"
        # Not `loading`: that is Textual's own reactive, which covers the whole screen (top bar
        # included) with a bare "Loading..." until it is cleared.
        self.fetching = False
        self.asking: tuple[str, ...] = ()  # the reads still out, for the heading
        self.load_ms: float | None = None

    @property
    def fp_app(self) -> FpConsoleApp:
        from fpconsole.tui.app import FpConsoleApp

        assert isinstance(self.app, FpConsoleApp)
        return self.app

    def now(self) -> datetime:
        clock = self.fp_app.context.client_clock
        found = clock() if clock is not None else None
        return found if isinstance(found, datetime) else datetime.now(UTC)

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        context = self.fp_app.context
        yield TopBar.for_context(context, f"Statement · {self.card_id}")
        yield Static("", id="heading", markup=False)
        with Horizontal(id="presets"):
            for key, preset, title in (
                ("1", "today", "Today"),
                ("2", "7d", "7 days"),
                ("3", "month", "This month"),
            ):
                yield Button(f"{key} {title}", id=f"preset-{preset}", compact=True)
            yield Button("4 From…to", id="preset-custom", compact=True)
        with TabbedContent(id="tabs"):
            with TabPane("Operations", id="tab-operations"):
                yield PagedTable(
                    OPERATION_COLUMNS, empty_text="No operations in this window.", id="operations"
                )
                yield Static("", id="ops-summary", markup=False)
            with TabPane("Summary", id="tab-summary"), VerticalScroll(id="summary"):
                yield Static("", id="summary-body")
            with TabPane("Charts", id="tab-charts"):
                yield Vertical(id="charts")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(TopBar).in_process = self.fp_app.in_process
        self.query_one("#operations", PagedTable).focus()
        self.set_window(preset_window(self.preset, self.now()) if self.preset != "custom" else None)

    # --- the window -----------------------------------------------------------------------------

    def set_window(self, window: Window | None) -> None:
        if window is None:
            return
        self.window, self.preset = window, window.preset
        for button in self.query("#presets Button").results(Button):
            button.set_class(button.id == f"preset-{window.preset}", "-current")
        self.fetching, self.asking = True, ()
        self._show_heading()
        self.load(window)

    def action_preset(self, preset: Preset) -> None:
        self.set_window(preset_window(preset, self.now()))

    def action_custom(self) -> None:
        current = self.window or preset_window("month", self.now())
        self.app.push_screen(WindowDialog(current), self.set_window)

    def action_refresh(self) -> None:
        if self.window is not None:
            if self.window.preset != "custom":
                self.set_window(preset_window(self.window.preset, self.now()))
            else:
                self.set_window(self.window)

    @on(Button.Pressed, "#presets Button")
    def _preset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("preset-")
        if name == "custom":
            self.action_custom()
        elif name in ("today", "7d", "month"):
            self.action_preset(name)  # type: ignore[arg-type]

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tab(self, pane: str) -> None:
        self.query_one("#tabs", TabbedContent).active = pane

    # --- fetching -------------------------------------------------------------------------------

    @work(exclusive=True, group="statement", exit_on_error=False)
    async def load(self, window: Window) -> None:
        started = asyncio.get_running_loop().time()
        app = self.fp_app
        waited = 0.0
        while app.backend is None and waited < BACKEND_WAIT_S:
            await asyncio.sleep(0.1)  # opened at start-up (`:statement` typed early): wait for it
            waited += 0.1
        backend = app.backend
        if backend is None:
            self._failed(f"{unavailable_reason(app)} The statement was not fetched.")
            return
        # "Now" before the reads, not after: a window that ends now has nothing after it, however
        # long the reads take (QA: 3 s of latency became 9.5 s with a third, needless read).
        now = self.now()
        body = window.body(self.card_id)
        reads: dict[str, tuple[Method, dict[str, Any], str]] = {
            "statement": (api.CARD_STATEMENT, body, api.CARD_STATEMENT.name),
            "extended": (api.CARD_STATEMENT_EXTENDED, body, api.CARD_STATEMENT_EXTENDED.name),
        }
        if window.end < now - timedelta(seconds=1):
            # What happened after the window, so the chart can end at the balance of that moment.
            after = Window(window.end, now, "custom").body(self.card_id)
            reads["later"] = (api.CARD_STATEMENT, after, "card.statement after the window")
        # Together: the time to wait is the slowest read's, not the sum of them.
        results = await asyncio.gather(
            *(self._read(backend, method, sent) for method, sent, _ in reads.values())
        )
        answers = dict(zip(reads, results, strict=True))
        problems = [f"{reads[key][2]}: {found}" for key, found in answers.items() if isinstance(found, str)]
        balances: dict[str, Any] | None = None
        if not isinstance(answers["extended"], dict):
            found = await self._read(backend, api.CARD_BALANCE, {"card_id": self.card_id})
            if isinstance(found, str):
                problems.append(f"card.balance: {found}")
            else:
                balances = found.get("balances")
        later = answers.get("later")
        statement_answer, extended = answers["statement"], answers["extended"]
        if not isinstance(statement_answer, dict) and not isinstance(extended, dict):
            self._failed(_said_once(problems))
            return
        statement = build_statement(
            self.card_id,
            window.start,
            window.end,
            statement=statement_answer if isinstance(statement_answer, dict) else None,
            extended=extended if isinstance(extended, dict) else None,
            balances=balances,
            later_operations=list(later.get("operations") or []) if isinstance(later, dict) else [],
        )
        statement.problems = problems
        self.load_ms = (asyncio.get_running_loop().time() - started) * 1000
        self.show_statement(statement)

    async def _read(
        self, backend: ConsoleBackend, method: Method, body: dict[str, Any]
    ) -> dict[str, Any] | str:
        """The answer, or why there is none (an API or transport error, in words). The heading
        names the reads still out while it waits."""
        self.asking = (*self.asking, method.name)
        self._show_heading()
        try:
            found: dict[str, Any] | str = (await backend.read(method, body)).raw
        except errors.CardApiError as exc:
            found = exc.message
        # Not in a `finally`: a read cancelled (esc, a newer window) leaves the heading alone.
        asking = list(self.asking)
        asking.remove(method.name)
        self.asking = tuple(asking)
        self._show_heading()
        return found

    def _failed(self, why: str) -> None:
        self.fetching, self.asking = False, ()
        heading = self.query_one("#heading", Static)
        heading.update(marked(f"Could not fetch the statement: {why}"))
        heading.set_class(False, "-loading")
        heading.set_class(True, "-failed")

    # --- showing --------------------------------------------------------------------------------

    def _show_heading(self) -> None:
        heading = self.query_one("#heading", Static)
        heading.set_class(False, "-failed")
        window = self.window
        parts = [self.statement.card_mask if self.statement and self.statement.card_mask else ""]
        if window is not None:
            start, end = window.start.astimezone(), window.end.astimezone()
            same_year = start.year == end.year
            shown = f"{start:%Y-%m-%d %H:%M} → {end:%m-%d %H:%M}" if same_year else window.label()
            parts.append(f"{shown} {zone_label(end)}")  # the zone of every time; exports use it too
        if self.fetching:
            # First, and said in full (it wraps): what the screen waits for and the way out.
            asking = ", ".join(dict.fromkeys(self.asking))  # card.statement once, if asked twice
            waiting = f"Asking {asking} for {self.card_id}" if asking else "Waiting for the connection"
            parts.insert(0, f"{waiting} … esc to go back")
        elif self.statement is not None:
            count = len(self.statement.operations)
            parts.append(f"{count:,} operation{'s' if count != 1 else ''}")
            if count >= CAP_HINT_AT:
                parts.append("the API may cap long lists: narrow the window to be sure")
        heading.update(" · ".join(p for p in parts if p))
        heading.set_class(self.fetching, "-loading")

    def show_statement(self, statement: Statement) -> None:
        self.statement, self.fetching, self.asking = statement, False, ()
        rows = [operation_row(index, op) for index, op in enumerate(statement.operations)]
        self.query_one("#operations", PagedTable).set_source(ListRows(rows))
        self._show_heading()
        self.query_one("#ops-summary", Static).update(self._one_line(statement))
        self.query_one("#summary-body", Static).update(self._summary(statement))
        if self.query("#balance-chart"):
            self._plot()

    def _one_line(self, statement: Statement) -> str:
        currency = statement.currency
        end = statement.end_balance()
        parts = [
            f"in {money(statement.money_in)}",
            f"out {money(statement.money_out)}",
            f"held {money(statement.held)}",
        ]
        if end is not None:
            parts.append(f"balance {money(end)} {currency}".rstrip())
        if statement.problems:
            parts.append("problems: see Summary")
        return " · ".join(parts)

    def _summary(self, statement: Statement) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column()
        balances = Table(title="Balances", title_justify="left", box=None, padding=(0, 1), show_edge=False)
        for name in ("IBAN", "Cur", "Available", "Held", "Balance", "Debit", "Credit"):
            balances.add_column(name, justify="left" if name in ("IBAN", "Cur") else "right", no_wrap=True)
        for account in statement.accounts:
            balances.add_row(
                account.iban,
                account.currency,
                money(account.available),
                money(account.held),
                money(account.balance),
                "" if account.debit is None else money(account.debit),
                "" if account.credit is None else money(account.credit),
            )
        if not statement.accounts:
            balances.add_row("—", "", "", "", "", "", "")
        totals = Table(
            title="Totals by type", title_justify="left", box=None, padding=(0, 1), show_edge=False
        )
        for name in ("Type", "Count", "Amount", "Fee"):
            totals.add_column(name, justify="left" if name == "Type" else "right", no_wrap=True)
        for total in statement.totals():
            totals.add_row(total.type, f"{total.count:,}", money(total.amount), money(total.commission))
        if not statement.operations:
            totals.add_row("—", "0", "", "")
        held = Table(
            title="Still held (authorisations)",
            title_justify="left",
            box=None,
            padding=(0, 1),
            show_edge=False,
        )
        for name in ("Date", "Held", "Of", "Merchant", "Transaction"):
            held.add_column(name, justify="right" if name in ("Held", "Of") else "left", no_wrap=True)
        for auth in statement.authorizations[:20]:
            held.add_row(
                shown_time(auth.at) if auth.at else "",
                money(auth.held),
                "" if auth.full_amount is None else money(auth.full_amount),
                auth.merchant,
                "…" + auth.transaction_id[-12:] if len(auth.transaction_id) > 13 else auth.transaction_id,
            )
        if not statement.authorizations:
            held.add_row("—", "", "", "nothing held", "")
        grid.add_row(balances)
        grid.add_row("")
        grid.add_row(totals)
        grid.add_row("")
        grid.add_row(held)
        for problem in statement.problems:
            grid.add_row(Text(f"Not fetched: {problem}", style="bold"))
        return grid

    # --- charts ---------------------------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-charts" and not self.query("#balance-chart"):
            self._mount_charts()

    def _mount_charts(self) -> None:
        # Here and only here: plotext is not imported until someone looks at a chart.
        from fpconsole.tui.widgets.charts import BalanceChart, SpendChart

        charts = self.query_one("#charts", Vertical)
        charts.mount_all(
            [
                BalanceChart(id="balance-chart"),
                SpendChart(id="spend-chart"),
                Static("m: spend by MCC or by merchant", id="charts-hint"),
            ]
        )
        self.call_after_refresh(self._plot)

    def _plot(self) -> None:
        from fpconsole.tui.widgets.charts import BalanceChart, SpendChart

        statement = self.statement
        if statement is None or not self.query("#balance-chart"):
            return
        self.query_one("#balance-chart", BalanceChart).show(statement.balance_series(), statement.currency)
        by = "MCC" if self.spend_key == "mcc" else "merchant"
        self.query_one("#spend-chart", SpendChart).show(
            statement.spend_by(self.spend_key), f"Spend by {by} ({statement.currency}, pay + withdrawal)"
        )

    def action_spend_key(self) -> None:
        self.spend_key = "mcc" if self.spend_key == "merchant" else "merchant"
        self._plot()

    # --- export ---------------------------------------------------------------------------------

    def export_choices(self) -> list[Any]:
        from fpconsole import exports
        from fpconsole.tui.export_menu import ExportChoice

        statement = self.statement
        if statement is None:
            return []
        document = statement.to_json()
        stem = f"statement-{self.card_id}"
        return [
            ExportChoice(
                f"Statement operations ({len(statement.operations):,})",
                stem,
                lambda fmt: exports.statement_export(document, fmt),
                ("csv",),
            ),
            ExportChoice(
                "Statement with balances and totals",
                stem,
                lambda fmt: exports.statement_export(document, fmt),
                ("json",),
            ),
        ]

    def action_export(self) -> None:
        from fpconsole.tui.export_menu import open_export_menu

        if self.statement is None:
            self.notify("The statement is still loading.", timeout=3)
            return
        open_export_menu(self.fp_app, "statement", self.export_choices())


def _said_once(problems: list[str]) -> str:
    """ "method: message" lines with the same message (an unknown card fails all three reads
    alike) as one: "card.statement, card.balance: message"."""
    by_message: dict[str, list[str]] = {}
    for problem in problems:
        name, _, message = problem.partition(": ")
        by_message.setdefault(message, []).append(name)
    return "; ".join(f"{', '.join(names)}: {message}" for message, names in by_message.items())
