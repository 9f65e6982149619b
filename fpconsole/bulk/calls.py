"""Sending one state-changing request safely and learning its final outcome.

The rules (SPEC §2, §5.4):
- a request goes out only with the request_id already stored for it, and is never re-sent with
  another id while its outcome is unknown;
- after a lost answer, request/status is asked about the SAME id, with backoff, a bounded number
  of times; "still unknown" is an outcome of its own (a rerun asks again);
- a request the server certainly did not get (connection refused, or request/status does not
  know the id) may be sent again with the same id: if it did arrive after all, the server
  refuses the duplicate and we poll instead.

When the run stops (a cancel, or the server judged gone by the ServerWatch), `stop()` ends every
wait at once: polls end `unknown` (a rerun asks request/status again), and a request not yet
sent is not sent (Stopped). A send already on the wire is left to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from fpconsole.api import errors
from fpconsole.api.client import UNKNOWN_REQUEST_CODES, CallResult, CardApiClient, PollPolicy
from fpconsole.api.methods import Method
from fpconsole.api.models import Envelope
from fpconsole.api.outcome import DUPLICATE_REQUEST
from fpconsole.bulk.pan import safe_text
from fpconsole.bulk.watch import ServerWatch, wait_any

T = TypeVar("T")


class Stopped(Exception):
    """The run is stopping: the request about to go out was not sent."""


State = Literal["success", "error", "unknown", "not_received"]


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of one request.

    success: applied; client_id / card_ids as the server reported them.
    error: the server refused it or processing failed; its request_id is used up.
    unknown: it may or may not have been applied; ask request/status about it later.
    not_received: the server never got it; it may be sent again with the same request_id.
    """

    state: State
    request_id: str
    client_id: str | None = None
    card_ids: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "success"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    # request/status polling of a `process` request; None: the client's own (ClientOptions.poll)
    poll: PollPolicy | None = None
    send_attempts: int = 3  # sends of one request_id the server certainly did not receive
    unknown_polls: int = 5  # further request/status rounds after an answer was lost
    read_attempts: int = 3  # card.info tries
    first_backoff: float = 0.2
    max_backoff: float = 5.0

    def backoff(self) -> Iterator[float]:
        delay = self.first_backoff
        while True:
            yield delay
            delay = min(delay * 2, self.max_backoff)


def _reason(exc: errors.CardApiError) -> str:
    return safe_text(exc.message) or type(exc).__name__


def _settled(request_id: str, response: Envelope) -> Settled:
    status = response.request_status
    if status == "success":
        cards = getattr(response, "cards", None) or []
        return Settled(
            "success",
            request_id,
            client_id=getattr(response, "client_id", None) or None,
            card_ids=tuple(str(card.card_id) for card in cards),
        )
    if status == "error":
        code = response.error_code or "error"
        text = safe_text(response.error_description) or "the request failed"
        return Settled("error", request_id, reason=f"{code}: {text}")
    return _unknown(request_id, f"request/status says '{status}'")


def _unknown(request_id: str, detail: str) -> Settled:
    """Every unknown outcome says so in the same words, with the id a rerun will ask about."""
    detail = detail.replace(request_id, "it")
    return Settled(
        "unknown",
        request_id,
        reason=f"outcome unknown, request_id {request_id} ({detail}); a rerun asks request/status again",
    )


@dataclass
class RequestCalls:
    client: CardApiClient
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    watch: ServerWatch | None = None  # when set, a failed send waits for its verdict on the server
    attempted: bool = False  # some request was tried
    reached_server: bool = False  # any answer at all, even an error: the server is there
    stop_reason: str | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def stop(self, why: str) -> None:
        """End every poll and wait now; send nothing more."""
        if not self._stop.is_set():
            self.stop_reason = why
            self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    async def submit(self, method: Method, body: Mapping[str, Any], *, expect: str | None = None) -> Settled:
        """Send `body` (carrying its stored request_id) and follow it to a final outcome.
        `expect` ("client_id" or "cards") asks request/status when a `success` answer lacks it.
        Raises Stopped when the run stops before the request could be sent."""
        request_id = str(body["request_id"])
        self.attempted = True
        delays = self.policy.backoff()
        last = ""
        for attempt in range(max(self.policy.send_attempts, 1)):
            if attempt:
                await self._server_back()
                await self._pause(next(delays))
            if self.stopped:
                raise Stopped(self.stop_reason)
            try:
                result = await self.client.call(method, body)
            except errors.ApiError as exc:
                self.reached_server = True
                if exc.error_code == DUPLICATE_REQUEST:
                    return await self.resolve(method, request_id)  # it did arrive, earlier
                return Settled("error", request_id, reason=_reason(exc))
            except errors.TransportError as exc:
                last = _reason(exc)
                if exc.outcome_unknown:
                    settled = await self.resolve(method, request_id)
                    if settled.state != "not_received":
                        return settled
                continue  # certainly not received: the same request_id may go again
            self.reached_server = True
            settled = _settled(request_id, result.response)
            if settled.state == "unknown" or (settled.ok and _lacks(settled, expect)):
                # `initial` spares the tracker a change event for the `process` it already knows.
                initial = result.request_status if result.in_process else None
                return await self.resolve(method, request_id, initial=initial)
            return settled
        return Settled("not_received", request_id, reason=f"could not be sent: {last}")

    async def resolve(self, method: Method, request_id: str, *, initial: str | None = None) -> Settled:
        """Ask request/status about a request sent earlier until it is final, within bounds.
        Stopping the run ends it at once with `unknown`."""
        self.attempted = True
        delays = self.policy.backoff()
        last = ""
        try:
            for attempt in range(1 + max(self.policy.unknown_polls, 0)):
                if attempt:
                    await self._pause(next(delays))
                try:
                    return await self._until_stopped(self._follow(method, request_id, initial))
                except errors.ApiError as exc:
                    self.reached_server = True
                    if exc.error_code in UNKNOWN_REQUEST_CODES:  # the client's list of "no such request"
                        return Settled(
                            "not_received", request_id, reason=f"the server does not know {request_id}"
                        )
                    last = _reason(exc)  # an error answer to the poll itself says nothing of the request
                except errors.TrackingTimedOut as exc:
                    return _unknown(request_id, _reason(exc))
                except errors.TransportError as exc:
                    last = _reason(exc)
        except Stopped:
            return _unknown(request_id, f"polling stopped: {self.stop_reason}")
        return _unknown(request_id, last)

    async def _follow(self, method: Method, request_id: str, initial: str | None) -> Settled:
        last: Envelope | None = None
        async for status in self.client.track(
            request_id, method=method.name, initial=initial, policy=self.policy.poll
        ):
            self.reached_server = True
            last = status
        if last is None:  # the tracker yields only changes; nothing new since `initial`
            raise errors.TrackingTimedOut(f"no status for {request_id}", request_id=request_id)
        return _settled(request_id, last)

    async def read(self, method: Method, body: Mapping[str, Any]) -> CallResult:
        """A read (card.info): safe to repeat, so API errors are retried too, a few times.
        Raises Stopped when the run stops before it could get an answer."""
        self.attempted = True
        delays = self.policy.backoff()
        for attempt in range(max(self.policy.read_attempts, 1)):
            if attempt:
                await self._pause(next(delays))
            if self.stopped:
                raise Stopped(self.stop_reason)
            try:
                result = await self.client.call(method, body)
                self.reached_server = True
                return result
            except errors.ApiError:
                self.reached_server = True
                if attempt + 1 >= self.policy.read_attempts:
                    raise
            except errors.TransportError:
                if attempt + 1 >= self.policy.read_attempts:
                    raise
                await self._server_back()
        raise AssertionError("unreachable")

    async def _server_back(self) -> None:
        """After a failed exchange: wait while the watch checks the server. Stopped when it is
        judged gone (or the run stops meanwhile)."""
        if self.watch is not None:
            await wait_any(self.watch.ok, self.watch.down, self._stop)
            if self.watch.down.is_set():
                self.stop(f"the server cannot be reached ({self.watch.reason})")
        if self.stopped:
            raise Stopped(self.stop_reason)

    async def _pause(self, delay: float) -> None:
        """A backoff that a stop ends at once (raising Stopped)."""
        await self._until_stopped(self.sleep(delay))

    async def _until_stopped(self, work: Awaitable[T]) -> T:
        """`work`, unless the run stops first: then it is cancelled and Stopped raised."""
        task = asyncio.ensure_future(work)
        if self.stopped:
            task.cancel()
        else:
            stopper = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopper.cancel()
                if not task.done():
                    task.cancel()
        if task.cancelled() or not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await task  # let a cancelled poll unwind before going on
            raise Stopped(self.stop_reason)
        return task.result()


def _lacks(settled: Settled, expect: str | None) -> bool:
    if expect == "client_id":
        return not settled.client_id
    if expect == "cards":
        return not settled.card_ids
    return False
