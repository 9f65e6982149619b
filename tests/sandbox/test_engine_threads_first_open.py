"""The first engine opens before any other thread takes a call.

Engine 0 seeds the demo data of a new sandbox as it opens; the other threads' engines only open
the file. Started on demand while engine 0 was still seeding, a second thread answered the
console's first snapshot from an empty database: a first start that had keys typed at once (a
`:card` lookup beside the prime) showed "No cards seen yet" for good (tests/test_tmux_startup.py
failed 2 runs in 3 under .ci/run)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from fpconsole.sandbox.app import SandboxRuntime
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.sandbox.engine_threads import EngineThreads
from fpconsole.sandbox.settings import SandboxSettings

GUARD_S = 60.0  # against a hang only


def test_no_second_thread_starts_while_the_first_engine_opens() -> None:
    release = threading.Event()
    opened: list[int] = []

    def open_engine(number: int) -> str:
        if number == 0:
            assert release.wait(GUARD_S)
        opened.append(number)
        return f"engine-{number}"

    threads: EngineThreads[str] = EngineThreads(open_engine, 4)

    async def scenario() -> list[str]:
        calls = [asyncio.create_task(threads.run(lambda engine: engine)) for _ in range(3)]
        await asyncio.sleep(0)  # each task runs up to its await: every call is handed over
        assert threads.started == 1, "a thread started beside the first engine while it opened"
        release.set()
        return list(await asyncio.gather(*calls))

    try:
        answers = asyncio.run(scenario())
    finally:
        release.set()
        threads.close()
    assert opened[0] == 0
    assert answers == ["engine-0"] * 3  # queued before another thread could start


def test_start_all_opens_the_first_engine_before_the_others() -> None:
    order: list[str] = []
    lock = threading.Lock()
    another_opened = threading.Event()

    def open_engine(number: int) -> int:
        with lock:
            order.append(f"open {number}")
        if number:
            another_opened.set()
        else:
            # Seeding takes a while: long enough, with the fault, for another engine to open.
            another_opened.wait(1.0)
            with lock:
                order.append("seeded")
        return number

    threads: EngineThreads[int] = EngineThreads(open_engine, 4)
    try:
        asyncio.run(threads.start_all())
    finally:
        threads.close()
    assert order[:2] == ["open 0", "seeded"]
    assert sorted(order[2:]) == ["open 1", "open 2", "open 3"]


def test_calls_at_first_use_all_see_the_seeded_sandbox(tmp_path: Path) -> None:
    settings = SandboxSettings.default(db=str(tmp_path / "sandbox.sqlite3"), delay=0, seed=5)
    runtime = SandboxRuntime(settings)

    def clients(engine: SandboxEngine) -> int:
        return len(engine.snapshot(partner=settings.partner_ids[0])["clients"])

    async def first_calls() -> list[int]:
        return list(await asyncio.gather(*(runtime.run(clients) for _ in range(4))))

    try:
        counts = asyncio.run(first_calls())
    finally:
        runtime.close()
    assert all(count >= 5 for count in counts), counts
