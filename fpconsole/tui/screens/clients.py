"""Clients: the cardholders this console has seen, searchable by name, phone and id; the
detail shows the client's cards (Cards' list) and offers Create, Edit phone, Issue card, Link."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from fpconsole.api.dictionaries import CLIENT_TYPES, PRODUCTS
from fpconsole.api.names import MethodName
from fpconsole.tui import data
from fpconsole.tui.screens.base import Action, ListScreen, QueryRows
from fpconsole.tui.widgets.paged_table import Column, Row, RowSource

PRODUCT_SHORT = {1000: "Wallet", 2000: "Instant", 3000: "Electron"}


def client_row(item: dict[str, Any]) -> Row:
    name = " ".join(p for p in (item.get("first_name"), item.get("middle_name"), item.get("last_name")) if p)
    product = item.get("product_id")
    return Row(
        key=str(item["client_id"]),
        cells=(
            str(item["client_id"]),
            name or "—",
            str(item.get("phone") or "—"),
            PRODUCT_SHORT.get(product, str(product or "—"))
            if isinstance(product, int)
            else str(product or "—"),
        ),
        data=item,
    )


class ClientsScreen(ListScreen):
    SECTION = "Clients"
    COLUMNS = (
        Column("client_id", "Client", 11, priority=9),
        Column("name", "Name", 0, priority=8),
        Column("phone", "Phone", 13, priority=7),
        Column("product", "Product", 8, priority=1),
    )
    NEW_FORM = MethodName.CLIENT_ADD
    EMPTY_TEXT = "No clients seen yet. Press n to create one, or : client <id> to fetch one."
    HELP = "Clients this console has seen (the Card API has no list-all method)."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "act('n')", "New client", id="new-client"),
        Binding("i", "act('i')", "Issue card", show=False, id="clients-issue-card"),
        Binding("E", "act('E')", "Edit phone", show=False, id="clients-edit-phone"),
        Binding("l", "act('l')", "Link card", show=False, id="clients-link-card"),
        Binding("c", "act('c')", "Cards", show=False, id="clients-cards"),
    ]

    _cards_memo: tuple[tuple[str, int, int], list[dict[str, Any]]] | None = None

    def make_source(self, query: str) -> RowSource:
        cache = self.fp_app.cache
        found = self.list_filter(query)  # product:1000 client:CL-… since:7d and free words
        return QueryRows(
            lambda: data.count_clients(cache, found),
            lambda offset, limit: data.fetch_clients(cache, found, offset, limit),
            client_row,
        )

    def action_act(self, key: str) -> None:
        self.run_action_key(key)

    def actions(self, row: Row | None) -> list[Action]:
        app = self.fp_app
        found: list[Action] = [Action("n", "Create client", lambda: app.open_form(MethodName.CLIENT_ADD))]
        if row is None:
            return found
        client_id = row.key
        product = row.data.get("product_id")
        initial = {"client_id": client_id, **({"product_id": str(product)} if product else {})}
        found += [
            Action(
                "i",
                "Issue card for this client",
                lambda: app.open_form(MethodName.CARD_ISSUE, initial),
                short="Issue card",
            ),
            Action("E", "Edit phone", lambda: app.open_form(MethodName.CLIENT_UPDATE, initial)),
            Action(
                "l",
                "Link a card to this client",
                lambda: app.open_form(MethodName.CARD_LINK, {"client_id": client_id}),
                short="Link card",
            ),
            Action(
                "c",
                "Show this client's cards",
                lambda: app.show_cards_of(client_id),
                changes_state=False,
                short="Cards",
            ),
        ]
        return found

    def palette_commands(self) -> list[SystemCommand]:
        row = self.table.current_row
        found = [
            SystemCommand("Create client", "Open the Create client form", lambda: self.run_action_key("n"))
        ]
        if row is not None:
            found += [
                SystemCommand(
                    f"Issue card for {row.key}", MethodName.CARD_ISSUE, lambda: self.run_action_key("i")
                ),
                SystemCommand(
                    f"Edit phone of {row.key}", MethodName.CLIENT_UPDATE, lambda: self.run_action_key("E")
                ),
                SystemCommand(
                    f"Copy client_id {row.key}",
                    "to the clipboard",
                    lambda: self.fp_app.copy_text(row.key, "client_id"),
                ),
            ]
        return found

    def show_detail(self, row: Row | None, *, fetch: bool = True) -> None:
        if row is None:
            self.detail.show_message("Clients", "No client selected.")
            return
        item = row.data
        product = item.get("product_id")
        kind = item.get("type")
        pairs = [
            ("client_id", row.key),
            ("name", row.cells[1]),
            ("phone", row.cells[2]),
            ("product", f"{product} {PRODUCTS.get(product, '')}".strip() if product else "—"),
        ]
        if kind:
            pairs.append(("type", f"{kind} {CLIENT_TYPES.get(kind, '')}".strip()))
        cards = self.cached_cards(row.key)
        card_pairs = [(str(c.get("card_mask") or c["card_id"]), str(c.get("status") or "?")) for c in cards]
        self.detail.show(
            row.cells[1],
            [("", pairs), ("Cards (cached)", card_pairs or [("—", "none seen")])],
            hint=self.keys_hint(row),
        )
        if fetch:
            self.refresh_cards(row.key)

    def cached_cards(self, client_id: str) -> list[dict[str, Any]]:
        """The client's cards as cached. A cursor move needs them twice (the detail and its
        state) and the fetch's answer twice again: one lookup serves each until the cache is
        written (its `changes` counter moves)."""
        cache = self.fp_app.cache
        stamp = (client_id, id(cache), cache.changes if cache is not None else 0)
        if self._cards_memo is None or self._cards_memo[0] != stamp:
            self._cards_memo = (stamp, list(data.fetch_cards(cache, "", 0, 20, client_id=client_id)))
        return self._cards_memo[1]

    def detail_state(self, row: Row) -> object:
        # The detail lists the client's cards: a card issued, linked or blocked is news too.
        cards = [(c.get("card_id"), c.get("card_mask"), c.get("status")) for c in self.cached_cards(row.key)]
        return (row.data, cards)

    @work(exclusive=True, group="client-cards", exit_on_error=False)
    async def refresh_cards(self, client_id: str) -> None:
        """Cards' list is a read, so a newer selection may cancel an older fetch."""
        backend = self.fp_app.backend
        if backend is None:
            return
        try:
            await backend.read(MethodName.CLIENT_CARDS, {"client_id": client_id})
        except Exception:
            return  # the cached cards stay on screen; errors show in Requests
        self.table.reload()  # client.cards wrote to the cache
        current = self.table.current_row
        if current is not None and current.key == client_id:
            self.show_detail(current, fetch=False)
            self.note_detail_shown(current)

    def on_app_news(self, message: Any) -> None:
        from fpconsole.tui.messages import CacheChanged

        if isinstance(message, CacheChanged) and self.is_mounted:
            self.cache_changed()
