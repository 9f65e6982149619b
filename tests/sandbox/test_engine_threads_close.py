"""Closing the engine threads while calls arrive from other threads' loops.

The console's embedded sandbox is called from the UI's loop and from a prime running on a loop of
its own in a worker thread. Closing the sandbox while that prime's call was on its way started a
thread close() then tried to join ("cannot join thread before it is started"), or queued a job
behind the stop signals that no thread would ever take: the prime's loop waited 30 s and held up
the console's exit."""

from __future__ import annotations

import asyncio
import threading

import pytest

from fpconsole.sandbox.engine_threads import EngineThreads, SandboxClosed


def test_a_call_after_close_is_refused_not_left_waiting() -> None:
    threads: EngineThreads[str] = EngineThreads(lambda number: f"engine-{number}", 2)
    assert asyncio.run(threads.run(lambda engine: engine)) == "engine-0"
    threads.close()
    with pytest.raises(SandboxClosed):
        asyncio.run(threads.run(lambda engine: engine))


def test_close_while_other_threads_keep_calling_never_fails_nor_strands_a_call() -> None:
    for _ in range(30):
        threads: EngineThreads[str] = EngineThreads(lambda number: f"engine-{number}", 4)
        outcomes: list[str] = []
        go = threading.Barrier(5)

        def caller(
            threads: EngineThreads[str] = threads, outcomes: list[str] = outcomes, go: threading.Barrier = go
        ) -> None:
            async def calls() -> None:
                go.wait()
                for _ in range(20):
                    try:
                        await threads.run(lambda engine: engine)
                    except RuntimeError as error:
                        outcomes.append(str(error))
                        return
                outcomes.append("done")

            asyncio.run(calls())

        callers = [threading.Thread(target=caller) for _ in range(4)]
        for thread in callers:
            thread.start()
        go.wait()
        threads.close()  # raises nothing, whatever the callers were doing
        for thread in callers:
            thread.join(timeout=60)  # a guard against a hang, not a speed check
        assert not any(thread.is_alive() for thread in callers), "a call was left waiting after close"
        assert all(outcome in ("done", "the sandbox is closed") for outcome in outcomes), outcomes
