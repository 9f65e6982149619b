"""The console's backend against the embedded sandbox: what it does on its own behind the UI."""

from __future__ import annotations

import asyncio
import contextlib
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


# --- damaged local state is said in the console; a broken drafts file never breaks a form ----


def _damage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)


async def test_a_damaged_journal_and_drafts_file_are_notified_in_the_console() -> None:
    import warnings

    from fpconsole.locations import cache_db, drafts_db, journal_db
    from fpconsole.store.db import LocalStateWarning
    from fpconsole.tui.app import ConsoleContext, FpConsoleApp
    from fpconsole.tui.messages import BackendReady

    for path in (cache_db(), journal_db(), drafts_db()):
        _damage(path)
    with warnings.catch_warnings():
        # Nothing may reach the terminal under the console: each one becomes a notification.
        warnings.simplefilter("error", LocalStateWarning)
        app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
        async with app.run_test() as pilot:
            await pilot.pause()
            shown = [str(n.message) for n in app._notifications]
            assert len(shown) == 1 and shown[0].startswith("The entity cache ") and "moved to" in shown[0]
            assert app.cache is not None and app.cache.recovered_from is not None

            backend = ConsoleBackend.start(
                profile_name="sandbox", cache=app.cache, post=lambda m: None, sandbox_delay=0
            )
            assert backend.journal.recovered_from is not None and backend.drafts.recovered_from is not None
            app.post_message(BackendReady(backend))
            await pilot.pause()
            notes = [n for n in app._notifications if str(n.message) not in shown]
            assert sorted(str(n.message).split(" ")[1] for n in notes) == ["drafts", "request"]
            assert all(n.severity == "warning" and n.timeout == 10 for n in notes)
            assert all(n.title == "Local state" for n in notes)


async def test_a_failing_drafts_file_never_breaks_the_form(caplog: Any) -> None:
    import logging
    import sqlite3

    cache = EntityCache.open(profile="sandbox")
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=lambda m: None, sandbox_delay=0)
    try:
        backend.save_draft("card.block", {"card_id": "7001234", "description": "stolen-wallet"})
        assert backend.load_draft("card.block") == {"card_id": "7001234", "description": "stolen-wallet"}

        class Locked:
            """A drafts file another process keeps locked beyond the busy timeout."""

            def save(self, *args: object) -> None:
                raise sqlite3.OperationalError("database is locked")

            load = discard = save

        real = backend.drafts
        backend.drafts = Locked()  # type: ignore[assignment]
        with caplog.at_level(logging.WARNING, logger="fpconsole.tui.backend"):
            backend.save_draft("card.block", {"card_id": "7001234", "description": "stolen-wallet"})
            assert backend.load_draft("card.block") is None
            backend.discard_draft("card.block")
        backend.drafts = real
        logged = [record.getMessage() for record in caplog.records]
        assert len(logged) == 3 and all(
            "card.block" in line and "database is locked" in line for line in logged
        )
        assert not any("7001234" in line or "stolen-wallet" in line for line in logged)

        # A damaged (here: closed) connection is an sqlite3.Error of another kind; same treatment.
        real.conn.close()
        backend.save_draft("card.block", {"card_id": "7001234"})
        assert backend.load_draft("card.block") is None
    finally:
        with contextlib.suppress(sqlite3.Error):
            await backend.aclose()
        cache.close()
