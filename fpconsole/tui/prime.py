"""Filling the cache from the sandbox's snapshot route: the Card API has no list-all method, so
on a sandbox profile the sandbox tells the console what exists.

None of it holds the event loop for long. The snapshot comes in pages of PRIME_PAGE of each kind,
newest first (the embedded sandbox builds each on a thread), and the cache writes only what
changed, in chunks between which the lists read (a 100,000-client sandbox once held the first
key for 4 s), at PRIME_SHARE of the interpreter.

Where a prime got to is kept in the cache (a PrimeMark: the sandbox's epoch and revision, how
many of each kind it asks for, and the page a whole read had reached). The next prime asks only
for what the sandbox wrote since that revision, then reads on from that page if the last whole
read was cut short (a console closed before a 100,000-client prime ended read it all again at
every start). A new epoch means rows may have gone (a reset, a backup loaded, from any console
or the CLI): the profile's rows are dropped and the prime reads everything again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpconsole.store.cache import EntityCache, PrimeMark, PrimeState
    from fpconsole.store.cache_schema import EntityKind

# The prime's share of the interpreter while it runs. Its threads hold the GIL while they
# work, and a key's handling waits for the GIL: at a third, a key costs about 1.5x, not 2-3x.
PRIME_SHARE = 1 / 3
PRIME_YIELD_S = 0.002  # the least pause between two pieces of the prime
PRIME_REST_MAX_S = 0.1  # and the longest (a piece that waited on I/O did not hold the GIL)
# Entities of each kind per snapshot request. Each page is built, encoded, sent, decoded and
# written across several threads, and the memory a page took stays with the threads' malloc
# arenas for the session: at 1,000, a prime of 100,000 clients held ~2.5 MiB more for good
# than at 500 (issue 13's 70 MiB goal), for ~3 s less over its ~35 s.
PRIME_PAGE = 500
# The newest this many of each kind, within 99 % of the cache's bound: the cache then never
# evicts part of what it was just given (and has it missing at the next start).
PRIME_LIMIT = 100_000
# While a prime writes, the lists are told at most this often: a filtered list (which reads only
# when told) showed "No match" for minutes while a 20,000-client prime filled the cache (QA 20).
PRIME_NEWS_EVERY_S = 1.0
SNAPSHOT_KINDS: tuple[EntityKind, ...] = ("clients", "cards", "transactions")

# (offset, limit, whole, since) -> one page of the snapshot; `whole` is what to ask a sandbox
# too old to page for, in one answer marked "whole".
FetchPage = Callable[[int, int, int, "int | None"], Awaitable[dict[str, Any]]]


def snapshot_body(offset: int, limit: int, since: int | None) -> dict[str, int]:
    """The body of a request for one page of the sandbox's snapshot (POST /sandbox/snapshot)."""
    body = {"limit": limit, "offset": offset}
    return body if since is None else {**body, "since": since}


def prime_bound(max_entities: int) -> int:
    """How many of each kind a prime asks for, given the cache's bound."""
    return min(PRIME_LIMIT, max_entities * 99 // 100)


class Pacer:
    """After each piece of background work, how long to rest so that the work keeps to `share`
    of the time (the rest goes to the UI thread, which would otherwise queue for the GIL)."""

    def __init__(self, share: float) -> None:
        self.share = min(1.0, max(0.01, share))
        self.mark = time.perf_counter()

    def rest_s(self) -> float:
        now = time.perf_counter()
        pause = max(PRIME_YIELD_S, (now - self.mark) * (1 - self.share) / self.share)
        pause = min(pause, PRIME_REST_MAX_S)
        self.mark = now + pause
        return pause

    def restart(self) -> None:
        self.mark = time.perf_counter()


class PrimeStopped(Exception):
    """The console is closing: the prime stops between two chunks."""


def mark_of(page: Mapping[str, Any], bound: int) -> PrimeMark | None:
    """Where the sandbox stood at a snapshot's first page, if it says (an older one does not)."""
    from fpconsole.store.cache import PrimeMark

    revision, epoch = page.get("revision"), page.get("epoch")
    if isinstance(revision, int) and not isinstance(revision, bool) and isinstance(epoch, str) and epoch:
        return PrimeMark(epoch, revision, bound)
    return None


class SandboxPrime:
    """One prime (see the module docstring). `fetch` reads a page; `changed` tells the lists to
    reload; `stop` set by the closing console ends it between two chunks."""

    def __init__(
        self, cache: EntityCache, fetch: FetchPage, changed: Callable[[], object], stop: threading.Event
    ) -> None:
        self.cache = cache
        self._fetch = fetch
        self._changed = changed
        self._stop = stop
        self.limit = prime_bound(cache.max_entities)
        self.written = 0
        self._pace = Pacer(PRIME_SHARE)
        self._fetched = False
        self._told_at: float | None = None  # when the lists were last told of new rows
        self._told_written = 0

    async def run(self) -> int:
        """How many entities it wrote."""
        mark = await asyncio.to_thread(self.cache.prime_mark)
        if mark is not None and mark.bound < self.limit:
            mark = None  # a bound raised since: the rows the last prime left out are wanted now
        try:
            reached = await self._read_all(mark)
        except PrimeStopped:
            return self.written
        except Exception:
            if self._stop.is_set():
                return self.written  # the console closed the cache under the prime: nothing to say
            raise
        if reached is not None and reached != mark:
            await asyncio.to_thread(self.cache.set_prime_mark, reached)
        if self.written:
            self._changed()
        return self.written

    async def _read_all(self, mark: PrimeMark | None) -> PrimeMark | None:
        """Read what the mark says is left to read; answers the mark for the next prime."""
        from fpconsole.store.cache import PrimeState

        if mark is not None:
            first = await self._page(0, mark.revision)
            reached = mark_of(first, self.limit)
            if reached is not None and reached.epoch == mark.epoch:
                await self._read(first, since=mark.revision, start=0, state=PrimeState(), progress=None)
                if mark.resume_at:
                    # Everything read before is up to date now: the whole read goes on where it
                    # stopped, and a second cut leaves a mark as true as this one.
                    state = await asyncio.to_thread(self._state_below_cached, mark.resume_at)
                    await self._read(None, since=None, start=mark.resume_at, state=state, progress=reached)
                return reached
            await asyncio.to_thread(self.cache.forget_profile)  # rows may have gone: start afresh
            self._changed()
        first = await self._page(0, None)
        reached = mark_of(first, self.limit)
        await self._read(first, since=None, start=0, state=PrimeState(), progress=reached)
        return reached

    async def _read(
        self,
        first: dict[str, Any] | None,
        *,
        since: int | None,
        start: int,
        state: PrimeState,
        progress: PrimeMark | None,
    ) -> None:
        """Pages from `start` to the end (`first` is the page at `start`, if already read). In a
        whole read, `progress` is kept after each page with the page to go on from."""
        offset, page = start, first
        while offset < self.limit:
            if page is None:
                page = await self._page(offset, since)
            self.written += await asyncio.to_thread(
                self.cache.prime_changes,
                clients=page.get("clients", []),
                cards=page.get("cards", []),
                transactions=page.get("transactions", []),
                between=self._between_chunks,
                state=state,
            )
            if page.get("whole") or max(len(page.get(kind) or []) for kind in SNAPSHOT_KINDS) < PRIME_PAGE:
                return
            offset, page = offset + PRIME_PAGE, None
            if progress is not None and offset < self.limit:
                await asyncio.to_thread(self.cache.set_prime_mark, replace(progress, resume_at=offset))

    async def _page(self, offset: int, since: int | None) -> dict[str, Any]:
        if self._stop.is_set():
            raise PrimeStopped
        page = await self._fetch(offset, min(PRIME_PAGE, self.limit - offset), self.limit, since)
        if self._fetched:
            await asyncio.sleep(self._pace.rest_s())
        else:
            self._fetched = True
            self._pace.restart()  # the first page shows at once (it may have opened the sandbox)
        return page

    def _between_chunks(self, page_written: int) -> None:
        if self._stop.is_set():
            raise PrimeStopped
        written, now = self.written + page_written, time.monotonic()
        # An empty list fills from the first chunk (the newest), not the last; then the lists
        # hear of new rows every PRIME_NEWS_EVERY_S while they come.
        due = self._told_at is None or now - self._told_at >= PRIME_NEWS_EVERY_S
        if written > self._told_written and due:
            self._told_at, self._told_written = now, written
            self._changed()
        time.sleep(self._pace.rest_s())  # the UI thread has the interpreter to itself meanwhile

    def _state_below_cached(self, resume_at: int) -> PrimeState:
        """For a whole read going on at `resume_at`: what it reads is older than all it read
        before, so a row it adds goes below the oldest cached, not to the top."""
        from fpconsole.store.cache import PrimeState

        state = PrimeState()
        for kind in SNAPSHOT_KINDS:
            oldest = self.cache.oldest_seen(kind)
            state.done[kind] = resume_at
            if oldest is not None:
                state.ceiling[kind] = oldest
        return state
