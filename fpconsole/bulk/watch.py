"""Whether the server is still there, as a bulk run sees it.

A row polling request/status absorbs failed polls (a lost poll is not a lost request) and would
go on for PollPolicy.total — ten minutes — when the server has died. The watch sees every
exchange of the client, polls included (CardApiClient.watch_transport), and decides for the
whole run instead of each row on its own:

- ok: the server answers (any HTTP answer counts, an error envelope or a 503 too);
- checking: a connection was refused, or several exchanges in a row got no answer. The runner
  starts no new rows; the watch probes the server a few times, a few seconds apart ("server
  unreachable, retrying 2/3"). Any answer, to a probe or to a row's own call, is back to ok;
- down: no answer through all the probes. The runner stops waiting and exits 3; every request
  whose outcome is unknown is stored and asked about by the rerun.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, Literal

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.methods import REQUEST_STATUS
from fpconsole.bulk.pan import safe_text

WatchState = Literal["ok", "checking", "down"]

PROBE_DELAYS: Final = (1.0, 2.0, 3.0)  # before each probe: a restarting server gets ~6 s
FAILURES_TO_CHECK: Final = 3  # timeouts or dropped connections in a row, with no answer between
PROBE_TIMEOUT_S: Final = 5.0  # a server that accepts connections but never answers


async def wait_any(*events: asyncio.Event) -> None:
    """Return as soon as one of the events is set."""
    if any(event.is_set() for event in events):
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class ServerWatch:
    def __init__(
        self,
        client: CardApiClient,
        *,
        probe_delays: Sequence[float] = PROBE_DELAYS,
        failures_to_check: int = FAILURES_TO_CHECK,
        probe_timeout: float = PROBE_TIMEOUT_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._delays = tuple(probe_delays)
        self._failures_to_check = max(failures_to_check, 1)
        self._probe_timeout = probe_timeout
        self._sleep = sleep
        self._on_change = on_change
        self.state: WatchState = "ok"
        self.attempt = 0  # the probe being waited for, 1-based, while checking
        self.reason = ""  # the latest failure, in words
        self.answered = False  # the server answered at least once during the run
        self._streak = 0
        self.ok = asyncio.Event()
        self.ok.set()
        self.down = asyncio.Event()
        self._prober: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = client.watch_transport(self.observe)

    @property
    def probes(self) -> int:
        return len(self._delays)

    def note(self) -> str | None:
        """What the run waits on, for the progress line."""
        if self.state == "checking":
            return f"server unreachable, retrying {max(self.attempt, 1)}/{self.probes}"
        if self.state == "down":
            return "server unreachable, stopping"
        return None

    def observe(self, failure: errors.TransportError | None) -> None:
        """The client's transport watcher: called after every exchange."""
        if failure is None:
            self.answered = True
            self._streak = 0
            if self.state == "checking":
                self._set("ok")
            return
        self._streak += 1
        self.reason = safe_text(failure.message) or type(failure).__name__
        refused = isinstance(failure, errors.CannotConnect)
        if self.state == "ok" and (refused or self._streak >= self._failures_to_check):
            self._set("checking")
            self._prober = asyncio.ensure_future(self._probe_until_settled())

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._prober is not None and not self._prober.done():
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober

    async def _probe_until_settled(self) -> None:
        for attempt, delay in enumerate(self._delays, start=1):
            self.attempt = attempt
            self._changed()
            await self._sleep(delay)
            if self.state != "checking":
                return  # a row's own call got an answer meanwhile
            await self._probe()
            if self.state != "checking":
                return
        if self.state == "checking":
            self._set("down")

    async def _probe(self) -> None:
        """A read of an id nobody used: any answer (`unknown_request_id` expected) reaches
        observe() through the client's watcher; so does a failure."""
        probe = {"request_id": str(uuid.uuid4())}
        with contextlib.suppress(errors.CardApiError, TimeoutError):
            async with asyncio.timeout(self._probe_timeout):  # not wait_for: see api/client.py
                await self._client.call(REQUEST_STATUS, probe, emit=False)

    def _set(self, state: WatchState) -> None:
        self.state = state
        if state == "ok":
            self.attempt = 0
            self.ok.set()
        else:
            self.ok.clear()
        if state == "down":
            self.down.set()
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
