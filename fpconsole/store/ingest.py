"""How client events update the entity cache.

Reads teach us entities directly (card.info, client.cards, transaction.info), without moving
known ones up the recent-first lists (browsing must not reorder the list under the cursor). Mutations only
say "success" — often later, through request/status — so the request body is remembered from
`RequestSent` (by request_id) and the change is applied when the request succeeds. Events are
already redacted; the cache keeps a short list of non-secret fields on top of that.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

from fpconsole.api.names import MethodName

if TYPE_CHECKING:
    from datetime import datetime

    from fpconsole.api.events import ClientEvent, ResponseReceived, StatusChanged
    from fpconsole.api.methods import Method
    from fpconsole.store.cache_schema import EntityKind

# Requests in flight we remember; a console rarely has more than a few dozen.
MAX_REMEMBERED: Final = 4096


class CacheWriter(Protocol):
    """What ingesting writes to (EntityCache is one). Declared here so the cache imports this
    module, to hand it its events, and this module never imports the cache."""

    def get(self, kind: EntityKind, key: str) -> object | None: ...

    def upsert(
        self,
        kind: EntityKind,
        item: Mapping[str, Any],
        *,
        seen_at: datetime | None = None,
        touch: bool = True,
    ) -> None: ...

    def upsert_client(
        self, client_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None: ...

    def upsert_card(
        self, card_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None: ...

    def upsert_transaction(
        self, transaction_id: str, *, seen_at: datetime | None = None, touch: bool = True, **fields: Any
    ) -> None: ...


def _entry(method: str | None) -> Method | None:
    # The registry loads pydantic: on the first event, not when the cache is opened.
    from fpconsole.api.methods import REGISTRY

    return REGISTRY.get(method) if method else None


def _polls(method: str | None) -> bool:
    """request/status (under either name): it asks about an earlier request, it is not one."""
    entry = _entry(method)
    return entry is not None and entry.looks_up_request_id


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _card_status_after(method: str | None) -> str | None:
    entry = _entry(method)
    return entry.card_status_after if entry is not None else None


def _transaction_status_after(method: str | None) -> str | None:
    entry = _entry(method)
    return entry.transaction_status_after if entry is not None else None


def _card_refs(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for item in response.get("cards") or []:
        if isinstance(item, Mapping) and item.get("card_id"):
            found.append(item)
        elif isinstance(item, (str, int)) and str(item):
            found.append({"card_id": str(item)})
    return found


class CacheIngest:
    def __init__(self, cache: CacheWriter) -> None:
        self.cache = cache
        self.requests: OrderedDict[str, tuple[str, Mapping[str, Any]]] = OrderedDict()

    def __call__(self, event: ClientEvent) -> None:
        if event.kind == "sent":
            # A manual request.status poll carries the original's request_id: not a new request.
            if event.request_id and not _polls(event.method):
                self.remember(event.request_id, event.method, event.request)
        elif event.kind == "answered":
            self._answered(event)
        elif event.kind == "status":
            self._status(event)
        # "failed": nothing is known; the request stays remembered in case a poll settles it.

    def remember(self, request_id: str, method: str, body: Mapping[str, Any]) -> None:
        """Keep a request's (redacted) body until its outcome: sent now, or sent before a restart
        and read back from the journal, so a success applies the same way either time."""
        self.requests[request_id] = (method, body)
        self.requests.move_to_end(request_id)
        while len(self.requests) > MAX_REMEMBERED:
            self.requests.popitem(last=False)

    def _body(self, request_id: str | None) -> Mapping[str, Any]:
        remembered = self.requests.get(request_id) if request_id else None
        return remembered[1] if remembered else {}

    def _answered(self, event: ResponseReceived) -> None:
        if _polls(event.method) and event.status == "error":
            # request/status itself answered with an error: a failed poll, which says nothing
            # about the original. Keep its body, so a later successful poll can still apply it.
            return
        if event.status == "error" or event.request_status == "error":
            self._forget(event.request_id)
            return
        if _polls(event.method):
            # Someone polled by hand (`fpconsole call request.status`): the original settled.
            if event.request_status == "success":
                self._succeeded(event.request_id, None, event.response, event.at)
            return
        method, response, at = event.method, event.response, event.at
        body = self._body(event.request_id)
        cache = self.cache
        if method == MethodName.CARD_INFO:
            card = _obj(response.get("card"))
            if card.get("card_id"):
                cache.upsert_card(
                    str(card["card_id"]),
                    seen_at=at,
                    touch=False,
                    card_mask=card.get("card_mask"),
                    status=card.get("status"),
                    client_id=card.get("client_id"),
                    product_id=card.get("product_id"),
                    expiry=card.get("expiry"),
                )
        elif method == MethodName.CLIENT_CARDS:
            for card in _card_refs(response):
                cache.upsert_card(
                    str(card["card_id"]),
                    seen_at=at,
                    touch=False,
                    card_mask=card.get("card_mask"),
                    status=card.get("status"),
                    client_id=body.get("client_id"),
                )
        elif method == MethodName.TRANSACTION_CREATE and response.get("transaction_id"):
            self._transaction_created(str(response["transaction_id"]), body, response, at)
        elif method == MethodName.TRANSACTION_INFO and body.get("transaction_id"):
            status = _obj(response.get("transaction")).get("status")
            if status:
                cache.upsert_transaction(str(body["transaction_id"]), seen_at=at, touch=False, status=status)
        if event.request_status == "success":
            self._succeeded(event.request_id, method, response, at)

    def _status(self, event: StatusChanged) -> None:
        if event.request_status == "success":
            self._succeeded(event.request_id, event.method, event.response, event.at)
        elif event.request_status == "error":
            self._forget(event.request_id)

    def _forget(self, request_id: str | None) -> None:
        if request_id:
            self.requests.pop(request_id, None)

    def _transaction_created(
        self, transaction_id: str, body: Mapping[str, Any], response: Mapping[str, Any], at: datetime
    ) -> None:
        known = self.cache.get("transactions", transaction_id) is not None
        self.cache.upsert_transaction(
            transaction_id,
            seen_at=at,
            card_id=body.get("card_id"),
            order_id=body.get("order_id"),
            amount=body.get("amount"),
            currency=body.get("currency"),
            status=_obj(response.get("transaction")).get("status"),
            # The first sighting is the creation time; a later poll must not move it.
            created_at=None if known else at.isoformat(),
        )

    def _succeeded(
        self, request_id: str | None, method: str | None, response: Mapping[str, Any], at: datetime
    ) -> None:
        remembered = self.requests.pop(request_id, None) if request_id else None
        if remembered is None and method is None:
            return
        method = method or (remembered[0] if remembered else None)
        body: Mapping[str, Any] = remembered[1] if remembered else {}
        cache = self.cache
        if method == MethodName.CLIENT_ADD:
            client_id = response.get("client_id")
            if client_id:
                item = {
                    **_obj(body.get("client")),
                    "client_id": str(client_id),
                    "product_id": body.get("product_id"),
                    "branch_id": body.get("branch_id"),
                }
                cache.upsert("clients", item, seen_at=at)
        elif method in (MethodName.CARD_ISSUE, MethodName.CARD_BULK_ISSUE):
            # Bulk-issued cards belong to no client until card.link.
            owner = body.get("client_id") if method == MethodName.CARD_ISSUE else None
            for card in _card_refs(response):
                cache.upsert_card(
                    str(card["card_id"]),
                    seen_at=at,
                    card_mask=card.get("card_mask"),
                    status=card.get("status"),
                    client_id=owner,
                    product_id=body.get("product_id"),
                )
        elif method == MethodName.CARD_LINK:
            if body.get("card_id") and body.get("client_id"):
                cache.upsert_card(str(body["card_id"]), seen_at=at, client_id=body["client_id"])
        elif (card_status := _card_status_after(method)) is not None:
            if body.get("card_id"):
                cache.upsert_card(str(body["card_id"]), seen_at=at, status=card_status)
        elif method == MethodName.CLIENT_UPDATE:
            if body.get("client_id"):
                cache.upsert_client(
                    str(body["client_id"]),
                    seen_at=at,
                    phone=_obj(body.get("client")).get("phone"),
                    product_id=body.get("product_id"),
                )
        elif method == MethodName.TRANSACTION_CREATE:
            transaction_id = response.get("transaction_id")
            if transaction_id:
                self._transaction_created(str(transaction_id), body, response, at)
        elif (settled := _transaction_status_after(method)) is not None:
            transaction_id = body.get("transaction_id") or response.get("transaction_id")
            if transaction_id:
                status = _obj(response.get("transaction")).get("status") or settled
                cache.upsert_transaction(str(transaction_id), seen_at=at, status=status)
