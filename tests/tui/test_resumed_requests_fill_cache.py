"""A request still in `process` when the console closed, settled after the next start (QA finding
7): its success fills the cache as it would have in the console that sent it. That console knew
the request's body (a new client's name, the client a card was issued to, the card a block was
about); the next one reads it from the journal, where it is kept with its secrets masked.

A restart is two app runs on one FPCONSOLE_HOME (journal and cache) and one sandbox engine; the
sandbox's 30 s delay runs on the fake clock, so the requests settle only when the test says.
"""

from __future__ import annotations

from typing import Any

import pytest
from snapshot_apps import FakeClock, SnapshotApp, make_app, wait_ready, wait_until

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.store.cache import CachedCard, CachedClient

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (120, 40)
DELAY = 30.0  # the sandbox's settle time, in fake-clock seconds
WAIT = 30.0  # only a hung test waits this long
DOCUMENT = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K"  # a PDF's first bytes
NEW_CLIENT = {
    "product_id": 2000,
    "client": {
        "phone": 77011234567,
        "type": 1,
        "resident": 1,
        "first_name": "DANA",
        "last_name": "KIM",
        "document": DOCUMENT,
    },
}


def snapshot(app: SnapshotApp, kind: str) -> list[dict[str, Any]]:
    return list(app.engine.snapshot(partner=PARTNER)[kind])


async def send(app: SnapshotApp, method: str, body: dict[str, Any]) -> str:
    """What a form does on ctrl+s: submit, and follow an answer of `process`."""
    backend = app.backend
    assert backend is not None
    result = await backend.submit(backend.client.resolve(method), body)
    assert result.in_process and result.request_id
    backend.follow(result)
    return result.request_id


async def test_creates_and_changes_settled_after_a_restart_fill_the_cache_as_before() -> None:
    clock = FakeClock()
    first = make_app(delay=DELAY, clock=clock)
    async with first.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        owner = next(c for c in snapshot(first, "clients") if c.get("product_id"))
        active = next(c for c in snapshot(first, "cards") if c["status"] == "active")
        await send(first, "client.add", NEW_CLIENT)
        await send(first, "card.issue", {"product_id": owner["product_id"], "client_id": owner["client_id"]})
        await send(first, "card.block", {"card_id": active["card_id"], "description": "lost on the bus"})
        assert first.backend is not None
        await wait_until(pilot, lambda: first.backend is not None and first.backend.in_process == 3)
    # ctrl+q, y: the console closes with the three requests in process.

    second = make_app(delay=DELAY, clock=clock, sandbox_engine=first.engine)
    async with second.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        backend = second.backend
        assert backend is not None
        await wait_until(pilot, lambda: backend.in_process == 3, timeout=WAIT)
        clock.advance(DELAY + 1)
        await wait_until(pilot, lambda: backend.in_process == 0, timeout=WAIT)
        cache = second.cache
        assert cache is not None

        made = next(
            c for c in snapshot(first, "clients") if (c["first_name"], c["last_name"]) == ("DANA", "KIM")
        )
        client = cache.get("clients", str(made["client_id"]))
        assert isinstance(client, CachedClient)
        assert (client.first_name, client.last_name, client.product_id) == ("DANA", "KIM", 2000)

        issued = next(c for c in snapshot(first, "cards") if c["client_id"] == owner["client_id"])
        await wait_until(pilot, lambda: _card(cache, issued["card_id"]).card_mask, timeout=WAIT)
        card = _card(cache, issued["card_id"])
        assert (card.client_id, card.product_id) == (owner["client_id"], owner["product_id"])
        assert card.card_mask and "*" in card.card_mask

        assert _card(cache, active["card_id"]).status == "blocked"

        # The document went to the journal as its size, and so never reached the cache.
        cache.conn.commit()
        assert DOCUMENT not in cache.path.read_bytes().decode("latin-1")


def _card(cache: Any, card_id: object) -> CachedCard:
    found = cache.get("cards", str(card_id))
    assert isinstance(found, CachedCard), card_id
    return found
