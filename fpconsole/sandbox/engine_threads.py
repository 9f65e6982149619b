"""Engine calls off the event loop: a few threads, each with an engine (a SQLite connection) of
its own, so one call waiting for SQLite's write lock, or a slow one (a seed of 1000 clients, a
big snapshot), holds one thread while the loop goes on answering health checks and the other
partners' calls.

Why threads with their own engines rather than one engine behind a lock: a write that waits for
another process's write lock (`--workers N`, or any other program on the file) holds its engine's
lock for up to the busy timeout; a second connection in WAL mode still reads meanwhile. Each
engine's calls stay one SQLite transaction each, so atomicity is the engine's as before.

An in-memory database is private to its connection, so it gets one thread with the one engine;
so does an engine the caller supplies (tests with a fake clock). Threads and their engines are
started on demand, when every started thread is busy, up to `size`. The engines are the
caller's to close, after `close()` has stopped the threads.

The first engine opens alone: it may prepare the database as it opens (the sandbox seeds a new
file's demo data there), and a second thread started meanwhile answered the console's first
snapshot from the empty file. Calls made while it opens wait for it, in the order they came.

A job is handed over through a SimpleQueue and its result comes back with
`call_soon_threadsafe`: about 18 µs a round trip, against 35 µs for `run_in_executor` and 76 µs
for `anyio.to_thread` (measured on the 2-core test machine, uvloop).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Final, Generic, TypeVar

T = TypeVar("T")
E = TypeVar("E")

# Enough that a held write lock or a slow call leaves others to answer; few enough that a busy
# 2-core host does not thrash, and that every thread's connection is cheap to keep.
DEFAULT_THREADS: Final = 4
_JOIN_S: Final = 30.0
CLOSED: Final = "the sandbox is closed"


class SandboxClosed(RuntimeError):
    """A call that came after close(): the sandbox is stopping, nothing is wrong with the call."""


_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[object]", Callable[[object], object]]


def _deliver(future: asyncio.Future[object], result: object, error: BaseException | None) -> None:
    # The awaiting task may have been cancelled (its client left, the server is stopping).
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class EngineThreads(Generic[E]):
    """Runs `fn(engine)` in a thread that owns an engine; see the module docstring.

    open_engine(n) gives the n-th thread's engine (n = 0, 1, ...), called in that thread."""

    def __init__(self, open_engine: Callable[[int], E], size: int) -> None:
        if size < 1:
            raise ValueError("EngineThreads needs at least one thread")
        self._open_engine = open_engine
        self._size = size
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._engines: list[E] = []
        self._opened: list[threading.Event] = []  # set once thread n has opened its engine
        self._busy = 0  # jobs handed over and not yet delivered (touched in the loop's thread only)
        self._start_lock = threading.Lock()
        self._local = threading.local()
        self._closed = False
        self._failed: BaseException | None = None

    @property
    def size(self) -> int:
        return self._size

    @property
    def started(self) -> int:
        """How many threads have been started so far."""
        with self._start_lock:
            return len(self._threads)

    @property
    def engines(self) -> list[E]:
        """The engines the threads have opened so far."""
        with self._start_lock:
            return list(self._engines)

    def current(self) -> E | None:
        """The engine of the calling thread, when it is one of ours."""
        engine: E | None = getattr(self._local, "engine", None)
        return engine

    async def run(self, fn: Callable[[E], T]) -> T:
        """fn(engine) in an engine thread; its result or its exception."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[object] = loop.create_future()
        # Under the lock that close() takes: calls come from other threads' loops too (the
        # console's prime), and a job queued behind close()'s stop signals would never be taken.
        with self._start_lock:
            if self._closed:
                raise SandboxClosed(CLOSED)
            if self._busy >= len(self._threads) and len(self._threads) < self._size and self._first_opened():
                self._start_thread()
            self._busy += 1
            self._jobs.put((loop, future, fn))  # type: ignore[arg-type]
        try:
            return await future  # type: ignore[return-value]
        finally:
            with self._start_lock:
                self._busy -= 1

    async def start_all(self) -> None:
        """Starts every thread now and waits until each has opened its engine (a server does it
        at startup: opening an engine takes the write lock for a moment, which later, with the
        file busy, would hold up the first call a new thread takes)."""
        for first_only in (True, False):
            with self._start_lock:
                if self._closed:
                    raise SandboxClosed(CLOSED)
                while len(self._threads) < (1 if first_only else self._size):
                    self._start_thread()
            await self._all_opened()

    async def _all_opened(self) -> None:
        for opened in list(self._opened):
            if not opened.is_set():
                await asyncio.to_thread(opened.wait)

    def _first_opened(self) -> bool:
        """Called with _start_lock held: no thread yet, or the first one's engine is open."""
        return not self._opened or self._opened[0].is_set()

    def _start_thread(self) -> None:
        """Called with _start_lock held."""
        number = len(self._threads)
        self._opened.append(threading.Event())
        thread = threading.Thread(
            target=self._serve, args=(number,), name=f"sandbox-engine-{number}", daemon=True
        )
        thread.start()
        self._threads.append(thread)  # only a started thread: close() joins each one

    def _serve(self, number: int) -> None:
        engine: E | None = None
        failure: BaseException | None = None
        try:
            engine = self._open_engine(number)
            self._local.engine = engine
            with self._start_lock:
                self._engines.append(engine)
        except BaseException as exc:  # every job this thread takes reports it
            failure = exc
        finally:
            self._opened[number].set()
        while True:
            job = self._jobs.get()
            if job is None:
                return
            loop, future, fn = job
            result: object = None
            error: BaseException | None = failure
            if engine is not None:
                try:
                    result = fn(engine)
                except BaseException as exc:  # delivered to the awaiting task, which decides
                    error = exc
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_deliver, future, result, error)

    def close(self) -> None:
        """Stops the threads once the jobs already handed over are done, closing the engines
        they opened (each in its own thread)."""
        with self._start_lock:
            if self._closed:
                return
            self._closed = True
            threads = list(self._threads)
            for _ in threads:
                self._jobs.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(_JOIN_S)
