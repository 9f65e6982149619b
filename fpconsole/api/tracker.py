"""Follows an asynchronous request on request/status until it is final (SPEC §2).

It yields each *change* of request_status, backs off from about half a second, gives up after
a bounded total time (TrackingTimedOut: still unknown, poll again later) and stops at once when
its task is cancelled. Failed polls are absorbed: a lost poll is not a lost request.

A failed poll is a transport failure *or an error envelope answering request/status itself*
(`status: error`: an injected fault, a rate limit, a signature problem…). Such an answer is about
the poll, not about the request asked about, so it never becomes the request's outcome: the
status stays what it was and polling goes on with backoff. Two answers do speak about the request:
`status: ok` with a `request_status` (success, process, error + error_code — that error IS the
request's outcome), and the refusal meaning "no such request" (errors.UNKNOWN_REQUEST_CODES):
proof the request never arrived. That one is emitted as a RequestFailed for the request followed
(outcome `failed`: not received, the same request_id may go again) and raised as ApiError.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fpconsole.api import errors
from fpconsole.api.dictionaries import FINAL_REQUEST_STATUSES
from fpconsole.api.events import EventBus, RequestFailed, StatusChanged
from fpconsole.api.models import RequestStatusResponse
from fpconsole.api.redaction import redact, scrub_optional

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """request/status polling: back off from about half a second, bounded in total."""

    first_delay: float = 0.5
    factor: float = 1.6
    max_delay: float = 5.0
    total: float = 600.0  # SPEC §2 suggests giving up after about ten minutes

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_delay)


class StatusPoller(Protocol):
    """What following a request needs from a client (CardApiClient is one). Declared here so the
    client imports the tracker and not the other way round; the clocks are the client's because
    tests give it fake ones."""

    events: EventBus

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def pause(self, seconds: float) -> None: ...

    async def poll_status(self, request_id: str) -> tuple[RequestStatusResponse, dict[str, Any]]:
        """One request/status call that emits no event of its own: the answer and its raw JSON."""
        ...


async def track_request(
    client: StatusPoller,
    request_id: str,
    *,
    method: str | None,
    initial: str | None,
    policy: PollPolicy,
    on_poll_failed: Callable[[errors.TransportError], object] | None = None,
    on_poll_recovered: Callable[[], object] | None = None,
) -> AsyncIterator[RequestStatusResponse]:
    """Poll request/status until a final status. `on_poll_failed` hears each poll the link
    failed (the request's fate is unchanged by it), so a console can say the server is gone
    while it waits instead of staying silent until the policy's total; `on_poll_recovered`
    hears the first poll that answers after such failures (before any status it brings)."""
    previous = initial
    started = client.monotonic()
    delays = policy.delays()
    failed_poll: str | None = None  # why the newest poll failed, while the next one has not answered
    link_down = False  # the newest poll failed on the link (not an error answer)
    while True:
        delay = next(delays)
        if client.monotonic() - started + delay > policy.total:
            why = f" (the last request/status poll failed: {failed_poll})" if failed_poll else ""
            raise errors.TrackingTimedOut(
                f"{request_id} still '{previous}' after {policy.total:g} s{why}; poll it again later",
                method=method or "",
                request_id=request_id,
            )
        await client.pause(delay)
        try:
            status, raw = await client.poll_status(request_id)
        except errors.ApiError as refusal:
            if errors.is_unknown_request(refusal):
                # request/status does not know the id: that is about the request itself. Its
                # journal entry and the console learn "not received" from this event (the poll
                # emits none of its own), then the caller decides; nothing is resent here.
                if method:
                    client.events.emit(_not_received(request_id, method, refusal, client.now()))
                raise
            # request/status itself answered with an error: a failed poll, not the outcome.
            failed_poll = scrub_optional(refusal.error_code) or "error"
            log.info("request/status poll of %s failed (%s); polling again", request_id, failed_poll)
            continue
        except errors.TransportError as exc:
            # A failed poll says nothing about the request; try again after backing off.
            failed_poll = type(exc).__name__
            link_down = True
            if on_poll_failed is not None:
                on_poll_failed(exc)
            continue
        failed_poll = None
        if link_down:
            link_down = False
            if on_poll_recovered is not None:
                on_poll_recovered()
        current = status.request_status
        if current != previous:
            client.events.emit(
                StatusChanged(
                    request_id=request_id,
                    request_status=current or "",
                    previous=previous,
                    response=redact(raw),
                    at=client.now(),
                    method=method,
                    error_code=scrub_optional(status.error_code),
                    error_description=scrub_optional(status.error_description),
                )
            )
            previous = current
            yield status
        if current in FINAL_REQUEST_STATUSES:
            return


def _not_received(request_id: str, method: str, refusal: errors.ApiError, at: datetime) -> RequestFailed:
    """The followed request, as request/status's "no such request" leaves it: never received."""
    code = refusal.error_code or "unknown_request_id"
    return RequestFailed(
        method=method,
        request_id=request_id,
        error=code,
        message=f"request/status does not know request_id {request_id} ({code}): not received",
        outcome_unknown=False,
        at=at,
    )
