"""The console's reads of local state, in one place: lists come from the entity cache and the
journal (the Card API has no list-all method, so the console lists what it has seen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fpconsole.api.names import MethodName

if TYPE_CHECKING:
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.journal import Journal
    from fpconsole.tui.transaction_query import TransactionQuery


def as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "__dataclass_fields__"):
        return {name: getattr(item, name) for name in item.__dataclass_fields__}
    return dict(item)


def count_clients(cache: EntityCache | None, query: str) -> int:
    return 0 if cache is None else cache.count("clients", query=query or None)


def fetch_clients(cache: EntityCache | None, query: str, offset: int, limit: int) -> Sequence[dict[str, Any]]:
    if cache is None:
        return []
    return [as_dict(c) for c in cache.search("clients", query=query or None, limit=limit, offset=offset)]


def count_cards(cache: EntityCache | None, query: str, client_id: str | None = None) -> int:
    return 0 if cache is None else cache.count("cards", query=query or None, client_id=client_id)


def fetch_cards(
    cache: EntityCache | None, query: str, offset: int, limit: int, client_id: str | None = None
) -> Sequence[dict[str, Any]]:
    if cache is None:
        return []
    return [
        as_dict(c)
        for c in cache.search("cards", query=query or None, limit=limit, offset=offset, client_id=client_id)
    ]


def get_card(cache: EntityCache | None, card_id: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    found = cache.get("cards", card_id)
    return as_dict(found) if found is not None else None


def get_client(cache: EntityCache | None, client_id: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    found = cache.get("clients", client_id)
    return as_dict(found) if found is not None else None


def count_requests(journal: Journal | None, query: str, *, changes_only: bool = False) -> int:
    return 0 if journal is None else journal.count(query=query or None, changes_only=changes_only)


def fetch_requests(
    journal: Journal | None, query: str, offset: int, limit: int, *, changes_only: bool = False
) -> Sequence[Any]:
    if journal is None:
        return []
    return list(journal.entries(query=query or None, limit=limit, offset=offset, changes_only=changes_only))


# --- transactions ---------------------------------------------------------------------------------
# The cache's own search lists the most recently *seen* first, so a transaction fetched for the
# detail panel jumps to the top and the cursor with it. Transactions are listed by id instead:
# the API's ids are UUIDv7, whose first bits are the creation time, so this is newest-created
# first and stable while the user scrolls. Status and dates are exact filters here, which
# `EntityCache.search` does not offer. PROPOSAL for the store: an `EntityCache.search_transactions`
# with these filters and this order; until then the query lives here, inside the cache's
# damage guard, reading only columns of schema v1.

_TRANSACTION_FIELDS = (
    "transaction_id, card_id, order_id, amount, currency, status, held, cleared, refunded, created_at"
)


def _transaction_where(cache: EntityCache, query: TransactionQuery) -> tuple[str, list[Any]]:
    from fpconsole.store.cache_schema import like_pattern, query_tokens

    where = ["profile = ?"]
    params: list[Any] = [cache.profile]
    if query.card_id:
        where.append("card_id = ?")
        params.append(query.card_id)
    if query.status:
        where.append("status = ?")
        params.append(query.status)
    # julianday() reads both the sandbox's +05:00 times and the client's UTC ones.
    if query.since is not None:
        where.append("julianday(created_at) >= julianday(?)")
        params.append(query.since.isoformat())
    if query.until is not None:
        where.append("julianday(created_at) < julianday(?)")
        params.append(query.until.isoformat())
    for token in query_tokens(query.text):
        where.append("search LIKE ? ESCAPE '\\'")
        params.append(like_pattern(token))
    return " AND ".join(where), params


def count_transactions(cache: EntityCache | None, query: TransactionQuery) -> int:
    if cache is None:
        return 0
    where, params = _transaction_where(cache, query)
    sql = f"SELECT count(*) FROM transactions WHERE {where}"
    return int(cache._guard(lambda: cache.conn.execute(sql, params).fetchone()[0]))


def fetch_transactions(
    cache: EntityCache | None, query: TransactionQuery, offset: int, limit: int
) -> Sequence[dict[str, Any]]:
    if cache is None:
        return []
    where, params = _transaction_where(cache, query)
    sql = (
        f"SELECT {_TRANSACTION_FIELDS} FROM transactions WHERE {where} "
        "ORDER BY transaction_id DESC LIMIT ? OFFSET ?"
    )
    rows = cache._guard(lambda: cache.conn.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall())
    return [dict(row) for row in rows]


def get_transaction(cache: EntityCache | None, transaction_id: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    found = cache.get("transactions", transaction_id)
    return as_dict(found) if found is not None else None


def remember_transaction(cache: EntityCache | None, state: Mapping[str, Any]) -> None:
    """transaction.info's amounts into the cache. The cache's own ingest keeps only the status
    from transaction.info, and the list shows held/cleared/refunded, so the console writes them."""
    transaction_id = state.get("transaction_id")
    if cache is None or not transaction_id:
        return
    fields = ("card_id", "order_id", "amount", "currency", "status", "held", "cleared", "refunded")
    cache.upsert_transaction(
        str(transaction_id), **{name: state[name] for name in fields if state.get(name) not in (None, "")}
    )


def transaction_requests(
    journal: Journal | None, transaction_id: str, card_id: str | None, limit: int = 50
) -> list[Any]:
    """The state-changing requests about one transaction, oldest first: its create (found by the
    transaction_id in the answer) and the clearings and refunds that name it."""
    if journal is None:
        return []
    found = {e.id: e for e in journal.entries(query=transaction_id, limit=limit) if e.changes_state}
    if card_id:
        for entry in journal.entries(method=MethodName.TRANSACTION_CREATE, query=card_id, limit=limit):
            if (entry.response or {}).get("transaction_id") == transaction_id:
                found[entry.id] = entry
    return [found[key] for key in sorted(found)]


def journal_entry(journal: Journal | None, request_id: str) -> Any:
    return None if journal is None else journal.get(request_id)
