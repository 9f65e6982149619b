"""Cards: every card seen, with card info, balance and limits for the selected one, and only
the lifecycle actions its state allows (issued → active ⇄ blocked → closed)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from fpconsole.api.lifecycle import card_may
from fpconsole.api.names import MethodName
from fpconsole.tui import data
from fpconsole.tui.card_history import (
    SCANNED,
    SHOWN,
    CardChange,
    card_changes,
    changes_title,
    status_reason,
)
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


def card_why_not(status: str) -> str:
    """Why a lifecycle action is not offered for a card in this state."""
    if status in ("", "?", "—"):
        return "not possible while the card's status is unknown"
    article = "an" if status[:1] in "aeiou" else "a"
    return f"not possible for {article} {status} card"


def card_allows(method: MethodName, status: str) -> bool:
    """Whether the card's state allows the method (its entry's card action, by the lifecycle)."""
    from fpconsole.api.methods import REGISTRY

    action = REGISTRY.resolve(method).card_action
    return action is None or card_may(action, status)


class CardsScreen(ListScreen):
    SECTION = "Cards"
    # At 80 columns the list is 47 wide: Card, Number, Status and Client fit it exactly, and
    # Product is left out (PagedTable drops whole columns rather than cut an id).
    COLUMNS = (
        Column("card_id", "Card", 8, priority=9),
        Column("mask", "Number", 17, priority=7),
        Column("status", "Status", 8, priority=8),
        Column("client_id", "Client", 10, priority=5),
        Column("product", "Product", 7, priority=1),
    )
    NEW_FORM = MethodName.CARD_ISSUE
    EMPTY_TEXT = "No cards seen yet. Press n to issue one, B for bulk issue, or : card <id>."
    HELP = "Cards this console has seen. Actions follow the card's state."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "act('n')", "Issue", show=False, id="cards-issue"),
        Binding("B", "act('B')", "Bulk issue", show=False, id="cards-bulk-issue"),
        Binding("A", "act('A')", "Activate", show=False, id="cards-activate"),
        Binding("b", "act('b')", "Block", show=False, id="cards-block"),
        Binding("u", "act('u')", "Unblock", show=False, id="cards-unblock"),
        Binding("x", "act('x')", "Close", show=False, id="cards-close"),
        Binding("p", "act('p')", "Set PIN", show=False, id="cards-set-pin"),
        Binding("r", "act('r')", "Reset PIN counter", show=False, id="cards-reset-pin-counter"),
        Binding("s", "act('s')", "Secret data", show=False, id="cards-secret-data"),
        Binding("P", "act('P')", "Plastic", show=False, id="cards-plastic"),
        Binding("L", "act('L')", "Set limits", show=False, id="cards-limits"),
        Binding("S", "act('S')", "Statement", show=False, id="cards-statement"),
        Binding("t", "act('t')", "Create transaction", show=False, id="cards-transaction"),
        # F3 is the app's "go to Cards"; here, already in Cards, it shows all of them.
        Binding("f3", "all_cards", "All cards", show=False, id="cards-all"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.client_filter: str | None = None
        self.fetched: dict[str, dict[str, Any]] = {}

    def on_mount(self) -> None:
        super().on_mount()
        # Coming back to Cards (F3, the palette, `:card`) shows all cards: one client's cards
        # are shown only when asked for (Clients → c), not for the rest of the session.
        self.app.mode_change_signal.subscribe(self, self._mode_changed, immediate=True)

    def _mode_changed(self, mode: str) -> None:
        if mode == "cards" and self.client_filter is not None:
            self.show_all_cards(quiet=True)

    # --- the client filter ------------------------------------------------------------------

    def scope_text(self) -> str:
        return f"client {self.client_filter} · esc shows all cards" if self.client_filter else ""

    def clear_scope(self) -> None:
        self.client_filter = None

    def show_all_cards(self, *, quiet: bool = False) -> None:
        if self.client_filter is None:
            return
        self.client_filter = None
        if self.is_mounted:
            self.reload()
        if not quiet:
            self.notify("All cards", timeout=3)

    def action_all_cards(self) -> None:
        self.show_all_cards()

    def prepare_open(self, card_id: str) -> None:
        """`:cards` shows all cards; `:card ID` of a card outside the client filter drops it."""
        if self.client_filter is None:
            return
        if card_id:
            card = data.get_card(self.fp_app.cache, card_id)
            if card is not None and str(card.get("client_id") or "") == self.client_filter:
                return
        self.show_all_cards(quiet=True)

    def make_source(self, query: str) -> RowSource:
        cache = self.fp_app.cache
        client_id = self.client_filter
        found = self.list_filter(query)  # status:blocked product:1000 client:CL-… since:7d, words
        return QueryRows(
            lambda: data.count_cards(cache, found, client_id),
            lambda offset, limit: data.fetch_cards(cache, found, offset, limit, client_id),
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
            Action("n", "Issue card", lambda: app.open_form(MethodName.CARD_ISSUE)),
            Action("B", "Bulk issue", lambda: app.open_form(MethodName.CARD_BULK_ISSUE)),
        ]
        if row is None:
            return found
        card_id, mask, status, client = row.key, row.cells[1], row.cells[2], row.cells[3]
        why = card_why_not(status)
        target = {"card_id": card_id}

        def allowed(method: MethodName) -> bool:
            return card_allows(method, status)

        def form(method: MethodName, initial: dict[str, str] | None = None) -> Any:
            return lambda: app.open_form(method, initial or target, card_mask=mask)

        found += [
            Action(
                "A",
                "Activate",
                form(MethodName.CARD_ACTIVATE),
                allowed(MethodName.CARD_ACTIVATE),
                why_not=why,
            ),
            Action("b", "Block…", form(MethodName.CARD_BLOCK), allowed(MethodName.CARD_BLOCK), why_not=why),
            Action(
                "u", "Unblock…", form(MethodName.CARD_UNBLOCK), allowed(MethodName.CARD_UNBLOCK), why_not=why
            ),
            Action("x", "Close…", form(MethodName.CARD_CLOSE), allowed(MethodName.CARD_CLOSE), why_not=why),
            Action(
                "p", "Set PIN…", form(MethodName.CARD_SET_PIN), allowed(MethodName.CARD_SET_PIN), why_not=why
            ),
            Action(
                "r",
                "Reset PIN counter",
                form(MethodName.CARD_RESET_PIN_COUNTER),
                allowed(MethodName.CARD_RESET_PIN_COUNTER),
                short="Reset PIN tries",
                why_not=why,
            ),
            Action(
                "s",
                "Secret data…",
                lambda: app.open_secret_data(card_id, mask),
                allowed(MethodName.CARD_SECRET_DATA),
                False,
                why_not=why,
            ),
            Action(
                "P",
                "Issue plastic card",
                form(MethodName.CARD_ISSUE_PLASTIC),
                allowed(MethodName.CARD_ISSUE_PLASTIC),
                short="Plastic",
                why_not=why,
            ),
            Action(
                "L",
                "Set limits",
                form(MethodName.LIMITS_SET, {"object.type": "card", "object.value": card_id}),
                allowed(MethodName.LIMITS_SET),
                why_not=why,
            ),
            Action(
                "l",
                "Link to a client",
                form(MethodName.CARD_LINK),
                allowed(MethodName.CARD_LINK) and client == "—",
                short="Link",
                why_not=why if not allowed(MethodName.CARD_LINK) else f"already linked to {client}",
            ),
            Action("S", "Statement…", lambda: app.open_statement(card_id), True, False),
            Action(
                "t",
                "Create transaction",
                form(MethodName.TRANSACTION_CREATE, {"card_id": card_id, "currency": "KZT"}),
                allowed(MethodName.TRANSACTION_CREATE),
                short="Transaction",
                why_not=why,
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
        # The cache's status wins: every card.info answer is written to the cache, so the cache
        # is never older than a fetch, and an action that settled since is only there.
        cached_status = row.cells[2] if row.cells[2] not in ("", "?") else None
        status = str(cached_status or card.get("status") or "?")
        changes: list[CardChange] = info.get("changes") or []
        pairs = [
            ("card_id", row.key),
            ("number", row.cells[1]),
            ("status", status),
        ]
        reason = status_reason(status, card, changes)
        if reason:
            pairs.append(("reason", reason))
        pairs += [("client", row.cells[3]), ("product", row.cells[4])]
        for key in ("expiry", "currency", "iban", "plastic_status", "pin_tries_left"):
            value = card.get(key, item.get(key))
            if value not in (None, ""):
                pairs.append((key, str(value)))
        sections: list[tuple[str, list[tuple[str, str]]]] = [("", pairs)]
        if changes:
            # This console's own changes to the card, newest first (the rest are in Requests).
            # Right after the card's lines, above Balance and Limits: at 80x24 those wrap and,
            # when the fetch answers, grow; coming after them this section was pushed below the
            # panel's bottom edge just as it loaded.
            sections.append((changes_title(), [(c.when, c.what) for c in changes[:SHOWN]]))
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
        if "limits" in info and not limits:
            sections.append(("Limits", [("", "none set")]))
        if limits:
            sections.append(
                (
                    "Limits",
                    [
                        (
                            f"{lim.get('transaction_type')}/{lim.get('period') or '-'}",
                            f"{money(lim.get('available'))} left of {money(lim.get('max'))}",
                        )
                        for lim in limits
                    ],
                )
            )
        if "error" in info:
            sections.append(("Not fetched", [("reason", str(info["error"]))]))
        # Not fetched yet (a fetch follows): the answer fills the same lines (less to repaint).
        pending = not info and self.fp_app.backend is not None
        self.detail.show(row.cells[1], sections, hint=self.keys_hint(row), pending=pending)
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
            (MethodName.CARD_INFO, {"card_id": card_id}, "card"),
            (MethodName.CARD_BALANCE, {"card_id": card_id}, "balances"),
            (MethodName.LIMITS_LIST, {"object": {"type": "card", "value": card_id}}, "limits"),
        ):
            try:
                result = await backend.read(method, body)
            except Exception as exc:
                found.setdefault("error", str(exc))
                continue
            found[key] = result.raw.get(key)
        # The journal is local: its changes show even when a read above failed.
        journal = getattr(backend, "journal", None)
        found["changes"] = card_changes(journal, card_id, shown=SCANNED)
        self.fetched[card_id] = found
        self.table.reload()  # card.info wrote to the cache: show the row as it is now
        current = self.table.current_row
        if current is not None and current.key == card_id:
            self.show_detail(current, fetch=False)
            self.note_detail_shown(current)

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import CacheChanged

        if isinstance(message, CacheChanged) and self.is_mounted:
            self.cache_changed()
