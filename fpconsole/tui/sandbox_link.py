"""The Sandbox section's calls: each control route through the core's client
(`fpconsole.api.sandbox_control`), run so that the console never waits on them, and what the
lists must do afterwards (the local cache follows a reset, a seed or a loaded backup).

On the embedded sandbox the route runs in-process and some are CPU work (seeding a thousand
clients, loading a backup): those run on a thread with a loop of their own, as the backend's
snapshot does, so keys are answered meanwhile. A served sandbox is awaited on the UI's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from fpconsole.api.sandbox_control import Clock, ControlRecord, Delay, Faults, SandboxControl
from fpconsole.tui.sandbox_inputs import span

if TYPE_CHECKING:
    from fpconsole.tui.backend import ConsoleBackend

T = TypeVar("T")


async def control_call(backend: ConsoleBackend, call: Callable[[SandboxControl], Awaitable[T]]) -> T:
    """Run `call` on a SandboxControl of the console's own client (signed as its partner)."""
    # The client's own request_id maker: tests pin it, and a top-up is journal-like (single use).
    # Every state change goes to the journal (a top-up, faults, the clock …): Requests lists it
    # and a session saved as a scenario replays it; then the Requests list is told.
    journaled: list[ControlRecord] = []

    def record(entry: ControlRecord) -> None:
        backend.journal.record_control(entry)
        journaled.append(entry)

    control = SandboxControl(backend.client, new_request_id=backend.client._new_request_id, on_control=record)
    try:
        if not backend.session.embedded:
            return await call(control)

        def in_thread() -> T:
            async def run() -> T:
                return await call(control)

            return asyncio.run(run())

        return await asyncio.to_thread(in_thread)
    finally:
        if journaled:
            # The lists reload (Requests shows the new entry; a settle or a clock advance may
            # have ended requests and changed cards).
            from fpconsole.tui.messages import CacheChanged

            backend._post(CacheChanged())


async def refill_lists(backend: ConsoleBackend, *, forget: bool) -> int:
    """After a reset, a seed or a loaded backup: the cache as the sandbox now is, and the lists
    told (the prime posts CacheChanged)."""
    from fpconsole.tui.messages import CacheChanged

    if forget:
        await asyncio.to_thread(backend.cache.forget_profile)
    written = await backend.prime_from_sandbox()
    backend._post(CacheChanged())
    return written


@dataclass(frozen=True, slots=True)
class SandboxState:
    """This partner's faults, delay and clock, as the sandbox has them."""

    faults: Faults | None
    delay: Delay | None
    clock: Clock | None

    def clock_line(self) -> str:
        parts = []
        if self.clock is not None:
            ahead = f" ({span(self.clock.offset_s)} ahead of real time)" if self.clock.offset_s else ""
            parts.append(f"Sandbox time {self.clock.now}{ahead}")
        if self.delay is not None:
            parts.append(f"delay {self.delay.seconds:g} s")
        return " · ".join(parts)


async def read_state(control: SandboxControl) -> SandboxState:
    """The three reads, each on its own: a sandbox without one of them still shows the others."""
    from fpconsole.api import errors

    async def attempt(read: Callable[[], Awaitable[T]]) -> T | None:
        try:
            return await read()
        except errors.CardApiError:
            return None

    return SandboxState(
        await attempt(control.get_faults), await attempt(control.get_delay), await attempt(control.get_clock)
    )
