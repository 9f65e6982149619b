"""What the backend tells the console about a request is the one outcome rule's word."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.message import Message

from fpconsole.api.events import CANCELLED, RequestFailed, ResponseReceived, StatusChanged
from fpconsole.tui.backend import ConsoleBackend
from fpconsole.tui.messages import RequestUpdated

AT = datetime(2025, 5, 1, tzinfo=UTC)


def updates_for(*events: object) -> list[str]:
    posted: list[Message] = []
    backend = object.__new__(ConsoleBackend)  # only the event mapping: no session needed
    backend._post = posted.append
    for event in events:
        backend._on_event(event)  # type: ignore[arg-type]
    return [m.outcome for m in posted if isinstance(m, RequestUpdated)]


def test_a_read_answered_ok_is_a_success_not_ok() -> None:
    read = ResponseReceived("card.info", "r1", "ok", None, {"status": "ok"}, 1.0, AT)
    assert updates_for(read) == ["success"]


def test_each_event_is_reported_by_its_outcome() -> None:
    assert updates_for(
        ResponseReceived("card.block", "r1", "ok", "process", {}, 1.0, AT),
        ResponseReceived("card.block", "r2", "error", None, {}, 1.0, AT),
        ResponseReceived("card.block", "r3", "ok", "queued", {}, 1.0, AT),
        StatusChanged("r1", "success", "process", {}, AT, method="card.block"),
        StatusChanged("r4", "", "process", {}, AT, method="card.block"),
        RequestFailed("card.block", "r5", "TimedOut", "timed out", True, AT),
        RequestFailed("card.info", "r6", CANCELLED, "cancelled", False, AT),
        RequestFailed("card.block", "r7", "CannotConnect", "refused", False, AT),
    ) == ["process", "error", "unknown", "success", "unknown", "unknown", "cancelled", "failed"]
