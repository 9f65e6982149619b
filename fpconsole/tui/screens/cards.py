"""Cards: every card seen, with card info, balance and limits for the selected one, and only
the lifecycle actions its state allows (issued → active ⇄ blocked → closed)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from fpconsole.tui import data
from fpconsole.tui.screens.base import Action, ListScreen, QueryRows
from fpconsole.tui.widgets.paged_table import Column, Row, RowSource

# Only the exceptions stand out: a screen of green rows says nothing.
STATUS_STYLE = {"blocked": "warning", "closed": "muted"}


def money(value: Any) -> str:
    """1416349.6 → 1,416,349.60 (amounts arrive as JSON numbers in major units)."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(value if value is not None else 0)):,.2f}"
    except InvalidOperation:
        return str(value)


def card_row(item: dict[str, Any]) -> Row:
    status = str(item.get("status") or "?")
    return Row(
        key=str(item["card_id"]),
        cells=(
            str(item["card_id"]),
            str(item.get("card_mask") or item.get("masked_pan") or "—"),
            status,
            str(item.get("client_id") or "—"),
            str(item.get("product_id") or "—"),
        ),
        data=item,
        style=STATUS_STYLE.get(status, ""),
    )


def card_actions(status: str) -> dict[str, bool]:
    """Which lifecycle actions the card's state allows (closed is final)."""
    open_card = status != "closed"
    return {
        "activate": status == "inactive",
        "block": status == "active",
        "unblock": status == "blocked",
        "close": open_card,
        "set_pin": open_card,
        "reset_counter_pin": open_card,
        "secret_data": status in ("active", "blocked"),
        "issue_plastic": open_card,
        "limits": open_card,
    }


class CardsScreen(ListScreen):
    SECTION = "Cards"
    COLUMNS = (
        Column("card_id", "Card", 9),
        Column("mask", "Number", 17),
        Column("status", "Status", 9),
        Column("client_id", "Client", 11),
        Column("product", "Product", 7),
    )
    EMPTY_TEXT = "No cards seen yet. Press n to issue one, B for bulk issue, or : card <id>."
    HELP = "Cards this console has seen. Actions follow the card's state."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "act('n')", "Issue", show=False),
        Binding("B", "act('B')", "Bulk issue", show=False),
        Binding("A", "act('A')", "Activate", show=False),
        Binding("b", "act('b')", "Block", show=False),
        Binding("u", "act('u')", "Unblock", show=False),
        Binding("x", "act('x')", "Close", show=False),
        Binding("p", "act('p')", "Set PIN", show=False),
        Binding("r", "act('r')", "Reset PIN counter", show=False),
        Binding("s", "act('s')", "Secret data", show=False),
        Binding("P", "act('P')", "Plastic", show=False),
        Binding("L", "act('L')", "Set limits", show=False),
        Binding("S", "act('S')", "Statement", show=False),
        Binding("t", "act('t')", "Create transaction", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.client_filter: str | None = None
        self.fetched: dict[str, dict[str, Any]] = {}

    def make_source(self, query: str) -> RowSource:
        cache = self.fp_app.cache
        client_id = self.client_filter
        return QueryRows(
            lambda: data.count_cards(cache, query, client_id),
            lambda offset, limit: data.fetch_cards(cache, query, offset, limit, client_id),
            card_row,
        )

    def filter_client(self, client_id: str | None) -> None:
        self.client_filter = client_id
        self.reload()
        self.notify(f"Cards of client {client_id}" if client_id else "All cards", timeout=3)

    def action_act(self, key: str) -> None:
        self.run_action_key(key)

    def actions(self, row: Row | None) -> list[Action]:
        app = self.fp_app
        found = [
            Action("n", "Issue card", lambda: app.open_form("card.issue")),
            Action("B", "Bulk issue", lambda: app.open_form("card.bulk_issue")),
        ]
        if row is None:
            return found
        card_id, mask = row.key, row.cells[1]
        allowed = card_actions(row.cells[2])
        target = {"card_id": card_id}

        def form(method: str, initial: dict[str, str] | None = None) -> Any:
            return lambda: app.open_form(method, initial or target, card_mask=mask)

        found += [
            Action("A", "Activate", form("card.activate"), allowed["activate"]),
            Action("b", "Block…", form("card.block"), allowed["block"]),
            Action("u", "Unblock…", form("card.unblock"), allowed["unblock"]),
            Action("x", "Close…", form("card.close"), allowed["close"]),
            Action("p", "Set PIN…", form("card.set_pin"), allowed["set_pin"]),
            Action(
                "r",
                "Reset PIN counter",
                form("card.reset_counter_pin"),
                allowed["reset_counter_pin"],
                short="Reset PIN tries",
            ),
            Action(
                "s",
                "Secret data…",
                lambda: app.open_secret_data(card_id, mask),
                allowed["secret_data"],
                False,
            ),
            Action(
                "P",
                "Issue plastic card",
                form("card.issue_plastic"),
                allowed["issue_plastic"],
                short="Plastic",
            ),
            Action(
                "L",
                "Set limits",
                form("limits.set", {"object.type": "card", "object.value": card_id}),
                allowed["limits"],
            ),
            Action(
                "l",
                "Link to a client",
                form("card.link"),
                allowed["close"] and row.cells[3] == "—",
                short="Link",
            ),
            Action("S", "Statement…", lambda: app.open_statement(card_id), True, False),
            Action(
                "t",
                "Create transaction",
                form("transaction.create", {"card_id": card_id, "currency": "KZT"}),
                row.cells[2] == "active",
                short="Transaction",
            ),
        ]
        return found

    def palette_commands(self) -> list[SystemCommand]:
        row = self.table.current_row
        found = [SystemCommand("Issue card", "Open the Issue card form", lambda: self.run_action_key("n"))]
        if row is None:
            return found
        found += self.palette_from_actions(self.actions(row)[2:], f"card {row.cells[1]}")
        found.append(
            SystemCommand(
                f"Copy card_id {row.key}",
                "to the clipboard",
                lambda: self.fp_app.copy_text(row.key, "card_id"),
            )
        )
        return found

    # --- detail ---------------------------------------------------------------------------

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        if row is None:
            self.detail.show_message("Cards", "No card selected.")
            return
        item = row.data
        info = self.fetched.get(row.key, {})
        card = info.get("card") or {}
        pairs = [
            ("card_id", row.key),
            ("number", row.cells[1]),
            ("status", str(card.get("status") or row.cells[2])),
            ("client", row.cells[3]),
            ("product", row.cells[4]),
        ]
        for key in ("expiry", "currency", "iban", "plastic_status", "pin_tries_left"):
            value = card.get(key, item.get(key))
            if value not in (None, ""):
                pairs.append((key, str(value)))
        sections: list[tuple[str, list[tuple[str, str]]]] = [("", pairs)]
        accounts = (info.get("balances") or {}).get("accounts") or []
        if accounts:
            sections.append(
                (
                    "Balance",
                    [
                        (
                            str(acc.get("currency", "")),
                            f"{money(acc.get('amount'))} available · {money(acc.get('blocked_amount'))} held",
                        )
                        for acc in accounts
                    ],
                )
            )
        limits = info.get("limits") or []
        if limits:
            sections.append(
                (
                    "Limits",
                    [
                        (
                            f"{lim.get('transaction_type')}/{lim.get('period') or '-'}",
                            f"{lim.get('available')} of {lim.get('max')}",
                        )
                        for lim in limits
                    ],
                )
            )
        if "error" in info:
            sections.append(("Not fetched", [("reason", str(info["error"]))]))
        self.detail.show(row.cells[1], sections, hint=self.keys_hint(row))
        if fetch:
            self.fetch_card(row.key)

    @work(exclusive=True, group="card-detail", exit_on_error=False)
    async def fetch_card(self, card_id: str) -> None:
        """Card info, balance and limits: reads, so a newer selection may cancel this one."""
        backend = self.fp_app.backend
        if backend is None:
            return
        found: dict[str, Any] = {}
        for method, body, key in (
            ("card.info", {"card_id": card_id}, "card"),
            ("card.balance", {"card_id": card_id}, "balances"),
            ("limits.list", {"object": {"type": "card", "value": card_id}}, "limits"),
        ):
            try:
                result = await backend.read(method, body)
            except Exception as exc:
                found.setdefault("error", str(exc))
                continue
            found[key] = result.raw.get(key)
        self.fetched[card_id] = found
        current = self.table.current_row
        if current is not None and current.key == card_id:
            self.show_detail(current, fetch=False)

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import CacheChanged

        if isinstance(message, CacheChanged) and self.is_mounted:
            self.table.reload()
