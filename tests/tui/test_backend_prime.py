"""Priming from the sandbox stays off the console's event loop and writes only what changed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.message import Message

from fpconsole.api import errors
from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.store.cache import EntityCache
from fpconsole.tui import prime as prime_module
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
        await backend.prime_from_sandbox()
        # The demo's clients are one chunk: it went in, and the cards' chunks never started.
        assert cache.count("clients") > 0 and cache.count("cards") == 0
    finally:
        await backend.aclose()
        cache.close()


async def test_a_snapshot_read_in_pages_lists_as_the_whole_snapshot_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prime_module, "PRIME_PAGE", 7)
    monkeypatch.setattr(prime_module, "PRIME_SHARE", 1.0)  # no rests: 300 pages of 7
    pages: list[dict[str, Any]] = []
    snapshot = SandboxEngine.snapshot

    def paged(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        pages.append(kwargs)
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", paged)
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    try:
        await backend.prime_from_sandbox()
        whole = await backend.client.post_control("/sandbox/snapshot", {})
    finally:
        await backend.aclose()
    try:
        paged_reads = [p for p in pages[:-1] if "offset" in p]  # the last: `whole`
        assert len(paged_reads) > 3 and {p["limit"] for p in paged_reads} == {7}
        for kind, key in (("clients", "client_id"), ("cards", "card_id"), ("transactions", "transaction_id")):
            listed = [e.key for e in cache.search(kind, limit=10_000)]  # type: ignore[arg-type]
            assert listed == [str(item[key]) for item in reversed(whole[kind])], kind
    finally:
        cache.close()


async def test_a_sandbox_that_does_not_page_gives_its_whole_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    control = backend._control
    asked: list[dict[str, Any]] = []

    async def older_sandbox(path: str, body: dict[str, Any]) -> dict[str, Any]:
        asked.append(body)
        if "offset" in body:  # as a sandbox before paging answers an unknown field
            raise errors.ApiError("validation_error", "offset: extra inputs are not permitted")
        answer = await control(path, body)
        return {key: answer[key] for key in ("clients", "cards", "transactions")}  # nor revisions

    monkeypatch.setattr(backend, "_control", older_sandbox)
    try:
        assert await backend.prime_from_sandbox() > 0
        assert cache.count("clients") >= 40
        # A first start primes twice (its clients and cards, then their history): each time one
        # paged request, refused, then the whole snapshot.
        assert asked == [{"limit": prime_module.PRIME_PAGE, "offset": 0}, {"limit": 99_000}] * 2
    finally:
        await backend.aclose()
        cache.close()


async def test_the_lists_hear_of_new_rows_while_a_long_prime_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A filtered list reads only when told: it said "No match" for minutes while a 20,000-client
    prime filled the cache, since only the first chunk and the end told it (QA 20)."""
    monkeypatch.setattr(prime_module, "PRIME_PAGE", 7)
    monkeypatch.setattr(prime_module, "PRIME_SHARE", 1.0)  # no rests: many pages
    monkeypatch.setattr(prime_module, "PRIME_NEWS_EVERY_S", 0.0)  # told after every chunk that wrote
    posted: list[Message] = []
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        await backend.prime_from_sandbox()
    finally:
        await backend.aclose()
        cache.close()
    told = sum(isinstance(m, CacheChanged) for m in posted)
    assert told > 20  # each page's rows, not only the first chunk's and the end's
