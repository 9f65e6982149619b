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
            # The cache and the drafts open with the console (drafts do not wait for a connection).
            shown = [str(n.message) for n in app._notifications]
            assert sorted(message.split(" ")[1] for message in shown) == ["drafts", "entity"]
            assert all("moved to" in message for message in shown)
            assert app.cache is not None and app.cache.recovered_from is not None
            assert app.drafts is not None and app.drafts.recovered_from is not None

            backend = ConsoleBackend.start(
                profile_name="sandbox",
                cache=app.cache,
                post=lambda m: None,
                sandbox_delay=0,
                drafts=app.drafts,
            )
            assert backend.journal.recovered_from is not None
            app.post_message(BackendReady(backend))
            await pilot.pause()
            notes = [n for n in app._notifications if str(n.message) not in shown]
            assert [str(n.message).split(" ")[1] for n in notes] == ["request"]
            assert all(n.severity == "warning" and n.timeout == 10 for n in app._notifications)
            assert all(n.title == "Local state" for n in app._notifications)
            await backend.aclose()
            assert app.drafts.store is not None and app.drafts.load_draft("x") is None  # still open


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

        real = backend.drafts.store
        assert real is not None
        backend.drafts.store = Locked()  # type: ignore[assignment]
        with caplog.at_level(logging.WARNING, logger="fpconsole.store.drafts"):
            backend.save_draft("card.block", {"card_id": "7001234", "description": "stolen-wallet"})
            assert backend.load_draft("card.block") is None
            backend.discard_draft("card.block")
        backend.drafts.store = real
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


# --- request outcomes: failed polls, cancelled reads, the "in process" count -----------------


def _fast_polls(backend: ConsoleBackend) -> None:
    from fpconsole.api.client import PollPolicy

    backend.client.options.poll = PollPolicy(first_delay=0.01, factor=1.0, max_delay=0.01, total=30.0)


def _seeded_card(cache: EntityCache, status: str) -> str:
    for card in cache.search("cards", limit=1000):
        if isinstance(card, CachedCard) and card.status == status:
            return card.key
    raise AssertionError(f"no {status} card in the sandbox's seed")


async def test_a_failed_status_poll_is_not_the_requests_outcome() -> None:
    # QA: card.activate is applied but its connection drops; request/status answers with an
    # injected error (status: error) for a while. The activation must end as success — not as
    # "injected_error: injected_error: …" — and no later failed poll may overwrite that.
    from fpconsole.api import errors
    from fpconsole.tui.messages import RequestUpdated

    cache = EntityCache.open(profile="sandbox")
    posted: list[Message] = []
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        _fast_polls(backend)
        await backend.prime_from_sandbox()
        card_id = _seeded_card(cache, "inactive")
        client = backend.client
        polls: list[str] = []
        call = client.call

        async def counting_call(method: Any, data: Any, **kwargs: Any) -> Any:
            if client.resolve(method).name == "request.status":
                polls.append(str(dict(data).get("request_id")))
            return await call(method, data, **kwargs)

        client.call = counting_call  # type: ignore[method-assign]
        faults = "card.activate:drop_rate=1;request.status:error_rate=1"
        await client.post_control("/sandbox/faults", {"spec": faults})

        activate = client.resolve("card.activate")
        try:
            await backend.submit(activate, {"card_id": card_id})
        except errors.CardApiError as exc:  # dropped, and the recovery poll was refused
            assert exc.outcome_unknown and exc.request_id
            request_id = exc.request_id
        else:
            raise AssertionError("the activation should have had an unknown outcome")
        entry = backend.journal.get(request_id)
        assert entry is not None and entry.outcome == "unknown"

        backend.follow_id(request_id, "card.activate")  # what the form does on an unknown outcome
        await _until(lambda: len(polls) >= 4)  # the recovery poll and three failed tracker polls
        assert backend.following == {request_id}  # still polling: failed polls are not outcomes
        await client.post_control("/sandbox/faults", {})
        await _until(lambda: not backend.following)

        updates = [m for m in posted if isinstance(m, RequestUpdated) and m.request_id == request_id]
        assert [m.outcome for m in updates] == ["unknown", "success"]
        assert all("injected" not in (m.error_description or "") for m in updates[1:])

        # Later polls (here through the console's own read; the CLI's is the same event) fail
        # again: the journal keeps the success.
        await client.post_control("/sandbox/faults", {"spec": "request.status:error_rate=1"})
        for _ in range(2):
            try:
                await backend.read("request.status", {"request_id": request_id})
            except errors.ApiError as refusal:
                assert refusal.error_code == "injected_error"
        entry = backend.journal.get(request_id)
        assert entry is not None and entry.outcome == "success"
        assert [c.status for c in entry.changes] == ["unknown", "success"]
        await client.post_control("/sandbox/faults", {})
        info = await backend.read("card.info", {"card_id": card_id})
        assert info.raw["card"]["status"] == "active"
    finally:
        await backend.aclose()
        cache.close()


async def test_polling_that_ends_in_an_api_error_says_its_code_once() -> None:
    from fpconsole.api import errors
    from fpconsole.tui.backend import FollowersChanged
    from fpconsole.tui.messages import RequestUpdated

    cache = EntityCache.open(profile="sandbox")
    posted: list[Message] = []
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        _fast_polls(backend)
        backend.follow_id("5b0c1f0e-0000-4000-8000-000000000001", "card.block")  # never sent
        assert backend.in_process == 1
        await _until(lambda: backend.in_process == 0)
        await asyncio.sleep(0)
        [update] = [m for m in posted if isinstance(m, RequestUpdated)]
        # request/status does not know it: not received (the same request_id may go again), never
        # an `error` whose next send would get a fresh request_id (QA finding 6).
        assert update.outcome == "failed"
        assert update.error_code in errors.UNKNOWN_REQUEST_CODES
        assert update.error_description and not update.error_description.startswith(update.error_code)
        changes = [(m.request_id[:8], m.following) for m in posted if isinstance(m, FollowersChanged)]
        assert changes == [("5b0c1f0e", True), ("5b0c1f0e", False)]
    finally:
        await backend.aclose()
        cache.close()


async def test_a_cancelled_read_is_journaled_as_cancelled_and_reraised() -> None:
    from fpconsole.tui.messages import RequestUpdated

    cache = EntityCache.open(profile="sandbox")
    posted: list[Message] = []
    backend = ConsoleBackend.start(profile_name="sandbox", cache=cache, post=posted.append, sandbox_delay=0)
    try:
        await backend.prime_from_sandbox()
        card_id = _seeded_card(cache, "active")
        await backend.client.post_control("/sandbox/faults", {"spec": "card.info:latency=5s"})
        task = asyncio.create_task(backend.read("card.info", {"card_id": card_id}))
        await _until(lambda: backend.journal.count(method="card.info") == 1)
        task.cancel()  # the Cards screen's cursor moved on
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled()
        [entry] = backend.journal.entries(method="card.info")
        assert entry.outcome == "cancelled" and entry.error_code == "Cancelled"
        assert backend.journal.pending() == []
        updates = [m for m in posted if isinstance(m, RequestUpdated)]
        assert [(m.request_id, m.outcome) for m in updates] == [(entry.request_id, "cancelled")]
    finally:
        await backend.aclose()
        cache.close()


async def test_in_process_counts_state_changes_waiting_for_a_final_status_only() -> None:
    from datetime import UTC, datetime

    from fpconsole.api.events import CANCELLED, RequestFailed, RequestSent, ResponseReceived
    from fpconsole.tui.app import ConsoleContext, FpConsoleApp
    from fpconsole.tui.messages import BackendReady, ClientEventPosted

    now = datetime(2025, 5, 1, tzinfo=UTC)

    def sent(method: str, request_id: str, changes_state: bool) -> ClientEventPosted:
        return ClientEventPosted(
            RequestSent(method, "/v5/card-api/x", request_id, {}, {}, changes_state=changes_state, at=now)
        )

    def cancelled(method: str, request_id: str, unknown: bool) -> ClientEventPosted:
        return ClientEventPosted(
            RequestFailed(method, request_id, CANCELLED, "cancelled", outcome_unknown=unknown, at=now)
        )

    app = FpConsoleApp(ConsoleContext(start_backend=False, user_host="qa@jumphost"))
    async with app.run_test() as pilot:
        await pilot.pause()
        for n in range(3):  # reads in flight never count
            app.post_message(sent("card.info", f"read-{n}", changes_state=False))
        await pilot.pause()
        assert app.in_process == 0
        app.post_message(cancelled("card.info", "read-0", unknown=False))
        app.post_message(sent("card.block", "block", changes_state=True))
        app.post_message(sent("card.close", "close", changes_state=True))
        await pilot.pause()
        assert app.in_process == 2  # sent, no answer yet
        answer = ResponseReceived("card.close", "close", "ok", "process", {}, 1.0, now)
        app.post_message(ClientEventPosted(answer))
        app.post_message(cancelled("card.block", "block", unknown=True))  # its form closed
        await pilot.pause()
        assert app.in_process == 1  # close is in process; nobody waits on the cancelled block

        assert app.cache is not None
        backend = ConsoleBackend.start(
            profile_name="sandbox", cache=app.cache, post=app.post_message, sandbox_delay=0
        )
        try:
            app.post_message(BackendReady(backend))
            await pilot.pause()
            await backend.client.post_control("/sandbox/faults", {"spec": "request.status:error_rate=1"})
            backend.follow_id("block", "card.block")  # polled again (Requests, p): counted again
            await pilot.pause()
            assert app.in_process == 2
            backend.follow_id("close", "card.close")  # already counted: not twice
            await pilot.pause()
            assert app.in_process == 2
            for task in list(backend._followers.values()):
                task.cancel()
            await _until(lambda: not backend.following)
            await pilot.pause()
            assert app.in_process == 0  # nothing polls them any more: unknown, poll again later
        finally:
            await backend.aclose()
