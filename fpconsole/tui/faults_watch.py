"""Keeps the top bar's fault warning current, whoever changes the faults: another shell's
`fpconsole sandbox faults set/clear`, another console, a served sandbox's other operator on the
same partner. Every few seconds the console reads this partner's faults (`faults/get`, signed,
through the console's own client: in-process on the embedded sandbox, one small request on a
served one) and tells the bars only when they changed, so an idle console repaints nothing and
writes nothing to an SSH terminal.

One read at a time: the interval timer awaits each read, and a refresh asked for meanwhile
(a Card API call answered with what looks like an injected fault) waits for it and reads once
more, so a slow sandbox never has reads piling up. A failed read changes nothing and says
nothing: the connection indicator tells the operator about the connection. A sandbox without
the route (an older one) is not asked again. The watch ends with the console.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final
from weakref import WeakKeyDictionary

from fpconsole.api.events import ClientEvent, RequestFailed, ResponseReceived
from fpconsole.api.sandbox_control import ControlRouteMissing, NotASandbox, SandboxControl
from fpconsole.tui.fault_phrases import from_faults
from fpconsole.tui.sandbox_state import faults_in_force, set_faults

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from fpconsole.tui.backend import ConsoleBackend

READ_EVERY_S: Final = 3.0  # "within a few seconds"; one ~200-byte request each on a served sandbox
INJECTED: Final = "injected_error"  # the sandbox's error code for an injected error or 503
log = logging.getLogger(__name__)

_watches: WeakKeyDictionary[App[Any], FaultsWatch] = WeakKeyDictionary()


class FaultsWatch:
    def __init__(self, app: App[Any], backend: ConsoleBackend) -> None:
        self.app = app
        self.backend = backend
        self.control = SandboxControl(backend.client)  # reads only: nothing for the journal
        self.reads = 0  # reads sent (the tests count them)
        self.failed = 0  # reads that got no usable answer
        self._reading = False
        self._again = False
        self._stopped = False
        self._timer: Timer | None = None
        self._kicked: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        return self._timer is not None

    @property
    def reading(self) -> bool:
        return self._reading

    def start(self, every: float | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._timer = self.app.set_interval(every or READ_EVERY_S, self._tick, name="faults-watch")
        self._unsubscribe = self.backend.client.subscribe(self._saw)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._kicked is not None:
            self._kicked.cancel()
            self._kicked = None

    def _connected(self) -> bool:
        # Not connected: the bar already says why, and the reprobe brings the reads back.
        connection = getattr(self.app, "connection", None)
        return connection is None or bool(connection.connected)

    async def _tick(self) -> None:
        if not self._connected():
            return
        try:
            await self.read()
        except Exception:  # never the app's crash handler for a status line
            log.exception("faults watch: tick failed")

    async def read(self) -> None:
        """Read the faults now, or once more right after the read in flight."""
        if self._reading:
            self._again = True
            return
        self._reading = True
        try:
            again = True
            while again and not self._stopped:
                self._again = False
                await self._read_once()
                again = self._again
        finally:
            self._reading = False

    async def _read_once(self) -> None:
        self.reads += 1
        try:
            faults = await self.control.get_faults()
        except (ControlRouteMissing, NotASandbox):
            log.info("faults watch: this sandbox cannot say its faults; not asking again")
            self.stop()
            return
        except Exception as exc:  # the connection indicator's job, not a toast's
            self.failed += 1
            log.debug("faults watch: read failed: %s", type(exc).__name__)
            return
        if not self._stopped:
            set_faults(self.app, from_faults(faults))

    def refresh_soon(self) -> None:
        """A read now (on the app's loop), unless one is in flight: then once more after it."""
        if self._stopped or not self._connected():
            return
        if self._reading:
            self._again = True
            return
        if self._kicked is None or self._kicked.done():
            self._kicked = asyncio.ensure_future(self._quietly(self.read()))

    @staticmethod
    async def _quietly(read: Awaitable[None]) -> None:
        try:
            await read
        except Exception:  # a task of its own: nobody else would see it
            log.exception("faults watch: refresh failed")

    def _saw(self, event: ClientEvent) -> None:
        """The client's subscriber (any thread): a call answered with what an injected fault
        looks like, while the bar shows none, reads the faults at once rather than in 3 s."""
        if faults_in_force(self.app) or not _looks_injected(event) or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the console is gone
            self._loop.call_soon_threadsafe(self.refresh_soon)


def _looks_injected(event: ClientEvent) -> bool:
    if isinstance(event, ResponseReceived):
        return event.error_code == INJECTED
    # A drop, a timeout or a 503 can be a real network problem too: one read tells.
    return isinstance(event, RequestFailed) and not event.cancelled


async def watch_faults(app: App[Any], backend: ConsoleBackend) -> FaultsWatch:
    """Read the faults once now (a served sandbox may have some already: `serve --faults`, or
    left on by anyone), then every few seconds for as long as the console runs."""
    stop_watching(app)
    watch = _watches[app] = FaultsWatch(app, backend)
    await watch.read()
    if not watch._stopped:
        watch.start()
    return watch


def watching(app: App[Any]) -> FaultsWatch | None:
    return _watches.get(app)


def stop_watching(app: App[Any]) -> None:
    watch = _watches.pop(app, None)
    if watch is not None:
        watch.stop()
