"""The console's backend against the embedded sandbox: what it does on its own behind the UI."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Any

from textual.message import Message

from fpconsole.locations import cache_dir, config_dir, sandbox_dir, state_dir
from fpconsole.store.cache import CachedCard, EntityCache
from fpconsole.tui.backend import ConsoleBackend

CLIENT = {
    "product_id": 2000,
    "client": {
        "phone": 77011234567,
        "type": 1,
        "resident": 1,
        "first_name": "ALIYA",
        "last_name": "SERIKOVA",
    },
}


async def _until(condition: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_an_issued_card_gets_its_status_so_activate_can_be_offered() -> None:
    cache = EntityCache.open(profile="sandbox")
    posted: list[Message] = []
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        created = await backend.submit(backend.client.resolve("client.add"), dict(CLIENT))
        final = await backend.client.wait(created)
        client_id = final.model_dump()["client_id"]
        issued = await backend.submit(
            backend.client.resolve("card.issue"), {"product_id": 2000, "client_id": client_id}
        )
        backend.follow(issued)

        def issued_card() -> CachedCard | None:
            found = cache.search("cards", client_id=client_id)
            card = found[0] if found else None
            return card if isinstance(card, CachedCard) and card.status else None

        await _until(issued_card)
        card = issued_card()
        assert card is not None and card.status == "inactive"
        assert card.card_mask and "*" in card.card_mask
    finally:
        await backend.aclose()
        cache.close()


async def test_priming_from_the_sandbox_fills_the_cache() -> None:
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    try:
        written = await backend.prime_from_sandbox()
        assert written > 0
        assert cache.count("clients") >= 40 and cache.count("cards") > 0
    finally:
        await backend.aclose()
        cache.close()


async def test_the_embedded_sandbox_keeps_its_data_apart_and_private() -> None:
    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    await backend.prime_from_sandbox()
    await backend.aclose()
    cache.close()
    database = sandbox_dir() / "sandbox.sqlite3"
    assert database.exists()
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    for folder in (config_dir(), cache_dir(), state_dir()):
        assert not list(Path(folder).rglob("sandbox*")), folder
