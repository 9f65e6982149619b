"""Follows an asynchronous request on request/status until it is final (SPEC §2).

It yields each *change* of request_status, backs off from about half a second, gives up after
a bounded total time (TrackingTimedOut: still unknown, poll again later) and stops at once when
its task is cancelled. Failed polls are absorbed: a lost poll is not a lost request.

A failed poll is a transport failure *or an error envelope answering request/status itself*
(`status: error`: an injected fault, a rate limit, a signature problem…). Such an answer is about
the poll, not about the request asked about, so it never becomes the request's outcome: the
status stays what it was and polling goes on with backoff. Two answers do speak about the request:
`status: ok` with a `request_status` (success, process, error + error_code — that error IS the
request's outcome), and the refusal meaning "no such request" (errors.UNKNOWN_REQUEST_CODES),
raised as ApiError: proof the request never arrived.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)


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
    failed_poll: str | None = None  # why the newest poll failed, while the next one has not answered
    while True:
        delay = next(delays)
        if client._monotonic() - started + delay > policy.total:
            why = f" (the last request/status poll failed: {failed_poll})" if failed_poll else ""
            raise errors.TrackingTimedOut(
                f"{request_id} still '{previous}' after {policy.total:g} s{why}; poll it again later",
                method=method or "",
                request_id=request_id,
            )
        await client._sleep(delay)
        try:
            result = await client.call(REQUEST_STATUS, {"request_id": request_id}, emit=False)
        except errors.ApiError as refusal:
            if errors.is_unknown_request(refusal):
                raise  # request/status does not know the id: that is about the request itself
            # request/status itself answered with an error: a failed poll, not the outcome.
            failed_poll = scrub_optional(refusal.error_code) or "error"
            log.info("request/status poll of %s failed (%s); polling again", request_id, failed_poll)
            continue
        except errors.TransportError as exc:
            # A failed poll says nothing about the request; try again after backing off.
            failed_poll = type(exc).__name__
            continue
        failed_poll = None
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
