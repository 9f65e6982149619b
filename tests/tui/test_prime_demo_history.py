"""On a first start the embedded sandbox writes its demo clients and cards, the console lists them,
and only then is their history (transactions, blocks, closes) written and primed: the cache ends
with exactly what the sandbox holds. A console closed before the history is written leaves it
pending, and the next start writes it."""

from __future__ import annotations

from typing import Any

import pytest
from textual.message import Message

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.store.cache import EntityCache
from fpconsole.tui.backend import ConsoleBackend
from fpconsole.tui.messages import CacheChanged


def _sandbox_engine(backend: ConsoleBackend) -> SandboxEngine:
    engine: SandboxEngine = backend.session.sandbox.runtime.engine
    return engine


def _in_cache(cache: EntityCache, kind: Any) -> dict[str, str | None]:
    return {e.key: getattr(e, "status", None) for e in cache.search(kind, limit=100_000)}


def _in_sandbox(engine: SandboxEngine, kind: str) -> dict[str, str | None]:
    key = {"clients": "client_id", "cards": "card_id", "transactions": "transaction_id"}[kind]
    snapshot = engine.snapshot(partner=PARTNER, limit=100_000)
    return {str(item[key]): item.get("status") for item in snapshot[kind]}


async def test_the_history_is_written_once_the_clients_and_cards_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posted: list[Message] = []
    seen_when_asked: list[tuple[bool, int, int]] = []
    seed_history = SandboxEngine.seed_history

    def watched(engine: SandboxEngine, partner: str, **kwargs: Any) -> dict[str, int]:
        listed = any(isinstance(m, CacheChanged) for m in posted)
        seen_when_asked.append((listed, cache.count("clients"), cache.count("transactions")))
        return seed_history(engine, partner, **kwargs)

    monkeypatch.setattr(SandboxEngine, "seed_history", watched)
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        assert await backend.prime_from_sandbox() > 0
        # Asked once, after the lists had the clients and no transaction yet.
        assert seen_when_asked == [(True, 40, 0)]
        engine = _sandbox_engine(backend)
        assert not engine.needs_demo_history(PARTNER)
        for kind in ("clients", "cards", "transactions"):
            assert _in_cache(cache, kind) == _in_sandbox(engine, kind), kind  # statuses included
        assert len(_in_cache(cache, "transactions")) > 1000
        assert posted and isinstance(posted[-1], CacheChanged)  # the lists reload with it
        seen_when_asked.clear()
        writes = cache.changes
        assert await backend.prime_from_sandbox() == 0  # nothing left to write, nor to prime
        assert cache.changes == writes
    finally:
        await backend.aclose()
        cache.close()


async def test_a_console_closed_while_the_history_is_written_leaves_it_to_the_next_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_history = SandboxEngine.seed_history
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)

    def closing_meanwhile(engine: SandboxEngine, partner: str, **kwargs: Any) -> dict[str, int]:
        backend.stop_priming()  # the console closes as the history is being written
        return seed_history(engine, partner, **kwargs)

    monkeypatch.setattr(SandboxEngine, "seed_history", closing_meanwhile)
    try:
        await backend.prime_from_sandbox()
        engine = _sandbox_engine(backend)
        assert engine.needs_demo_history(PARTNER) and not _in_sandbox(engine, "transactions")
        assert cache.count("clients") == 40 and cache.count("transactions") == 0
    finally:
        await backend.aclose()
    monkeypatch.setattr(SandboxEngine, "seed_history", seed_history)

    again = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    try:
        await again.prime_from_sandbox()
        engine = _sandbox_engine(again)
        assert not engine.needs_demo_history(PARTNER)
        assert _in_cache(cache, "transactions") == _in_sandbox(engine, "transactions") != {}
    finally:
        await again.aclose()
        cache.close()
