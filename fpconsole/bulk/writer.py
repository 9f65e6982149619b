"""Writes a run's row records off the event loop, with group commit.

A request_id must be on disk before its request goes out, and each such commit costs an fsync
(synchronous=FULL). Done one by one on the event loop, that would cap a run at a few hundred
commits a second and stall every row meanwhile. Instead the records go to one worker thread,
and everything queued while a commit runs is committed together in the next one.

Two kinds of write:
- durable (`save(..., durable=True)`): returns once the record is committed; used for a
  request_id about to be sent;
- lazy (`save(record)`): an outcome (client_id, card_id, status…), committed with the next
  durable batch or at `close()`. Losing one in a crash costs nothing but a request/status poll
  on the rerun: the request_id it came from is already on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fpconsole.bulk.state import BatchRecord, FileState, RowRecord

T = TypeVar("T")

LAZY_BACKLOG = 256  # lazy records that trigger a commit of their own


class StateWriter:
    def __init__(self, state: FileState) -> None:
        self._state = state
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fpconsole-bulk-state")
        self._rows: dict[int, RowRecord] = {}  # latest snapshot per line wins
        self._batches: list[BatchRecord] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def call(self, fn: Callable[[], T]) -> T:
        """Run a read (or anything else touching the database) on the writer's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def save(
        self, *records: RowRecord, durable: bool = False, batch: BatchRecord | None = None
    ) -> None:
        for record in records:
            self._rows[record.line] = record
        if batch is not None:
            self._batches.append(batch)
        if durable or batch is not None:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            self._kick()
            await waiter
        elif len(self._rows) >= LAZY_BACKLOG:
            self._kick()

    def save_nowait(self, *records: RowRecord) -> None:
        """A lazy save from synchronous code."""
        for record in records:
            self._rows[record.line] = record
        if len(self._rows) >= LAZY_BACKLOG:
            self._kick()

    async def flush(self) -> None:
        """Commit everything queued so far."""
        if self._rows or self._batches:
            await self.save(durable=True)
        elif self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def close(self) -> None:
        try:
            await self.flush()
        finally:
            self._executor.shutdown(wait=True)

    def _kick(self) -> None:
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._rows or self._batches or self._waiters:
            rows, self._rows = list(self._rows.values()), {}
            batches, self._batches = self._batches, []
            waiters, self._waiters = self._waiters, []
            try:
                await loop.run_in_executor(self._executor, self._commit, rows, batches)
            except BaseException as exc:  # the waiting rows learn of it; none is sent unsaved
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _commit(self, rows: list[RowRecord], batches: list[BatchRecord]) -> None:
        if batches:
            for batch in batches[:-1]:
                self._state.save_batch(batch, [])
            self._state.save_batch(batches[-1], rows)
        elif rows:
            self._state.save(*rows)
