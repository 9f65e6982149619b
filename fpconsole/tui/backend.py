"""The console's link to the core: one session (client + journal + cache) per profile.

It is created in a worker after the first frame (opening the embedded sandbox imports
Starlette and the engine). It never touches widgets: it posts messages, and the app's
handlers own the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

from fpconsole.api import errors, outcome
from fpconsole.api.client import CallResult
from fpconsole.api.events import ClientEvent, RequestFailed, ResponseReceived, StatusChanged
from fpconsole.api.methods import REGISTRY, Method
from fpconsole.api.names import MethodName
from fpconsole.api.redaction import scrub_optional

# Imported with this module, not in ConsoleBackend.start: the app imports this module off the
# event loop and calls start on it (see app.import_backend_modules).
from fpconsole.session import ClientHooks, Session, open_session
from fpconsole.store.drafts import FormDrafts
from fpconsole.store.journal import Journal
from fpconsole.tui import prime
from fpconsole.tui.messages import CacheChanged, ClientEventPosted, RequestUpdated, local_state_notices
from fpconsole.tui.prime import Pacer, PrimeStopped, SandboxPrime

if TYPE_CHECKING:
    from fpconsole.config import ResolvedProfile
    from fpconsole.store.cache import EntityCache

Post = Callable[[Message], object]
NEW_CARD_READS = 50  # a bulk issue of 500 cards reads the first 50; the rest on selection


def _creates_cards(method_name: str | None) -> bool:
    entry = REGISTRY.get(method_name) if method_name else None
    return entry is not None and entry.creates_cards


class FollowersChanged(Message):
    """The backend started or stopped polling a request (the app's "in process" count; its
    handler is `on_followers_changed`, found by name so the app need not import this module)."""

    def __init__(self, request_id: str, *, following: bool) -> None:
        super().__init__()
        self.request_id = request_id
        self.following = following


class PollFailing(Message):
    """A request/status poll of a request being followed could not reach the server (handler
    `on_poll_failing`, found by name): the top bar says so while the request waits."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__()
        self.error = error
        self.message = message


class ConsoleBackend:
    def __init__(
        self,
        session: Session,
        *,
        cache: EntityCache,
        journal: Journal,
        drafts: FormDrafts,
        post: Post,
        owns_drafts: bool = True,
    ) -> None:
        self.session = session
        self.client = session.client
        self.cache = cache
        self.journal = journal
        self.drafts = drafts
        # The app opens the drafts with the console (they do not wait for a connection) and
        # closes them itself; a backend started on its own (tests) owns its drafts.
        self._owns_drafts = owns_drafts
        self.read_only = session.read_only  # the resolved profile's: decided once, at launch
        self.profile_kind = session.kind
        self.profile_name = session.profile_name
        self._post = post
        # What opening the journal and drafts had to repair; the app notifies it on BackendReady.
        self.local_state_notices: list[str] = []
        self._followers: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._prime_stop = threading.Event()
        self._priming = False  # one prime at a time; one asked for meanwhile runs after it
        self._prime_wanted = False
        self._unsubscribe = [
            self.client.subscribe(journal.record),
            self.client.subscribe(cache.ingest),
            self.client.subscribe(self._on_event),
        ]

    # --- setup ---------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        profile_name: str | None = None,
        profile: ResolvedProfile | None = None,
        cache: EntityCache,
        post: Post,
        sandbox_delay: float | None = None,
        sandbox_db: str | None = None,
        hooks: ClientHooks | None = None,
        drafts: FormDrafts | None = None,
    ) -> ConsoleBackend:
        from dataclasses import replace

        session = open_session(
            profile_name=profile_name,
            profile=profile,
            journal=False,
            sandbox_delay=sandbox_delay,
            sandbox_db=sandbox_db,
            # A first start's embedded sandbox writes its clients and cards as it opens, and their
            # history when prime_from_sandbox asks, once they are listed.
            hooks=replace(hooks or ClientHooks(), sandbox_history_later=True),
        )
        with local_state_notices() as notices:
            journal = Journal.open(profile=session.profile_name)
            own = drafts is None
            if drafts is None:
                drafts = FormDrafts.open(profile=session.profile_name)
        backend = cls(
            session,
            cache=cache,
            journal=journal,
            drafts=drafts,
            post=post,
            owns_drafts=own,
        )
        backend.local_state_notices = notices
        return backend

    async def prime_from_sandbox(self) -> int:
        """The Card API has no list-all method; on a sandbox profile the sandbox's control route
        tells us what exists, so the lists are not empty at first start (see tui/prime.py: off
        the event loop, only what changed, and at later starts only what the sandbox wrote).

        On a first start the embedded sandbox has written its demo clients and cards only: once
        they are listed, their history (transactions, blocks, closes) is written, at the prime's
        share of the interpreter, and primed in turn (only what it changed).

        Called again (ctrl+r, F7 after a seed) it reads what the sandbox wrote since. Asked while
        a prime runs, it answers 0 at once and the running prime goes once more when it ends:
        not two primes side by side, and not a seed's new rows missed by a whole read already
        past its first page."""
        if self.profile_kind != "sandbox" and not self.session.embedded:
            return 0
        if self._priming:
            self._prime_wanted = True
            return 0
        self._priming, written = True, 0
        try:
            while True:
                self._prime_wanted = False
                written += await self._prime_pages()
                if await self._write_demo_history():
                    written += await self._prime_pages()
                if not self._prime_wanted or self._prime_stop.is_set():
                    return written
        finally:
            self._priming = False

    async def _prime_pages(self) -> int:
        primer = SandboxPrime(
            self.cache, self._sandbox_snapshot, lambda: self._post(CacheChanged()), self._prime_stop
        )
        return await primer.run()

    async def _write_demo_history(self) -> bool:
        """The embedded sandbox's second seeding step, if its first start left one to do (see
        sandbox/seed.py): one transaction, so a read sees none or all of it. It rests between
        cards as the prime does, and stops (rolled back, done at the next start) when the
        console closes. True when it wrote something."""
        runtime = getattr(self.session.sandbox, "runtime", None)
        if runtime is None or not runtime.settings.seed_history_later or self._prime_stop.is_set():
            return False
        pace = Pacer(prime.PRIME_SHARE)
        stop = self._prime_stop

        def rest() -> None:
            if stop.wait(pace.rest_s()):  # wakes at once when the console closes
                raise PrimeStopped

        def write(engine: Any) -> bool:
            pace.restart()
            partners = runtime.settings.partner_ids
            return any([bool(engine.seed_history(partner, between=rest)) for partner in partners])

        try:
            return bool(await runtime.run(write))
        except PrimeStopped:
            return False
        except Exception:
            if stop.is_set():
                return False  # the sandbox closed under it: the next start writes it
            raise

    async def _sandbox_snapshot(
        self, offset: int, limit: int, whole: int, since: int | None
    ) -> dict[str, Any]:
        if self._prime_stop.is_set():
            raise PrimeStopped
        try:
            return await self._control("/sandbox/snapshot", prime.snapshot_body(offset, limit, since))
        except errors.ApiError as exc:
            if offset or exc.error_code != "validation_error":
                raise
            if since is not None:  # a sandbox without revisions: no mark, the whole snapshot
                return await self._sandbox_snapshot(offset, limit, whole, None)
        # A sandbox older than paging refuses `offset`: its whole snapshot in one answer.
        return {**await self._control("/sandbox/snapshot", {"limit": whole}), "whole": True}

    async def _control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if not self.session.embedded:
            return await self.client.post_control(path, body)
        # The embedded sandbox answers in-process: building, encoding and parsing a snapshot is
        # CPU. Its transport keeps no connection bound to the UI's loop, so the request runs on
        # a loop of its own, on a thread.
        return await asyncio.to_thread(lambda: asyncio.run(self.client.post_control(path, body)))

    def resume_pending(self) -> int:
        """Requests still in `process` when the console last closed are polled again (follow_id
        hands the cache their journaled bodies: a success fills it as it would have then)."""
        pending = self.journal.pending()
        for entry in pending:
            if entry.request_id:
                self.follow_id(entry.request_id, entry.method)
        return len(pending)

    def stop_priming(self) -> None:
        """A prime still running stops before its next chunk (the console is closing)."""
        self._prime_stop.set()

    async def aclose(self) -> None:
        self.stop_priming()
        for task in [*self._followers.values(), *self._background]:
            task.cancel()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await self.session.aclose()
        self.journal.close()
        if self._owns_drafts:
            self.drafts.close()

    async def probe(self) -> None:
        """A cheap signed read that proves the server answers and accepts our signature:
        request/status of a request_id nobody sent. Not journaled (emit=False): it is the
        console's own check, not an operator's request. Raises what the call raises; "no such
        request" is the expected answer."""
        try:
            await self.client.call(MethodName.REQUEST_STATUS, {"request_id": str(uuid.uuid4())}, emit=False)
        except errors.CannotConnect:
            why = await self._why_unreachable()
            if why is None:
                raise
            raise errors.CannotConnect(f"cannot connect to {self.client.base_url}: {why}") from None

    async def _why_unreachable(self) -> str | None:
        """httpx says "All connection attempts failed" for a refused port as for a dead route; a
        plain TCP connect names the reason. Not through a proxy: there the proxy's word counts."""
        from urllib.parse import urlsplit

        if self.client.options.proxy:
            return None
        url = urlsplit(self.client.base_url)
        if not url.hostname:
            return None
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            async with asyncio.timeout(self.client.options.connect_timeout):  # see api/client.py
                _reader, writer = await asyncio.open_connection(url.hostname, port)
        except TimeoutError:
            return f"no answer within {self.client.options.connect_timeout:g} s"
        except OSError as exc:
            return os.strerror(exc.errno) if exc.errno and exc.errno > 0 else str(exc)
        writer.close()
        return None  # it connects now: the first failure stands as it was

    # --- calls ---------------------------------------------------------------------------------

    async def submit(
        self,
        method: Method,
        body: dict[str, Any],
        *,
        on_unknown: Callable[[errors.CardApiError], object] | None = None,
    ) -> CallResult:
        if self.read_only and method.changes_state:
            raise errors.InvalidRequest([], method=method.name)
        return await self.client.call(method, body, on_unknown=on_unknown)

    @property
    def read_timeout(self) -> float:
        """How long the client waits for an answer before its outcome is unknown (a form says
        it while a state change waits)."""
        return self.client.options.read_timeout

    async def read(self, method: Method | str, body: dict[str, Any]) -> CallResult:
        meth = method if isinstance(method, Method) else REGISTRY.resolve(method)
        return await self.client.call(meth, body)

    def follow(self, result: CallResult) -> None:
        if result.in_process and result.request_id:
            self.follow_id(result.request_id, result.method.name)

    def follow_id(self, request_id: str, method: str | None) -> None:
        if request_id in self._followers and not self._followers[request_id].done():
            return
        self._recall_body(request_id)
        task = asyncio.get_running_loop().create_task(self._track(request_id, method))
        self._followers[request_id] = task
        self._post(FollowersChanged(request_id, following=True))

    def _recall_body(self, request_id: str) -> None:
        """A request this run did not send (resumed at start, or polled again from Requests after
        a restart): the cache gets its body from the journal, redacted there as it is in the
        event a request sent now gives it."""
        if self.cache.knows_request(request_id):
            return
        entry = self.journal.get(request_id)
        if entry is not None and entry.request is not None:
            self.cache.recall_request(request_id, entry.method, entry.request)

    async def _track(self, request_id: str, method: str | None) -> None:
        try:
            async for _status in self.client.track(
                request_id, method=method, on_poll_failed=self._poll_failed
            ):
                pass  # each change reaches the UI through the client's StatusChanged events
        except errors.CardApiError as exc:
            if method and errors.is_unknown_request(exc):
                return  # "not received": the tracker's RequestFailed event told everyone (_on_event)
            # The code and the description go apart (the UI shows "code: description"); an
            # ApiError's message already starts with its code, so it is not the description.
            if isinstance(exc, errors.ApiError):
                code, description = exc.error_code, scrub_optional(exc.error_description)
            else:
                code, description = None, exc.message
            self._post(
                RequestUpdated(
                    request_id=request_id,
                    method=method or "",
                    outcome=outcome.polling_ended(outcome_unknown=exc.outcome_unknown),
                    error_code=code or type(exc).__name__,
                    error_description=description,
                )
            )
        finally:
            if self._followers.get(request_id) is asyncio.current_task():
                del self._followers[request_id]
            self._post(FollowersChanged(request_id, following=False))

    def _poll_failed(self, exc: errors.TransportError) -> None:
        self._post(PollFailing(type(exc).__name__, exc.message))

    @property
    def in_process(self) -> int:
        return len(self.following)

    @property
    def following(self) -> frozenset[str]:
        """The request_ids being polled right now."""
        return frozenset(rid for rid, task in self._followers.items() if not task.done())

    def _read_new_cards(self, response: dict[str, Any]) -> None:
        """request/status names new cards but not their status; card.info fills it in, so the
        Cards list can offer Activate for a card just issued."""
        card_ids = [
            str(c["card_id"]) for c in response.get("cards") or [] if isinstance(c, dict) and c.get("card_id")
        ]
        if card_ids:
            task = asyncio.get_running_loop().create_task(self._card_infos(card_ids[:NEW_CARD_READS]))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _card_infos(self, card_ids: list[str]) -> None:
        for card_id in card_ids:
            with contextlib.suppress(errors.CardApiError):
                await self.client.call(MethodName.CARD_INFO, {"card_id": card_id})

    # --- drafts --------------------------------------------------------------------------------

    # Drafts are local state (FormDrafts gives up quietly when its file fails); these stay so
    # the backend still satisfies the forms' Backend protocol.

    def save_draft(self, form_key: str, fields: dict[str, str]) -> None:
        self.drafts.save_draft(form_key, fields)

    def load_draft(self, form_key: str) -> dict[str, str] | None:
        return self.drafts.load_draft(form_key)

    def discard_draft(self, form_key: str) -> None:
        self.drafts.discard_draft(form_key)

    # --- events --------------------------------------------------------------------------------

    def _on_event(self, event: ClientEvent) -> None:
        self._post(ClientEventPosted(event))
        if isinstance(event, ResponseReceived) and event.request_id:
            self._post(
                RequestUpdated(
                    request_id=event.request_id,
                    method=event.method,
                    outcome=outcome.of_event(event),
                    error_code=event.error_code,
                    error_description=event.error_description,
                    response=event.response,
                )
            )
        elif isinstance(event, StatusChanged):
            if event.request_status == "success" and _creates_cards(event.method):
                self._read_new_cards(event.response)
            self._post(
                RequestUpdated(
                    request_id=event.request_id,
                    method=event.method or "",
                    outcome=outcome.of_event(event),
                    error_code=event.error_code,
                    error_description=event.error_description,
                    response=event.response,
                )
            )
            self._post(CacheChanged())
        elif isinstance(event, RequestFailed) and event.request_id:
            self._post(
                RequestUpdated(
                    request_id=event.request_id,
                    method=event.method,
                    outcome=outcome.of_event(event),
                    error_code=event.error,
                    error_description=event.message,
                )
            )
        if isinstance(event, ResponseReceived) and event.request_status == "success":
            self._post(CacheChanged())
