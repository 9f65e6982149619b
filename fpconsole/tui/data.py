"""The console's reads of local state, in one place: lists come from the entity cache and the
journal (the Card API has no list-all method, so the console lists what it has seen)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.journal import Journal


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


def count_requests(journal: Journal | None, query: str) -> int:
    return 0 if journal is None else journal.count(query=query or None)


def fetch_requests(journal: Journal | None, query: str, offset: int, limit: int) -> Sequence[Any]:
    if journal is None:
        return []
    return list(journal.entries(query=query or None, limit=limit, offset=offset))
