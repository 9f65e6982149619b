"""A prime after the first asks the sandbox only for what it wrote since (its `revision`), and
starts again from nothing when the sandbox's `epoch` says rows may have gone (a reset or a backup
loaded by another console). A 100,000-client sandbox once cost a hundred snapshot pages a start."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fpconsole.api.methods import REGISTRY
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.sandbox.engine.core import SandboxEngine
from fpconsole.store.cache import EntityCache
from fpconsole.tui import prime as prime_module
from fpconsole.tui.backend import ConsoleBackend


def sandbox_engine(backend: ConsoleBackend) -> SandboxEngine:
    engine: SandboxEngine = backend.session.sandbox.runtime.engine
    return engine


def statuses(cache: EntityCache) -> dict[str, str | None]:
    return {e.key: getattr(e, "status", None) for e in cache.search("cards", limit=100_000)}


def watch_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    asked: list[dict[str, Any]] = []
    snapshot = SandboxEngine.snapshot

    def watched(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        if "offset" in kwargs:  # through the control route (the engine reads one row at opening)
            asked.append(kwargs)
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", watched)
    return asked


def start(cache: EntityCache) -> ConsoleBackend:
    return ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)


def block_in_sandbox(engine: SandboxEngine, card_id: str) -> None:
    """As another console would: the change reaches this one's cache by the next prime only."""
    block = REGISTRY.resolve("card.block")
    body = {"request_id": str(uuid.uuid4()), "card_id": card_id, "description": "lost"}
    engine.handle(block, block.request.model_validate(body), partner=PARTNER)


async def test_the_next_prime_reads_only_what_the_sandbox_wrote_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = watch_snapshots(monkeypatch)
    cache = EntityCache.open(profile="sandbox")
    backend = start(cache)
    try:
        await backend.prime_from_sandbox()
        engine = sandbox_engine(backend)
        card = next(key for key, status in statuses(cache).items() if status == "active")
        block_in_sandbox(engine, card)
        asked.clear()

        assert await backend.prime_from_sandbox() == 1  # the blocked card, and nothing else
        assert statuses(cache)[card] == "blocked"
        assert len(asked) == 1 and asked[0]["since"] is not None  # one short page
        asked.clear()
        writes = cache.changes
        assert await backend.prime_from_sandbox() == 0
        assert [a["since"] for a in asked] == [engine.snapshot(partner=PARTNER, limit=1)["revision"]]
        assert cache.changes == writes  # not even the mark is written again
    finally:
        await backend.aclose()
        cache.close()


@pytest.mark.parametrize("elsewhere", ["reset", "backup load"])
async def test_rows_gone_from_the_sandbox_leave_the_lists_at_the_next_prime(
    monkeypatch: pytest.MonkeyPatch, elsewhere: str
) -> None:
    asked = watch_snapshots(monkeypatch)
    cache = EntityCache.open(profile="sandbox")
    backend = start(cache)
    try:
        engine = sandbox_engine(backend)
        await backend.prime_from_sandbox()
        if elsewhere == "backup load":
            engine.save_backup(PARTNER, "empty-later")
            engine.reset(PARTNER)  # the other console: saved, emptied, ...
            engine.load_backup(PARTNER, "empty-later")  # ... and loaded back: the same rows again
            before = set(statuses(cache))
        else:
            engine.reset(PARTNER)
            before = set()
        asked.clear()

        await backend.prime_from_sandbox()
        assert set(statuses(cache)) == before
        assert cache.count("clients") == len(engine.snapshot(partner=PARTNER)["clients"])
        assert asked[0]["since"] is not None and all(a.get("since") is None for a in asked[1:])
    finally:
        await backend.aclose()
        cache.close()


async def test_a_prime_cut_short_goes_on_where_it_stopped_at_the_next_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A console closed before a 100,000-client prime ended used to read it all again at every
    start. Now the next start reads what changed since, then the pages not read yet, and the
    lists end as one whole prime leaves them, in the same order."""
    monkeypatch.setattr(prime_module, "PRIME_PAGE", 10)
    monkeypatch.setattr(prime_module, "PRIME_SHARE", 1.0)  # no rests between the many pages
    cache = EntityCache.open(profile="sandbox")
    backend = start(cache)
    snapshot = SandboxEngine.snapshot

    def closing_meanwhile(engine: SandboxEngine, **kwargs: Any) -> dict[str, Any]:
        if kwargs.get("offset"):
            backend.stop_priming()  # the console closes during the second page
        return snapshot(engine, **kwargs)

    monkeypatch.setattr(SandboxEngine, "snapshot", closing_meanwhile)
    try:
        await backend.prime_from_sandbox()
    finally:
        await backend.aclose()
    cut = cache.prime_mark()
    assert cut is not None and cut.resume_at == 10

    monkeypatch.setattr(SandboxEngine, "snapshot", snapshot)
    asked = watch_snapshots(monkeypatch)
    backend = start(cache)
    try:
        await backend.prime_from_sandbox()  # its history is written too: it was left to do
        assert asked[0]["since"] == cut.revision and asked[0]["offset"] == 0
        assert (asked[1]["since"], asked[1]["offset"]) == (None, 10)  # on where it stopped
        whole = sandbox_engine(backend).snapshot(partner=PARTNER)
        for kind, key in (("clients", "client_id"), ("cards", "card_id"), ("transactions", "transaction_id")):
            listed = [e.key for e in cache.search(kind, limit=10_000)]  # type: ignore[arg-type]
            assert listed == [str(item[key]) for item in reversed(whole[kind])], kind
        done = cache.prime_mark()
        assert done is not None and done.resume_at == 0
    finally:
        await backend.aclose()
        cache.close()


async def test_a_bound_raised_since_the_last_prime_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = EntityCache.open(profile="sandbox", max_entities=1000)
    backend = start(cache)
    try:
        await backend.prime_from_sandbox()
    finally:
        await backend.aclose()
        cache.close()
    asked = watch_snapshots(monkeypatch)
    cache = EntityCache.open(profile="sandbox")  # the default bound: 100,000
    backend = start(cache)
    try:
        await backend.prime_from_sandbox()
        assert asked[0].get("since") is None
    finally:
        await backend.aclose()
        cache.close()


async def test_a_prime_asked_for_while_one_runs_runs_once_that_one_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ctrl+r or F7's seed during the start's prime: not a second prime beside it (twice the
    work), and not nothing either (a seed's rows at the front, which a whole read past its first
    page would not see): the running prime goes once more when it ends."""
    cache = EntityCache.open(profile="sandbox")
    backend = start(cache)
    passes: list[int] = []
    asked_meanwhile: list[int] = []
    prime_pages = backend._prime_pages

    async def watched() -> int:
        passes.append(len(passes))
        if len(passes) == 1:  # the first pass: another prime is asked for meanwhile
            asked_meanwhile.append(await backend.prime_from_sandbox())
        return await prime_pages()

    monkeypatch.setattr(backend, "_prime_pages", watched)
    try:
        await backend.prime_from_sandbox()
        assert asked_meanwhile == [0]  # answered at once: the running one takes it on
        # A first start: its pass, the demo history's pass, then the pass asked for meanwhile.
        assert len(passes) == 3
    finally:
        await backend.aclose()
        cache.close()
