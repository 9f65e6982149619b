"""Priming from the sandbox stays off the console's event loop and writes only what changed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.message import Message

from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.store.cache import EntityCache
from fpconsole.tui.backend import ConsoleBackend
from fpconsole.tui.messages import CacheChanged


async def test_the_snapshot_is_built_off_the_loop_and_an_unchanged_sandbox_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built_on: list[int] = []
    snapshot = SandboxEngine.snapshot

    def watched(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        built_on.append(threading.get_ident())
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", watched)
    posted: list[Message] = []
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        first = await backend.prime_from_sandbox()
        assert first > 0 and cache.count("clients") >= 40
        assert any(isinstance(m, CacheChanged) for m in posted)
        assert built_on and threading.get_ident() not in built_on  # not on the UI's loop thread
        posted.clear()
        writes = cache.changes
        assert await backend.prime_from_sandbox() == 0  # the same sandbox again: nothing to write
        assert cache.changes == writes
        assert not any(isinstance(m, CacheChanged) for m in posted)  # and no list reloads
    finally:
        await backend.aclose()
        cache.close()


async def test_a_closing_console_stops_the_prime_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    snapshot = SandboxEngine.snapshot

    def closing_meanwhile(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        backend.stop_priming()  # the console closes while the sandbox builds its snapshot
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", closing_meanwhile)
    try:
        assert await backend.prime_from_sandbox() == 0
        # The demo's clients are one chunk: it went in, and the cards' chunks never started.
        assert cache.count("clients") > 0 and cache.count("cards") == 0
    finally:
        await backend.aclose()
        cache.close()
