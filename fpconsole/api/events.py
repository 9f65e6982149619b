"""What the client tells its subscribers (the journal, the TUI, the CLI's --wait printer).

Every payload here is already redacted: subscribers may store or show it as is. The client
builds these; nobody else should, so a subscriber can trust that no PAN, CVV, PIN or secret
ever reaches it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeAlias

JsonObject: TypeAlias = dict[str, Any]
# RequestFailed.error of a call whose task was cancelled after the request was sent (a newer
# selection replaced a read, a screen closed): no answer will be read, nothing went wrong.
CANCELLED = "Cancelled"


@dataclass(frozen=True, slots=True)
class RequestSent:
    """A request left the client (or is about to be re-polled after a restart)."""

    method: str  # registry name, e.g. "card.block"
    path: str
    request_id: str | None
    target_ids: dict[str, str]  # e.g. {"card_id": "7001234"} — ids the request is about
    request: JsonObject  # redacted body
    changes_state: bool
    at: datetime
    kind: Literal["sent"] = "sent"


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """The server answered with JSON that matched the envelope (success, process or API error)."""

    method: str
    request_id: str | None
    status: str | None  # "ok" | "error"
    request_status: str | None  # "success" | "process" | "error"
    response: JsonObject  # redacted body
    latency_ms: float
    at: datetime
    error_code: str | None = None
    error_description: str | None = None
    kind: Literal["answered"] = "answered"


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """A poll of request/status saw a new request_status for an earlier request."""

    request_id: str
    request_status: str
    previous: str | None
    response: JsonObject  # redacted request/status answer (client_id, cards[] …)
    at: datetime
    method: str | None = None  # the original method, when the tracker knows it
    error_code: str | None = None
    error_description: str | None = None
    kind: Literal["status"] = "status"


@dataclass(frozen=True, slots=True)
class RequestFailed:
    """No usable answer: transport error, timeout (unknown outcome), bad HTTP status, bad body,
    or the call was cancelled after sending (`error == CANCELLED`; for a state-changing call its
    outcome is then unknown and pollable, for a read there is nothing to follow up)."""

    method: str
    request_id: str | None
    error: str  # the error class name, e.g. "TimedOut"
    message: str  # human text, redacted
    outcome_unknown: bool
    at: datetime
    latency_ms: float | None = None
    kind: Literal["failed"] = "failed"

    @property
    def cancelled(self) -> bool:
        return self.error == CANCELLED


ClientEvent: TypeAlias = RequestSent | ResponseReceived | StatusChanged | RequestFailed
Subscriber: TypeAlias = Callable[[ClientEvent], None]


@dataclass
class EventBus:
    """Fan-out of client events. A failing subscriber never breaks the call that emitted."""

    _subscribers: list[Subscriber] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[BaseException] = field(default_factory=list)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def emit(self, event: ClientEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception as exc:  # a broken journal must not fail a card operation
                self.errors.append(exc)
