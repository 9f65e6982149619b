"""Follows an asynchronous request on request/status until it is final (SPEC §2).

It yields each *change* of request_status, backs off from about half a second, gives up after
a bounded total time (TrackingTimedOut: still unknown, poll again later) and stops at once when
its task is cancelled. Transient poll failures are absorbed: a lost poll is not a lost request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fpconsole.api import errors
from fpconsole.api.dictionaries import FINAL_REQUEST_STATUSES
from fpconsole.api.events import StatusChanged
from fpconsole.api.methods import REQUEST_STATUS
from fpconsole.api.models import RequestStatusResponse
from fpconsole.api.redaction import redact, scrub_optional

if TYPE_CHECKING:
    from fpconsole.api.client import CardApiClient, PollPolicy


async def track_request(
    client: CardApiClient,
    request_id: str,
    *,
    method: str | None,
    initial: str | None,
    policy: PollPolicy,
) -> AsyncIterator[RequestStatusResponse]:
    previous = initial
    started = client._monotonic()
    delays = policy.delays()
    while True:
        delay = next(delays)
        if client._monotonic() - started + delay > policy.total:
            raise errors.TrackingTimedOut(
                f"{request_id} still '{previous}' after {policy.total:g} s; poll it again later",
                method=method or "",
                request_id=request_id,
            )
        await client._sleep(delay)
        try:
            result = await client.call(REQUEST_STATUS, {"request_id": request_id}, emit=False)
        except errors.ApiError:
            raise
        except errors.TransportError:
            continue  # a failed poll says nothing about the request; try again after backing off
        status = result.response
        assert isinstance(status, RequestStatusResponse)
        current = status.request_status
        if current != previous:
            client._emit(
                StatusChanged(
                    request_id=request_id,
                    request_status=current or "",
                    previous=previous,
                    response=redact(result.raw),
                    at=client._clock(),
                    method=method,
                    error_code=scrub_optional(status.error_code),
                    error_description=scrub_optional(status.error_description),
                )
            )
            previous = current
            yield status
        if current in FINAL_REQUEST_STATUSES:
            return
