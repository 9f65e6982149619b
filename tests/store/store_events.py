"""Synthetic client events, shaped as the client emits them (already redacted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fpconsole.api.events import RequestFailed, RequestSent, ResponseReceived, StatusChanged

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def sent(
    method: str, request_id: str | None, request: dict[str, Any], at: datetime, *, changes_state: bool = True
) -> RequestSent:
    targets = {k: str(v) for k, v in request.items() if k in ("card_id", "client_id", "transaction_id")}
    return RequestSent(
        method=method,
        path="/v5/card-api/" + method.replace(".", "/"),
        request_id=request_id,
        target_ids=targets,
        request=request,
        changes_state=changes_state,
        at=at,
    )


def answered(
    method: str,
    request_id: str | None,
    response: dict[str, Any],
    at: datetime,
    *,
    request_status: str | None = "success",
    status: str = "ok",
    error_code: str | None = None,
    error_description: str | None = None,
) -> ResponseReceived:
    return ResponseReceived(
        method=method,
        request_id=request_id,
        status=status,
        request_status=request_status,
        response={"status": status, "request_status": request_status, **response},
        latency_ms=12.5,
        at=at,
        error_code=error_code,
        error_description=error_description,
    )


def status_changed(
    request_id: str,
    request_status: str,
    response: dict[str, Any],
    at: datetime,
    *,
    method: str | None = None,
    previous: str | None = "process",
) -> StatusChanged:
    return StatusChanged(
        request_id=request_id,
        request_status=request_status,
        previous=previous,
        response={"status": "ok", "request_status": request_status, **response},
        at=at,
        method=method,
    )


def failed(
    method: str, request_id: str | None, at: datetime, *, unknown: bool = True, error: str | None = None
) -> RequestFailed:
    return RequestFailed(
        method=method,
        request_id=request_id,
        error=error or ("TimedOut" if unknown else "CannotConnect"),
        message="no answer within 30 s",
        outcome_unknown=unknown,
        at=at,
        latency_ms=30000.0,
    )
