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
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from datetime import datetime

    from fpconsole.api.events import ClientEvent, ResponseReceived, StatusChanged
    from fpconsole.store.cache import EntityCache

# Requests in flight we remember; a console rarely has more than a few dozen.
MAX_REMEMBERED: Final = 4096
STATUS_METHODS: Final = frozenset({"request.status", "transaction.request_status"})
CARD_STATUS_AFTER: Final = {
    "card.activate": "active",
    "card.block": "blocked",
    "card.unblock": "active",
    "card.close": "closed",
}
TRANSACTION_STATUS_AFTER: Final = {"transaction.clearing": "cleared", "transaction.refund": "refunded"}


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _card_refs(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for item in response.get("cards") or []:
        if isinstance(item, Mapping) and item.get("card_id"):
            found.append(item)
        elif isinstance(item, (str, int)) and str(item):
            found.append({"card_id": str(item)})
    return found


class CacheIngest:
    def __init__(self, cache: EntityCache) -> None:
        self.cache = cache
        self.requests: OrderedDict[str, tuple[str, Mapping[str, Any]]] = OrderedDict()

    def __call__(self, event: ClientEvent) -> None:
        if event.kind == "sent":
            # A manual request.status poll carries the original's request_id: not a new request.
            if event.request_id and event.method not in STATUS_METHODS:
                self.requests[event.request_id] = (event.method, event.request)
                self.requests.move_to_end(event.request_id)
                while len(self.requests) > MAX_REMEMBERED:
                    self.requests.popitem(last=False)
        elif event.kind == "answered":
            self._answered(event)
        elif event.kind == "status":
            self._status(event)
        # "failed": nothing is known; the request stays remembered in case a poll settles it.

    def _body(self, request_id: str | None) -> Mapping[str, Any]:
        remembered = self.requests.get(request_id) if request_id else None
        return remembered[1] if remembered else {}

    def _answered(self, event: ResponseReceived) -> None:
        if event.method in STATUS_METHODS and event.status == "error":
            # request/status itself answered with an error: a failed poll, which says nothing
            # about the original. Keep its body, so a later successful poll can still apply it.
            return
        if event.status == "error" or event.request_status == "error":
            self._forget(event.request_id)
            return
        if event.method in STATUS_METHODS:
            # Someone polled by hand (`fpconsole call request.status`): the original settled.
            if event.request_status == "success":
                self._succeeded(event.request_id, None, event.response, event.at)
            return
        method, response, at = event.method, event.response, event.at
        body = self._body(event.request_id)
        cache = self.cache
        if method == "card.info":
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
        elif method == "client.cards":
            for card in _card_refs(response):
                cache.upsert_card(
                    str(card["card_id"]),
                    seen_at=at,
                    touch=False,
                    card_mask=card.get("card_mask"),
                    status=card.get("status"),
                    client_id=body.get("client_id"),
                )
        elif method == "transaction.create" and response.get("transaction_id"):
            self._transaction_created(str(response["transaction_id"]), body, response, at)
        elif method == "transaction.info" and body.get("transaction_id"):
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
        if method == "client.add":
            client_id = response.get("client_id")
            if client_id:
                item = {
                    **_obj(body.get("client")),
                    "client_id": str(client_id),
                    "product_id": body.get("product_id"),
                    "branch_id": body.get("branch_id"),
                }
                cache.upsert("clients", item, seen_at=at)
        elif method in ("card.issue", "card.bulk_issue"):
            # Bulk-issued cards belong to no client until card.link.
            owner = body.get("client_id") if method == "card.issue" else None
            for card in _card_refs(response):
                cache.upsert_card(
                    str(card["card_id"]),
                    seen_at=at,
                    card_mask=card.get("card_mask"),
                    status=card.get("status"),
                    client_id=owner,
                    product_id=body.get("product_id"),
                )
        elif method == "card.link":
            if body.get("card_id") and body.get("client_id"):
                cache.upsert_card(str(body["card_id"]), seen_at=at, client_id=body["client_id"])
        elif method in CARD_STATUS_AFTER:
            if body.get("card_id"):
                cache.upsert_card(str(body["card_id"]), seen_at=at, status=CARD_STATUS_AFTER[method])
        elif method == "client.update":
            if body.get("client_id"):
                cache.upsert_client(
                    str(body["client_id"]),
                    seen_at=at,
                    phone=_obj(body.get("client")).get("phone"),
                    product_id=body.get("product_id"),
                )
        elif method == "transaction.create":
            transaction_id = response.get("transaction_id")
            if transaction_id:
                self._transaction_created(str(transaction_id), body, response, at)
        elif method in TRANSACTION_STATUS_AFTER:
            transaction_id = body.get("transaction_id") or response.get("transaction_id")
            if transaction_id:
                status = _obj(response.get("transaction")).get("status") or TRANSACTION_STATUS_AFTER[method]
                cache.upsert_transaction(str(transaction_id), seen_at=at, status=status)
