"""Transactions (F5): every transaction this console has seen, newest first, filtered by card,
status and date; the detail shows transaction.info and the live status of the transaction's
requests; Create, Clearing and Refund are offered only when the ledger allows them, and their
forms refuse an amount over the limit before sending (`tui.amount_guard`): clearing and refund
against the transaction, create against the card's available balance.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.widgets import Input

from fpconsole.api import errors
from fpconsole.api.names import MethodName
from fpconsole.list_filters import ListFilter
from fpconsole.tui import data, display_time
from fpconsole.tui.ledger_limits import LedgerAmounts, allows, to_decimal
from fpconsole.tui.screens.base import Action, ListScreen, QueryRows
from fpconsole.tui.screens.requests import timeline
from fpconsole.tui.widgets.paged_table import Column, Row, RowSource

STATUS_STYLE = {"error": "error", "new": "muted"}
FILTER_HINT = "card:7001234 client:CL-… status:cleared since:7d until:… · any part of an id"


def moves_money(method_name: str) -> bool:
    """A method that holds, clears or refunds money (its entry's ledger move)."""
    from fpconsole.api.methods import REGISTRY

    entry = REGISTRY.get(method_name) if method_name else None
    return entry is not None and entry.ledger_move is not None


def short_money(value: Any) -> str:
    """1500 → 1,500 and 1500.5 → 1,500.50: three amounts must fit one narrow column."""
    amount = to_decimal(value)
    if amount is None:
        return "?"
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def full_money(value: Any) -> str:
    amount = to_decimal(value)
    return "?" if amount is None else f"{amount:,.2f}"


def local_time(value: Any, fmt: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone().strftime(fmt)


def transaction_row(item: dict[str, Any]) -> Row:
    transaction_id = str(item["transaction_id"])
    status = str(item.get("status") or "?")
    ledger = "/".join(short_money(item.get(k)) for k in ("held", "cleared", "refunded"))
    return Row(
        key=transaction_id,
        cells=(
            transaction_id if len(transaction_id) <= 13 else "…" + transaction_id[-12:],
            str(item.get("card_id") or "—"),
            full_money(item.get("amount")),
            str(item.get("currency") or ""),
            status,
            ledger,
            local_time(item.get("created_at"), "%m-%d %H:%M"),
        ),
        data=item,
        style=STATUS_STYLE.get(status, ""),
    )


class TransactionsScreen(ListScreen):
    SECTION = "Transactions"
    COLUMNS = (
        Column("transaction_id", "Transaction", 13, priority=9),
        Column("card_id", "Card", 7, priority=6),
        Column("amount", "Amount", 12, "right", priority=8),
        Column("currency", "Cur", 3, priority=7),
        Column("status", "Status", 8, priority=8),
        Column("ledger", "Held/Clear/Refund", 17, priority=5),
        Column("created", "Created", 0, priority=4),
    )
    EMPTY_TEXT = "No transactions seen yet. Press n to create one (or a on a card in Cards)."
    HELP = (
        "Transactions this console has seen, newest first. Filter with / — "
        + FILTER_HINT
        + ". Clearing and Refund are offered while money is held or refundable."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "act('n')", "New", id="transactions-new"),
        Binding("c", "act('c')", "Clearing", id="transactions-clearing"),
        Binding("r", "act('r')", "Refund", id="transactions-refund"),
        Binding("i", "act('i')", "Info", show=False, id="transactions-info"),
        Binding("s", "act('s')", "Request status", show=False, id="transactions-request-status"),
        Binding("S", "act('S')", "Statement", show=False, id="transactions-statement"),
        Binding("e", "act('e')", "Export", id="transactions-export"),
    ]
    # As every list below 110 columns: the top bar drops the host (the section name and the live
    # count matter more). The detail goes under the list, full width: seven columns need it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    DEFAULT_CSS = """
    TransactionsScreen.-narrow TopBar > #host { display: none; }
    TransactionsScreen #body { layout: vertical; }
    TransactionsScreen #list-pane { width: 100%; height: 1fr; }
    TransactionsScreen #detail { width: 100%; height: 45%; border-left: none; border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.card_filter: str | None = None
        self.current_query = ListFilter()
        self.fetched: dict[str, dict[str, Any]] = {}  # transaction_id → transaction.info's answer
        self.fetch_errors: dict[str, str] = {}

    @property
    def _now(self) -> datetime:
        clock = self.fp_app.context.client_clock
        found = clock() if clock is not None else None
        return found if isinstance(found, datetime) else datetime.now(UTC)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#filter", Input).placeholder = FILTER_HINT

    # --- list -----------------------------------------------------------------------------------

    def make_source(self, query: str) -> RowSource:
        parsed = self.list_filter(query)  # card: client: status: since: until: and free words
        if self.card_filter and not parsed.card:
            parsed = replace(parsed, card=self.card_filter)
        self.current_query = parsed
        cache = self.fp_app.cache
        return QueryRows(
            lambda: data.count_transactions(cache, parsed),
            lambda offset, limit: data.fetch_transactions(cache, parsed, offset, limit),
            transaction_row,
        )

    @work(exclusive=True, group="open-transaction", exit_on_error=False)
    async def show_transaction(self, transaction_id: str) -> None:
        """`:transaction ID`: select it if cached, else ask transaction.info (and so cache it)."""
        if self.table.move_to_key(transaction_id):
            return
        backend = self.fp_app.backend
        if backend is not None and data.get_transaction(self.fp_app.cache, transaction_id) is None:
            try:
                result = await backend.read(MethodName.TRANSACTION_INFO, {"transaction_id": transaction_id})
            except errors.CardApiError as exc:
                self.notify(f"{transaction_id}: {exc.message}", severity="error")
                return
            state = dict(result.raw.get("transaction") or {})
            state.setdefault("transaction_id", transaction_id)
            data.remember_transaction(self.fp_app.cache, state)
        box = self.query_one("#filter", Input)
        box.value = transaction_id
        box.add_class("-visible")  # the user sees why the list shows one row; esc clears it
        self.query_text = transaction_id
        self.reload()
        if not self.table.move_to_key(transaction_id):
            self.notify(f"{transaction_id} not found in the local cache.", severity="warning")

    def filter_card(self, card_id: str | None) -> None:
        self.card_filter = card_id
        self.reload()
        self.notify(f"Transactions of card {card_id}" if card_id else "All transactions", timeout=3)

    # --- ledger state -----------------------------------------------------------------------------

    def amounts(self, row: Row) -> LedgerAmounts:
        fetched = self.fetched.get(row.key)
        if fetched is not None:
            return LedgerAmounts.from_record(fetched, fresh=True)
        return LedgerAmounts.from_record(row.data, fresh=False)

    def requests_of(self, row: Row) -> list[Any]:
        backend = self.fp_app.backend
        journal = backend.journal if backend is not None else None
        card_id = row.data.get("card_id")
        return data.transaction_requests(journal, row.key, str(card_id) if card_id else None)

    # --- actions --------------------------------------------------------------------------------

    def action_act(self, key: str) -> None:
        if not self.run_action_key(key):
            self.notify("Select a transaction first.", timeout=2)

    def actions(self, row: Row | None) -> list[Action]:
        found = [Action("n", "Create transaction", lambda: self.open_create(row))]
        found.append(Action("e", "Export…", self.open_export, True, False))
        if row is None:
            return found
        amounts = self.amounts(row)
        requests = self.requests_of(row)
        card_id = str(row.data.get("card_id") or "")
        final = amounts.status in ("new", "error")
        status_why = f"not possible for a transaction in status {amounts.status}"
        found += [
            Action(
                "c",
                "Clearing…",
                lambda: self.open_settlement(MethodName.TRANSACTION_CLEARING, row),
                allows("clearing", amounts),
                why_not=status_why if final else "nothing is still held",
            ),
            Action(
                "r",
                "Refund…",
                lambda: self.open_settlement(MethodName.TRANSACTION_REFUND, row),
                allows("refund", amounts),
                why_not=status_why if final else "nothing is cleared and not yet refunded",
            ),
            Action("i", "Transaction info", lambda: self.open_info(row), True, False),
            Action(
                "s",
                "Transaction request status",
                lambda: self.open_request_status(requests),
                bool(requests),
                False,
                short="Request status",
                why_not="no request of this transaction in the journal",
            ),
            Action(
                "S",
                "Statement of this card",
                lambda: self.fp_app.open_statement(card_id),
                bool(card_id),
                False,
                short="Statement",
                why_not="the transaction names no card",
            ),
        ]
        return found

    def palette_commands(self) -> list[SystemCommand]:
        row = self.table.current_row
        found = [
            SystemCommand(
                "Create transaction", MethodName.TRANSACTION_CREATE, lambda: self.run_action_key("n")
            )
        ]
        if row is None:
            return found
        found += self.palette_from_actions(self.actions(row)[2:], row.cells[0])
        found.append(
            SystemCommand(
                f"Copy transaction_id {row.cells[0]}",
                "to the clipboard",
                lambda: self.fp_app.copy_text(row.key, "transaction_id"),
            )
        )
        return found

    def open_create(self, row: Row | None) -> None:
        # open_form builds the guarded CreateTransactionForm (the entry's form_class), as Cards' t does.
        card_id = self.current_query.card or (str(row.data.get("card_id") or "") if row else "")
        currency = str(row.data.get("currency") or "KZT") if row else "KZT"
        self.fp_app.open_form(
            MethodName.TRANSACTION_CREATE, {"currency": currency, **({"card_id": card_id} if card_id else {})}
        )

    def open_settlement(self, method: MethodName, row: Row) -> None:
        """Clearing or refund of this transaction: open_form builds the entry's guarded form
        (read-only refusal, drafts, one draft per transaction), as for every other method."""
        initial = {"transaction_id": row.key}
        if row.data.get("order_id"):
            initial["order_id"] = str(row.data["order_id"])
        self.fp_app.open_form(method, initial)

    def open_info(self, row: Row) -> None:
        self.fp_app.open_form(MethodName.TRANSACTION_INFO, {"transaction_id": row.key})

    def open_request_status(self, requests: list[Any]) -> None:
        """The newest request still in process (else the newest): its status, polled live."""
        pending = [e for e in requests if e.outcome in ("sent", "process", "unknown")]
        entry = (pending or requests)[-1]
        self.fp_app.open_form(MethodName.TRANSACTION_REQUEST_STATUS, {"request_id": str(entry.request_id)})

    def open_export(self) -> None:
        from fpconsole.tui.export_menu import export_screen

        export_screen(self.fp_app, self)

    def export_choices(self) -> list[Any]:
        from fpconsole import exports
        from fpconsole.tui.export_menu import MAX_ROWS, ExportChoice

        cache, query = self.fp_app.cache, self.current_query
        total = data.count_transactions(cache, query)
        label = self.query_text or (f"card:{query.card}" if query.card else "")
        return [
            ExportChoice(
                f"Transactions ({total:,} rows)",
                "transactions",
                lambda fmt: exports.list_export(
                    "transactions", data.fetch_transactions(cache, query, 0, MAX_ROWS), fmt, query=label
                ),
            )
        ]

    # --- detail ---------------------------------------------------------------------------------

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        if row is None:
            self.detail.show_message("Transactions", "No transaction selected.")
            return
        amounts = self.amounts(row)
        fetched = self.fetched.get(row.key, {})
        item = {**row.data, **{k: v for k, v in fetched.items() if v not in (None, "")}}
        card_id = str(item.get("card_id") or "")
        card = data.get_card(self.fp_app.cache, card_id) if card_id else None
        currency = str(item.get("currency") or "")
        status = str(item.get("status") or "?")
        if item.get("error_code"):
            status += f" · {item.get('error_code')}: {item.get('error_description') or ''}"
        # Money first: at 80x24 the panel shows about seven lines before it scrolls.
        pairs = [
            ("status", status),
            (
                "amount",
                f"{full_money(item.get('amount'))} {currency} · held {full_money(amounts.held)}"
                f" · cleared {full_money(amounts.cleared)} · refunded {full_money(amounts.refunded)}",
            ),
            ("may", f"clear {full_money(amounts.may_clear())} · refund {full_money(amounts.may_refund())}"),
            ("card", " · ".join(p for p in (card_id, str((card or {}).get("card_mask") or "")) if p) or "—"),
            ("order", str(item.get("order_id") or "—")),
            ("id", row.key),
            ("created", display_time.with_zone(item.get("created_at")) or "—"),
            (
                "source",
                MethodName.TRANSACTION_INFO if row.key in self.fetched else self._source_note(row.key),
            ),
        ]
        sections: list[tuple[str, list[tuple[str, str]]]] = [("", pairs)]
        requests = self.requests_of(row)
        if requests:
            sections.append(
                (
                    "Requests (live)",
                    [
                        (
                            e.method.removeprefix("transaction."),
                            f"{self._amount_of(e)}{timeline(data.as_dict(e))}",
                        )
                        for e in requests
                    ],
                )
            )
        self.detail.show(
            f"Transaction {row.cells[0]}",
            sections,
            hint=self.keys_hint(row),
        )
        if fetch:
            self.fetch_info(row.key)

    def _source_note(self, transaction_id: str) -> str:
        problem = self.fetch_errors.get(transaction_id)
        return (
            f"cache (transaction.info failed: {problem})" if problem else "cache (asking transaction.info…)"
        )

    @staticmethod
    def _amount_of(entry: Any) -> str:
        amount = (entry.request or {}).get("amount")
        return (
            f"{short_money(amount)} · "
            if amount is not None
            else "full · "
            if entry.method != MethodName.TRANSACTION_CREATE
            else ""
        )

    @work(exclusive=True, group="transaction-detail", exit_on_error=False)
    async def fetch_info(self, transaction_id: str) -> None:
        """transaction.info is a read: a newer selection cancels an older fetch."""
        backend = self.fp_app.backend
        if backend is None:
            return
        try:
            result = await backend.read(MethodName.TRANSACTION_INFO, {"transaction_id": transaction_id})
        except errors.CardApiError as exc:
            self.fetch_errors[transaction_id] = exc.message
        else:
            state = dict(result.raw.get("transaction") or {})
            state.setdefault("transaction_id", transaction_id)
            self.fetched[transaction_id] = state
            self.fetch_errors.pop(transaction_id, None)
            data.remember_transaction(self.fp_app.cache, state)
            self.table.reload()
        current = self.table.current_row
        if current is not None and current.key == transaction_id:
            self.show_detail(current, fetch=False)

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import CacheChanged, RequestUpdated

        if not self.is_mounted:
            return
        if isinstance(message, CacheChanged):
            self.reload_list()
            return
        if not isinstance(message, RequestUpdated) or not moves_money(message.method):
            return
        current = self.table.current_row
        if current is None:
            return
        # A clearing or refund that settled changed the amounts: ask again.
        self.show_detail(current, fetch=message.outcome == "success")


def open_transaction(app: Any, transaction_id: str) -> None:
    screen = app.screen
    if isinstance(screen, TransactionsScreen):
        screen.show_transaction(transaction_id)
