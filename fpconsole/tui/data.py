"""The console's reads of local state, in one place: lists come from the entity cache and the
journal (the Card API has no list-all method, so the console lists what it has seen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fpconsole.api.names import MethodName

if TYPE_CHECKING:
    from fpconsole.list_filters import ListFilter
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.journal import Journal
    from fpconsole.tui.transaction_query import TransactionQuery


def as_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if hasattr(item, "__dataclass_fields__"):
        return {name: getattr(item, name) for name in item.__dataclass_fields__}
    return dict(item)


def list_filter(section: str, query: str | ListFilter) -> ListFilter:
    """The `/` text of a list as its qualifiers and free words (fpconsole.list_filters); a
    screen passes it parsed already (with its own clock), an export passes the text."""
    if not isinstance(query, str):
        return query
    from fpconsole.list_filters import LIST_QUALIFIERS, parse_filter

    return parse_filter(query, LIST_QUALIFIERS[section])


def _entity_filters(found: ListFilter, client_id: str | None = None) -> dict[str, Any]:
    return {
        "query": found.text or None,
        "client_id": client_id or found.client,
        "status": found.status,
        "product_id": found.product,
        "seen_since": found.since,
    }


def count_clients(cache: EntityCache | None, query: str | ListFilter) -> int:
    if cache is None:
        return 0
    found = list_filter("clients", query)
    return cache.count("clients", **_entity_filters(found))


def fetch_clients(
    cache: EntityCache | None, query: str | ListFilter, offset: int, limit: int
) -> Sequence[dict[str, Any]]:
    if cache is None:
        return []
    found = list_filter("clients", query)
    return [as_dict(c) for c in cache.search("clients", limit=limit, offset=offset, **_entity_filters(found))]


def count_cards(cache: EntityCache | None, query: str | ListFilter, client_id: str | None = None) -> int:
    if cache is None:
        return 0
    return cache.count("cards", **_entity_filters(list_filter("cards", query), client_id))


def fetch_cards(
    cache: EntityCache | None,
    query: str | ListFilter,
    offset: int,
    limit: int,
    client_id: str | None = None,
) -> Sequence[dict[str, Any]]:
    if cache is None:
        return []
    found = list_filter("cards", query)
    return [
        as_dict(c)
        for c in cache.search("cards", limit=limit, offset=offset, **_entity_filters(found, client_id))
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


def _request_where(journal: Journal, found: ListFilter, changes_only: bool) -> tuple[str, list[Any]]:
    """The journal's own filters, and a client's or a card's requests (their id among the
    request's targets) next to the free words: the journal's `query` takes one text only."""
    from fpconsole.store.cache_schema import like_pattern

    where, params = journal._filters(
        found.since, found.method, found.status, found.text or None, changes_only
    )
    for target in (found.client, found.card):
        if target:
            where += " AND target_ids LIKE ? ESCAPE '\\'"
            params.append(like_pattern(f'"{target}"'))
    return where, params


def count_requests(journal: Journal | None, query: str | ListFilter, *, changes_only: bool = False) -> int:
    if journal is None:
        return 0
    where, params = _request_where(journal, list_filter("requests", query), changes_only)
    with journal._lock:
        return int(journal.conn.execute(f"SELECT count(*) FROM requests WHERE {where}", params).fetchone()[0])


def fetch_requests(
    journal: Journal | None, query: str | ListFilter, offset: int, limit: int, *, changes_only: bool = False
) -> Sequence[Any]:
    if journal is None:
        return []
    from fpconsole.store.journal import _entry

    where, params = _request_where(journal, list_filter("requests", query), changes_only)
    sql = f"SELECT * FROM requests WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?"
    with journal._lock:
        rows = journal.conn.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall()
    return [_entry(row) for row in rows]


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


def _transaction_where(cache: EntityCache, query: TransactionQuery | ListFilter) -> tuple[str, list[Any]]:
    from fpconsole.list_filters import ListFilter
    from fpconsole.store.cache_schema import like_pattern, query_tokens

    where = ["profile = ?"]
    params: list[Any] = [cache.profile]
    card_id = query.card if isinstance(query, ListFilter) else query.card_id
    if card_id:
        where.append("card_id = ?")
        params.append(card_id)
    if isinstance(query, ListFilter) and query.client:
        # The client's cards through their index (cards_client), then each card's transactions.
        where.append("card_id IN (SELECT card_id FROM cards WHERE profile = ? AND client_id = ?)")
        params += [cache.profile, query.client]
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


def count_transactions(cache: EntityCache | None, query: TransactionQuery | ListFilter) -> int:
    if cache is None:
        return 0
    where, params = _transaction_where(cache, query)
    sql = f"SELECT count(*) FROM transactions WHERE {where}"
    return int(cache._guard(lambda: cache.conn.execute(sql, params).fetchone()[0]))


def fetch_transactions(
    cache: EntityCache | None, query: TransactionQuery | ListFilter, offset: int, limit: int
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
