"""The fpconsole Textual app: sections as modes (each keeps its own screen stack), the backend
started after the first frame, and the bindings that work everywhere."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal

from fpconsole.api.events import RequestFailed, RequestSent, ResponseReceived, StatusChanged
from fpconsole.api.names import MethodName
from fpconsole.config import BUILTIN_SANDBOX, ResolvedProfile, resolved
from fpconsole.exit_codes import exit_for_signal
from fpconsole.tui.connection import CONNECTED, CONNECTING, REPROBE_DELAY, Connection, setup_failed
from fpconsole.tui.debug_log import DebugLog
from fpconsole.tui.gc_pacing import CHECK_EVERY_S, CollectionPacer
from fpconsole.tui.glyphs import console_filters, marked
from fpconsole.tui.messages import (
    AppNews,
    BackendFailed,
    BackendReady,
    CacheChanged,
    ClientEventPosted,
    RequestUpdated,
    local_state_notices,
    news_signal,
)
from fpconsole.tui.partial_paint import before_display, forget_shown
from fpconsole.tui.spare_form import SpareForms
from fpconsole.tui.themes import DEFAULT_THEME, load_themes, unusable_theme_problems
from fpconsole.tui.type_ahead import TypeAhead

if TYPE_CHECKING:
    from fpconsole.api.methods import Method
    from fpconsole.store.cache import EntityCache
    from fpconsole.store.drafts import FormDrafts
    from fpconsole.tui.backend import ConsoleBackend, FollowersChanged, PollFailing
    from fpconsole.tui.first_start import FirstStart
    from fpconsole.tui.forms.screen import RequestFormScreen


def import_backend_modules(*, embedded: bool) -> None:
    """Importing the backend and the sandbox (Starlette, the engine) takes a few hundred ms: a
    worker does it off the event loop. The objects are then built on the loop, where they will
    be used (SQLite connections belong to the thread that made them), and that import nothing
    (tests/tui/test_backend_start_imports.py): a key pressed meanwhile would wait for it."""
    import fpconsole.session
    import fpconsole.tui.backend

    if embedded:
        import fpconsole.sandbox.embedded  # noqa: F401


BACKEND_START_DELAY = 0.3  # seconds after mount, when there is cached data to show meanwhile
# The signals that end the console as ctrl+q does (exit status: exit_for_signal, as a shell says).
# SIGINT too: in the console ctrl+c is a key, so one comes only from `kill -INT`, and Textual
# ended at once on it, with exit 0 and nothing kept.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


@dataclass
class ConsoleContext:
    """What the console knows before any heavy import: enough for the first frame."""

    # Resolved once by the launch (config loaded, --read-only applied): the top bar, the
    # session and the forms all read this one object.
    profile: ResolvedProfile = field(default_factory=lambda: resolved(BUILTIN_SANDBOX))
    user_host: str = ""
    theme: str | None = None
    sandbox_delay: float | None = None
    sandbox_db: str | None = None
    start_backend: bool = True
    clock: Callable[[], Any] | None = None  # the forms' elapsed-time clock
    client_clock: Callable[[], Any] | None = None  # timestamps in the journal
    new_request_id: Callable[[], str] | None = None
    sandbox_engine: Any = None  # a prepared embedded engine (tests, snapshots, screenshots)
    # [keys] of config.toml, checked (fpconsole.tui.keymap.check_keys): binding id → keys.
    keymap: dict[str, str] = field(default_factory=dict)
    # A first start's sandbox, seeded and listed by a second process meanwhile (first_start.py).
    first_start: FirstStart | None = None

    @property
    def profile_name(self) -> str:
        return self.profile.name

    @property
    def kind(self) -> str:
        return self.profile.kind

    @property
    def host(self) -> str:
        return self.profile.host

    @property
    def read_only(self) -> bool:
        return self.profile.read_only

    @property
    def is_embedded(self) -> bool:
        return self.profile.embedded


def _lazy_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        import importlib

        screen_class: type[Screen[Any]] = getattr(importlib.import_module(module), name)
        return screen_class()

    return make


def default_user_host() -> str:
    override = os.environ.get("FPCONSOLE_USER_HOST")
    if override:
        return override
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        user = "user"
    return f"{user}@{socket.gethostname()}"


class FpConsoleApp(TypeAhead, DebugLog, App[int]):
    TITLE = "fpconsole"
    DEFAULT_MODE = "clients"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {}
    # `:card ID` / `:transaction ID` select their row only once looked up: keys typed behind
    # them (t for a transaction on that card) wait for that (type_ahead). F7's Load… looks an
    # unlisted backup up before asking: a `y` typed behind it waits for the question.
    KEY_ROUTING_WORKERS: ClassVar[frozenset[str]] = frozenset(
        {"open-entity", "open-transaction", "sandbox-find-backup"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("colon", "command_line", "Open", id="command-line"),
        Binding("f2", "section('clients')", "Clients", show=False, id="clients"),
        Binding("f3", "section('cards')", "Cards", show=False, id="cards"),
        Binding("f4", "section('requests')", "Requests", show=False, id="requests"),
        Binding("f5", "section('transactions')", "Transactions", show=False, id="transactions"),
        Binding("f6", "section('bulk')", "Bulk onboarding", show=False, id="bulk-onboarding"),
        Binding("f7", "sandbox", "Sandbox", show=False, id="sandbox"),
        # Priority: modals (forms, secret data, help) cut the app's bindings off, and F8 must work
        # there too; no widget uses F8, so nothing is taken from one.
        Binding("f8", "masked_screenshot", "Screenshot", show=False, priority=True, id="screenshot"),
        # ctrl+q only: a bare q, typed into the list by a slip, closed the console at once.
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        # Cells the terminal shows already are not written again (partial_paint): when something
        # else wrote over them (a `wall`, a broken SSH link's notice), ctrl+l paints every cell.
        # Priority, as F8: in a form or a dialog too; no widget here uses ctrl+l.
        Binding("ctrl+l", "redraw", "Redraw the screen", show=False, priority=True, id="redraw"),
    ]

    def __init__(self, context: ConsoleContext | None = None) -> None:
        self.context = context or ConsoleContext(user_host=default_user_host())
        if not self.context.user_host:
            self.context.user_host = default_user_host()
        super().__init__()
        # TERM=linux: glyphs the Linux console's fonts have (fpconsole.tui.glyphs).
        self._filters.extend(console_filters())
        if self.context.keymap:
            self.set_keymap(self.context.keymap)
        # Animations cost bandwidth over SSH and make snapshots flaky.
        self.animation_level = "none"
        self.backend: ConsoleBackend | None = None
        self.cache: EntityCache | None = None
        # App-level news for the screens that subscribe (messages.subscribe_news).
        self.news = news_signal(self)
        # (in process, connection) for every top bar, in every section (TopBar subscribes).
        self.bar_news: Signal[tuple[int, Connection]] = Signal(self, "bar")
        self.drafts: FormDrafts | None = None
        # The embedded sandbox is in-process: nothing to reach, connected from the first frame
        # (a failure to start it still turns this to "cannot connect"). Not while a sandbox
        # profile's own secret is still to be read: a secret_command takes its time, and may
        # fail (QA 24: "connected" until it had failed).
        embedded_at_once = self.context.is_embedded and self.context.profile.profile.uses_builtin_secret
        self.connection: Connection = CONNECTED if embedded_at_once else CONNECTING
        self._after_connect_done = False
        self.ended_by_signal: int | None = None
        self.drafts_kept = 0  # forms whose draft the signal's stop kept (said after the stop)
        self.in_process = 0
        self._in_process_ids: set[str] = set()
        self.theme_problems: list[str] = []
        self.local_state_notices: list[str] = []
        # Full garbage collections wait for a pause in the typing (gc_pacing.py); on a real
        # terminal only unless a test says so: it changes the process's collector settings.
        self.collections = CollectionPacer()
        self.pace_collections: bool | None = None
        # The form a section's `n` opens, built while the operator reads the list (spare_form.py);
        # on a real terminal only unless a test says so: it spends request ids ahead of time.
        self.spare_forms = SpareForms(self, self._fresh_form, self._form_wanted_next, self._form_conditions)
        self.build_spare_forms: bool | None = None
        # What the lists say while the sandbox's first page is on its way (None once listed).
        self.waiting_for_data: str | None = self._first_listing_text()
        self._register_themes()
        # Opened here, before the first screen composes: it is SQLite and takes about a
        # millisecond, and the Clients list shows its rows in the very first frame.
        self.open_cache()
        self._install_sections()

    # --- setup -------------------------------------------------------------------------------

    def _register_themes(self) -> None:
        themes, self.theme_problems = load_themes()
        # Only ours (and the user's) in the palette's theme list: Textual's own themes were not
        # made with this console's profile-kind badges and status colours, whose contrast
        # ours are checked for (they fall back to plain green/yellow/red there).
        for name in list(self.available_themes):
            self.unregister_theme(name)
        for theme in themes:
            self.register_theme(theme)
        wanted = self.context.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self.theme_problems = unusable_theme_problems(
                wanted, sorted(self.available_themes), self.theme_problems
            )
            wanted = DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {
            "kind-sandbox": "green",
            "kind-test": "yellow",
            "kind-production": "red",
            "kind-foreground": "black",
            "status-process": "yellow",
        }

    def on_mount(self) -> None:
        # Back from a suspend (SIGTSTP then fg, a pager) the terminal shows whatever ran meanwhile,
        # at whatever size it has now: paint every cell. Textual repaints after its own suspend()
        # only; after fg the list stayed blank until each cell changed.
        self.app_resume_signal.subscribe(self, lambda _app: self.action_redraw())
        for problem in self.theme_problems:
            self.notify(problem, severity="warning", timeout=10)
        self._handle_termination_signals()
        self._notify_local_state(self.local_state_notices)
        if self.build_spare_forms if self.build_spare_forms is not None else not self.is_headless:
            self.spare_forms.enable()
        if self.context.start_backend:
            if self.cache is not None and self.cache.count("clients", None) + self.cache.count("cards", None):
                # The lists already show cached data: paint that first. Importing the sandbox
                # competes for the GIL and would hold the first frame back by ~80 ms.
                self.set_timer(BACKEND_START_DELAY, self.start_backend)
            else:
                self.call_after_refresh(self.start_backend)
        else:
            self._pace_collections()

    def _install_sections(self) -> None:
        """Clients is the default mode, so the first frame is the Clients list itself (no empty
        default screen to mount and replace); the other sections load when first opened."""
        from fpconsole.tui.screens.clients import ClientsScreen

        self.add_mode("clients", ClientsScreen)
        self.add_mode("cards", _lazy_screen("fpconsole.tui.screens.cards", "CardsScreen"))
        self.add_mode("requests", _lazy_screen("fpconsole.tui.screens.requests", "RequestsScreen"))
        self.add_mode(
            "transactions", _lazy_screen("fpconsole.tui.screens.transactions", "TransactionsScreen")
        )
        self.add_mode("bulk", _lazy_screen("fpconsole.tui.screens.bulk", "BulkScreen"))
        if self.has_sandbox:
            self.add_mode("sandbox", _lazy_screen("fpconsole.tui.screens.sandbox", "SandboxScreen"))

    @property
    def has_sandbox(self) -> bool:
        """The Sandbox section (F7) exists on sandbox profiles only: nothing else has its routes."""
        return self.context.kind == "sandbox"

    def offers(self, action: str) -> bool:
        """Whether help lists this app binding here (F7 only where there is a Sandbox section)."""
        return action != "sandbox" or self.has_sandbox

    def open_cache(self) -> None:
        """The local cache is SQLite and opens in a few ms: the lists show cached data in the
        first frames, before the backend (and the sandbox) exist."""
        from fpconsole.store.cache import EntityCache

        # A cache file moved aside is said once the console is up (on mount), where it is seen.
        from fpconsole.store.drafts import FormDrafts

        with local_state_notices() as notices:
            self.cache = EntityCache.open(profile=self.context.profile_name)
            # Drafts are local state too: a form typed on a profile that never connects is kept.
            self.drafts = FormDrafts.open(profile=self.context.profile_name)
        self.local_state_notices = notices

    def _first_listing_text(self) -> str | None:
        """A sandbox profile's lists fill from the sandbox's snapshot once the backend is up (on
        a first start the embedded sandbox creates its demo data first): until then an empty
        list says that, not "No clients seen yet"."""
        if not self.context.start_backend or not (self.context.kind == "sandbox" or self.context.is_embedded):
            return None
        if self.context.is_embedded:
            return "Preparing the sandbox… its clients, cards and transactions are listed here in a moment."
        return "Loading the sandbox's clients, cards and transactions…"

    def holds_for_data(self, key: events.Key | events.Paste) -> bool:
        """A key the shown list binds (open, issue a card, block…) typed before its first rows
        arrived waits for them: let through, it would act on no row and be lost. Held until the
        first listing ends, listed or failed; priority keys (ctrl+q) and the app's own (F-keys,
        `:`) go at once."""
        if self.waiting_for_data is None or not isinstance(key, events.Key):
            return False
        from fpconsole.tui.screens.base import ListScreen
        from fpconsole.tui.widgets.paged_table import PagedTable

        screen = self.screen
        if not isinstance(screen, ListScreen) or not screen.PRIMED_FROM_SANDBOX:
            return False
        tables = screen.query("#list").results(PagedTable)  # none yet while it mounts
        table = next(iter(tables), None)
        if table is None or table.row_count:
            return False
        bound = self.active_bindings.get(key.key)
        return bound is not None and not bound.binding.priority and bound.node is not self

    def _first_listing_over(self) -> None:
        """The first listing ended (listed, failed or no connection): the lists say what they hold."""
        if self.waiting_for_data is not None:
            self.waiting_for_data = None
            self.post_message(CacheChanged())
        self._pace_collections()
        self.spare_forms.schedule()

    def _notify_local_state(self, notices: list[str]) -> None:
        for notice in notices:
            self.notify(notice, title="Local state", severity="warning", timeout=10)

    @work(thread=True, exit_on_error=False, group="backend-import")
    def _import_backend_modules(self) -> None:
        import_backend_modules(embedded=self.context.is_embedded)

    @work(exit_on_error=False, group="backend")
    async def start_backend(self) -> None:
        worker = self._import_backend_modules()
        prepared = self.context.first_start
        if prepared is not None:
            # Its rows are listed as soon as the cache has them; the sandbox is its until it ends.
            if await asyncio.to_thread(prepared.wait_listed):
                self.post_message(CacheChanged())
            await asyncio.to_thread(prepared.wait)
        await worker.wait()
        # Only now: on the loop, an import of the session (the client, httpx, pydantic) held
        # every key for ~110 ms.
        from fpconsole.session import ClientHooks, SetupError
        from fpconsole.tui.backend import ConsoleBackend

        assert self.cache is not None
        start = partial(
            ConsoleBackend.start,
            profile=self.context.profile,
            cache=self.cache,
            post=self.post_message,
            sandbox_delay=self.context.sandbox_delay,
            sandbox_db=self.context.sandbox_db,
            hooks=ClientHooks(
                clock=self.context.client_clock,
                new_request_id=self.context.new_request_id,
                sandbox_engine=self.context.sandbox_engine,
            ),
        )
        try:
            # A secret to read (an env variable, a file, a command: a vault CLI, a token) is read
            # off the loop: a command that took its time held every key until it ended, up to its
            # 10 s timeout. The built-in sandbox's needs no reading, and its start stays as it was.
            reads_a_secret = not self.context.profile.profile.uses_builtin_secret
            backend = await asyncio.to_thread(start) if reads_a_secret else start()
        except SetupError as exc:
            self.set_connection(setup_failed(exc.short, str(exc)))
            self.post_message(BackendFailed(str(exc)))
            self._first_listing_over()
            return
        except Exception as exc:  # the sandbox's own database, say: visibly broken, not a crash
            self.set_connection(setup_failed(type(exc).__name__, f"{type(exc).__name__}: {exc}"))
            self.post_message(BackendFailed(f"cannot start the connection: {type(exc).__name__}: {exc}"))
            self._first_listing_over()
            return
        self.post_message(BackendReady(backend))
        if not self.context.is_embedded:
            self.set_connection(await self._probe(backend), backend)
        elif not self.connection.connected:
            self.set_connection(CONNECTED, backend)  # its secret is read: nothing more to reach
        if self.connection.connected:
            await self._after_connect(backend)
        else:  # the data comes when it connects; meanwhile the top bar says why not
            self._first_listing_over()

    async def _probe(self, backend: ConsoleBackend) -> Connection:
        from fpconsole.tui.connection import from_probe_error

        try:
            await backend.probe()
        except Exception as exc:  # every failure is a state the bar shows
            return from_probe_error(exc, self.context.host) or CONNECTED
        return CONNECTED

    @work(exclusive=True, exit_on_error=False, group="refresh-prime")
    async def prime_again(self) -> None:
        """ctrl+r in a list: what the sandbox wrote since the last prime (a change from the CLI or
        another console), once the start's own prime has run; otherwise nothing to do."""
        backend = self.backend
        if backend is None or not self._after_connect_done or not self.connection.connected:
            return
        try:
            await backend.prime_from_sandbox()
        except Exception as exc:  # the cache stays as it was; say so, as at start
            self.post_message(BackendFailed(f"could not list the sandbox's data: {exc}"))

    async def _after_connect(self, backend: ConsoleBackend) -> None:
        """Once per session, when the profile first connects: the sandbox's data for the lists,
        and the requests the last session left in process followed again."""
        if self._after_connect_done:
            return
        self._after_connect_done = True
        try:
            await backend.prime_from_sandbox()
        except Exception as exc:  # a failed prime leaves the cache as it was; say so
            self.post_message(BackendFailed(f"could not list the sandbox's data: {exc}"))
        self._first_listing_over()
        backend.resume_pending()
        if self.has_sandbox:  # faults on (set by anyone, a served sandbox's --faults): the bar says so
            from fpconsole.tui.faults_watch import watch_faults

            await watch_faults(self, backend)  # read now, then every few seconds

    @work(exclusive=True, exit_on_error=False, group="reprobe")
    async def _reprobe(self, backend: ConsoleBackend) -> None:
        # A read, never a mutation: exclusive only keeps one prober.
        while self.connection.broken and not self.connection.lasting:
            await asyncio.sleep(REPROBE_DELAY)
            self.set_connection(await self._probe(backend), backend)
        if self.connection.connected:
            await self._after_connect(backend)

    def _reprobing(self) -> bool:
        return any(worker.group == "reprobe" and not worker.is_finished for worker in self.workers)

    def set_connection(self, state: Connection, backend: ConsoleBackend | None = None) -> None:
        """The profile's connection state, in every section's top bar for the whole session."""
        before = self.connection
        if before.broken and before.lasting and not state.broken:
            return  # a missing secret does not heal by itself; only a restart reads it again
        self.connection = state
        self._refresh_bars()
        if state.broken and not before.broken:
            self.notify(state.detail or state.short, title="Cannot connect", severity="error", timeout=10)
        if state.broken and not state.lasting:
            backend = backend or self.backend
            # One prober at a time: a probe failing again from inside it changes only the text.
            if backend is not None and not self._reprobing():
                self._reprobe(backend)
        elif state.connected and before.broken:
            self.notify(f"Connected to {self.context.host}.", title="Connection", timeout=5)

    @on(BackendReady)
    def _backend_ready(self, message: BackendReady) -> None:
        self.backend = message.backend
        self._notify_local_state(message.backend.local_state_notices)
        self._pace_collections()

    def _pace_collections(self) -> None:
        """From the backend's start on, the objects the start built (the backend's modules too)
        stay for the console's life: the first pause collects once and freezes them. Also when
        the start ends without a backend, which would otherwise leave the start's hold on."""
        paced = self.pace_collections if self.pace_collections is not None else not self.is_headless
        if paced and not self.collections.running:
            self.collections.start()
            self.set_interval(CHECK_EVERY_S, self.collections.tick, name="gc-pacing")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste, events.MouseDown)):
            self.collections.typed()
            self.spare_forms.typed()
        if self._screen_stack:
            self.spare_forms.input_seen(self.screen, event)
        await super().on_event(event)

    def pop_screen(self) -> AwaitComplete:
        top = self.screen if len(self._screen_stack) > 1 else None
        popped = super().pop_screen()
        if top is not None:
            # Off the stack now, and not yet removed: Textual removes it after the next message,
            # unless it is installed by then (a form kept for the next `n`, spare_form.py).
            self.spare_forms.closing(top)
        return popped

    @on(BackendFailed)
    def _backend_failed(self, message: BackendFailed) -> None:
        if self.connection.broken and message.message in self.connection.detail:
            return  # set_connection said it already, and the top bar keeps saying it
        self.notify(message.message, title="Connection", severity="error", timeout=10)

    async def on_unmount(self) -> None:
        if self.context.first_start is not None:
            self.context.first_start.stop()
        self.collections.stop()
        self.spare_forms.stop()
        from fpconsole.tui.faults_watch import stop_watching

        stop_watching(self)
        self.keep_drafts()
        if self.backend is not None:
            await self.backend.aclose()
        if self.cache is not None:
            self.cache.close()
        if self.drafts is not None:
            self.drafts.close()

    # --- live status --------------------------------------------------------------------------

    # "In process" counts state-changing requests the console is waiting on for a final status:
    # sent and not answered yet, answered `process`, or being polled by the backend (a process
    # answer followed after its form closed, an unknown outcome, a request resumed at start).
    # Reads never count, however long they take. A request whose answer will not come on its
    # connection (a failure, a timeout, a cancelled call) stops counting unless it is polled.

    @on(ClientEventPosted)
    def _client_event(self, message: ClientEventPosted) -> None:
        event = message.event
        if isinstance(event, RequestSent):
            if event.changes_state and event.request_id:
                self._in_process_ids.add(event.request_id)
        elif isinstance(event, (ResponseReceived, StatusChanged)):
            if event.request_id and event.request_status != "process":
                self._in_process_ids.discard(event.request_id)
        elif event.request_id:
            # A failure ends the wait on the wire; an unknown outcome (a timeout, a cancelled
            # call) counts again while the backend polls it (on_followers_changed).
            self._in_process_ids.discard(event.request_id)
        self._count_in_process()
        self._note_link(event)
        self._forward(message)

    def _note_link(self, event: Any) -> None:
        """What the session's own requests say about the link: an answer proves it, a refused
        connection breaks it (the bar says so, and re-probing starts)."""
        from fpconsole.tui.connection import from_failed_call

        if isinstance(event, (ResponseReceived, StatusChanged)):
            if not self.connection.connected and not self.connection.lasting:
                self.set_connection(CONNECTED)
                if self.backend is not None and not self._after_connect_done:
                    self._finish_connecting(self.backend)
        elif isinstance(event, RequestFailed):
            state = from_failed_call(event.error, event.message)
            if state is not None and not self.connection.broken:
                self.set_connection(state)

    @work(exit_on_error=False, group="backend")
    async def _finish_connecting(self, backend: ConsoleBackend) -> None:
        await self._after_connect(backend)

    def on_poll_failing(self, message: PollFailing) -> None:
        """A request being followed cannot be polled: the link is down (a refused connection
        breaks it in the bar, and re-probing starts) even though no call of ours failed."""
        from fpconsole.tui.connection import from_failed_call

        state = from_failed_call(message.error, message.message)
        if state is not None and not self.connection.broken:
            self.set_connection(state)

    def on_followers_changed(self, message: FollowersChanged) -> None:
        """The backend started or stopped polling a request (found by name: see backend)."""
        if not message.following:
            # Polling ended: final (its StatusChanged came first), or given up on — still
            # unknown, to poll again from Requests. Either way nobody is waiting any more.
            self._in_process_ids.discard(message.request_id)
        self._count_in_process()

    def _count_in_process(self) -> None:
        following = self.backend.following if self.backend is not None else frozenset()
        self._set_in_process(len(self._in_process_ids | following))

    def _set_in_process(self, count: int) -> None:
        self.in_process = count
        self._refresh_bars()

    def _refresh_bars(self) -> None:
        # Every section's bar, not only the top screen's: a request is usually sent from a form
        # (a modal with no bar), and the list under it must show the count once the form closes.
        self.bar_news.publish((self.in_process, self.connection))

    @on(RequestUpdated)
    def _request_updated(self, message: RequestUpdated) -> None:
        if message.outcome == "unknown":
            self.notify(
                f"{message.method}: outcome unknown ({message.error_description}). "
                "Poll it again from Requests.",
                severity="warning",
                timeout=8,
            )
        self._forward(message)

    @on(CacheChanged)
    def _cache_changed(self, message: CacheChanged) -> None:
        self._forward(message)

    def _forward(self, message: AppNews) -> None:
        """App-level news reaches the screens that subscribed, in every section."""
        self.news.publish(message)

    def _visible_and_base_screens(self) -> Iterable[Screen[Any]]:
        seen: set[int] = set()
        for stack in self._screen_stacks.values():
            for screen in stack:
                if id(screen) not in seen:
                    seen.add(id(screen))
                    yield screen

    # --- actions -----------------------------------------------------------------------------

    def action_section(self, name: str) -> None:
        self.switch_mode(name)

    def action_sandbox(self) -> None:
        if not self.has_sandbox:
            self.notify("The Sandbox section exists on sandbox profiles only.", severity="warning")
            return
        self.switch_mode("sandbox")

    def action_help(self) -> None:
        from fpconsole.tui.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_command_line(self) -> None:
        from fpconsole.tui.command_line import CommandLine

        self.push_screen(CommandLine(), self.run_command_line)

    def run_command_line(self, text: str | None) -> None:
        from fpconsole.tui.command_line import execute

        if text:
            execute(self, text)

    def on_resize(self, event: events.Resize) -> None:
        # Before Textual's own handler paints the new size: the terminal reflowed its lines.
        forget_shown()

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        # A repaint whose cells the terminal shows already writes nothing at all (SSH).
        update = before_display(self, renderable)
        if update is not None:
            super()._display(screen, update)

    def action_redraw(self) -> None:
        forget_shown()
        # A console that missed a resize paints its old size, which scrolls a smaller terminal
        # and garbles it for good: ctrl+l asks the terminal for its size as well.
        size = self._terminal_size()
        if size is not None and size != self.size:
            self.post_message(events.Resize(size, size))
        else:
            self.screen.refresh()

    def _terminal_size(self) -> Size | None:
        """The terminal's own answer (not LINES and COLUMNS, which Textual reads first)."""
        if self.is_headless or self._driver is None:
            return None
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None and stream.isatty():
                    width, height = os.get_terminal_size(stream.fileno())
                    return Size(width, height)
            except (OSError, ValueError):
                continue
        return None

    def action_masked_screenshot(self) -> None:
        from fpconsole.tui.screenshot import save_masked_screenshot

        try:
            path = save_masked_screenshot(self)
        except OSError as exc:
            # A full disk or a state folder we cannot write must not end the session.
            where = exc.filename or self.screenshot_folder()
            reason = exc.strerror or str(exc)
            self.notify(f"Screenshot not saved: {where}: {reason}", title="F8", severity="error", timeout=10)
            return
        self.notify(f"Screenshot saved to {path}", title="F8", timeout=6)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """NO_COLOR: an error toast differs from the others only by colour, so it is marked."""
        shown = marked(message) if severity == "error" else message
        super().notify(shown, title=title, severity=severity, timeout=timeout, markup=markup)

    def copy_text(self, text: str, what: str) -> None:
        """OSC 52 copies to the clipboard of the machine running the terminal, even over SSH.
        Secrets never come here unmasked; callers pass ids and redacted text only."""
        from fpconsole.api.redaction import scrub_text

        self.copy_to_clipboard(scrub_text(text))
        self.notify(
            f"Copied {what} via OSC 52 (terminal clipboard; in tmux set -g set-clipboard on)", timeout=4
        )

    # --- opening things ------------------------------------------------------------------------

    def open_form(
        self,
        method: Any,
        initial: dict[str, str] | None = None,
        *,
        card_mask: str | None = None,
        drafts: bool = True,
    ) -> None:
        """A registry-built form; Block, Close and Set PIN confirm (production: last 4 + reason).
        Screens name methods ("card.block"): the registry (and pydantic) load on first use, not
        on the first frame. `drafts=False` (a replay) opens it without an earlier draft mixed in."""
        from fpconsole.api.methods import REGISTRY

        # A second name keeps its own title: transaction.request_status opens request/status's
        # form as "Transaction request status".
        title = REGISTRY.title_for(method) if isinstance(method, str) else None
        if isinstance(method, str):
            method = REGISTRY.resolve(method)
        if self.context.read_only and method.changes_state:
            self.notify(f"Read-only: {method.title} changes state.", severity="warning")
            return
        form = None
        blank = not initial and card_mask is None and drafts
        if blank:
            form = self.spare_forms.take(method.name)
        if form is None:
            form = self._new_form(method, title, initial, card_mask=card_mask, drafts=drafts)
        if blank:
            self.spare_forms.lend(form)  # closed as it opens, it is kept for the next `n`
        self.push_screen(form)

    def _new_form(
        self,
        method: Method,
        title: str | None,
        initial: dict[str, str] | None = None,
        *,
        card_mask: str | None = None,
        drafts: bool = True,
    ) -> RequestFormScreen:
        """The form for `method`: its own class (the entry's form_class), its confirmation."""
        from fpconsole.tui.confirm import confirm_spec_for
        from fpconsole.tui.forms.screen import form_class_for

        return form_class_for(method.name)(
            method,
            initial=initial,
            form_key=method.name if drafts else None,
            title=title,
            confirm=confirm_spec_for(method, self.context.kind, card_mask),
            clock=self.context.clock,
            new_request_id=self.context.new_request_id,
        )

    # --- the form `n` opens, built ahead (spare_form.py) ----------------------------------------

    def _fresh_form(self, name: str) -> RequestFormScreen:
        """The form `open_form(name)` would build with nothing filled in."""
        from fpconsole.api.methods import REGISTRY

        return self._new_form(REGISTRY.resolve(name), REGISTRY.title_for(name))

    def _form_wanted_next(self) -> str | None:
        """The form the section in view opens on `n`, unless this profile may not send it."""
        from fpconsole.tui.screens.base import ListScreen

        if self.context.start_backend and (self.backend is None or self.waiting_for_data is not None):
            # Not during the start: it would compete with the first listing for the loop and add
            # to the memory the start's prime peaks at (`_first_listing_over` schedules it).
            return None
        screen = self.screen
        if not isinstance(screen, ListScreen) or screen.NEW_FORM is None or self.context.read_only:
            return None
        return screen.NEW_FORM

    def _form_conditions(self) -> Hashable:
        """What a form takes from outside itself when it opens: the theme its styles come from,
        the backend it asks whether the profile is read-only."""
        return (self.theme, self.backend)

    def open_secret_data(self, card_id: str, card_mask: str) -> None:
        from fpconsole.tui.secret_view import SecretDataScreen

        self.push_screen(SecretDataScreen(card_id, card_mask))

    def hide_secrets(self) -> None:
        from fpconsole.tui.secret_view import SecretDataScreen

        for screen in self._visible_and_base_screens():
            if isinstance(screen, SecretDataScreen):
                screen.action_hide()

    def open_statement(self, card_id: str) -> None:
        """A card's statement, on top of the section in view (esc goes back to it)."""
        from fpconsole.tui.screens.statement import StatementScreen

        self.push_screen(StatementScreen(card_id))

    def show_cards_of(self, client_id: str) -> None:
        from fpconsole.tui.screens.cards import CardsScreen

        self.switch_mode("cards")

        def apply() -> None:
            screen = self.screen
            if isinstance(screen, CardsScreen):
                screen.filter_client(client_id)

        self.call_after_refresh(apply)

    @work(exit_on_error=False, group="open-entity")
    async def open_entity(self, section: str, key: str) -> None:
        """`:card ID` and friends: select it if cached, else fetch it (and so cache it)."""
        from fpconsole.api import errors
        from fpconsole.tui.screens.base import ListScreen

        screen = self.screen
        if not isinstance(screen, ListScreen):
            return
        if screen.table.move_to_key(key):
            return
        backend = self.backend
        if backend is not None and section in ("cards", "clients"):
            method = MethodName.CARD_INFO if section == "cards" else MethodName.CLIENT_CARDS
            body = {"card_id": key} if section == "cards" else {"client_id": key}
            try:
                await backend.read(method, body)
            except errors.CardApiError as exc:
                self.notify(f"{key}: {exc.message}", severity="error")
                return
        screen.query_text = key
        screen.reload()
        if not screen.table.move_to_key(key):
            if backend is None and section in ("cards", "clients"):
                from fpconsole.tui.connection import not_connected_reason

                # Not looked up at all: say why, not only that the cache lacks it.
                self.notify(
                    f"{key} is not in the local cache. {not_connected_reason(self)}", severity="warning"
                )
                return
            self.notify(f"{key} not found in the local cache.", severity="warning")

    async def action_quit(self) -> None:
        """Quit; with requests still in process, say what becomes of them and ask first. Any
        form left open keeps what was typed as its draft (connected or not)."""
        from fpconsole.tui.confirm import ConfirmScreen, ConfirmSpec

        self.keep_drafts()
        count = self.in_process
        if not count or isinstance(self.screen, ConfirmScreen):
            self.exit()
            return
        waiting = "1 request is" if count == 1 else f"{count} requests are"
        spec = ConfirmSpec(
            "Quit?",
            f"{waiting} still in process. Nothing is lost: the journal keeps them and the next "
            "start follows them again (Requests, p polls one now).",
            confirm_label="Quit",
        )
        self.push_screen(ConfirmScreen(spec), lambda answer: self.exit() if answer is not None else None)

    def keep_drafts(self) -> int:
        """Write every open form's draft now (the forms save a few seconds after typing stops;
        quitting or a signal must not lose the last keys). Returns how many forms kept one."""
        kept = 0
        for screen in self._visible_and_base_screens():
            save = getattr(screen, "save_draft", None)
            if callable(save) and screen.is_attached:
                try:
                    save()
                    kept += bool(getattr(screen, "has_draft_to_keep", lambda: False)())
                except Exception:  # a draft is a convenience: quitting must go on
                    continue
        return kept

    # --- termination signals ------------------------------------------------------------------

    def _handle_termination_signals(self) -> None:
        """SIGTERM (a stop, a shutdown), SIGHUP (the SSH link dropped) and SIGINT end the console
        as ctrl+q does: drafts kept, requests in process left in the journal for the next start to
        follow, the terminal restored. Without this the process died mid-frame."""
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            try:
                loop.add_signal_handler(signum, self._terminate, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                return  # not the main thread (tests run the app elsewhere), or no signals here

    def terminal_lost(self) -> None:
        """The terminal went away (lost_terminal.py): end as on the SIGHUP that usually comes with
        it, whether it comes or not."""
        self._terminate(signal.SIGHUP)

    def _terminate(self, signum: int) -> None:
        if self.ended_by_signal is not None:
            return
        self.ended_by_signal = signum
        self.drafts_kept = self.keep_drafts()
        self.exit(exit_for_signal(signum))

    def on_key(self, event: events.Key) -> None:
        """A section key (F2-F7, or the keys the keymap gives them) reached the app unhandled: a
        form or dialog is open, and Textual keeps the app's keys from it. Say why nothing happens
        rather than nothing: the form is left with Esc, which asks about what was typed."""
        if not self.screen.is_modal:
            return
        actions = [binding.action for binding in self._bindings.key_to_bindings.get(event.key, [])]
        if any(action.startswith("section(") or action == "sandbox" for action in actions):
            self.notify(f"{event.key} changes section: close this first (Esc).", timeout=4)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        provider = getattr(screen, "palette_commands", None)
        if provider is not None:
            yield from provider()
        if screen.is_modal:
            # Nothing that leaves a form or dialog: a section switched from here left the form
            # behind, half typed, and the next key meant for the list went into it. F2-F7 are
            # held back the same way (on_key); Esc leaves, asking about what was typed.
            return
        yield SystemCommand("Clients", "Go to the Clients section (F2)", lambda: self.switch_mode("clients"))
        yield SystemCommand("Cards", "Go to the Cards section (F3)", lambda: self.switch_mode("cards"))
        yield SystemCommand(
            "Requests", "Go to the Requests section (F4)", lambda: self.switch_mode("requests")
        )
        yield SystemCommand(
            "Transactions", "Go to the Transactions section (F5)", lambda: self.switch_mode("transactions")
        )
        yield SystemCommand(
            "Bulk onboarding", "Clients and cards from a CSV file (F6)", lambda: self.switch_mode("bulk")
        )
        if self.has_sandbox:
            yield SystemCommand(
                "Sandbox", "Top up, settle, faults, reset, backups (F7)", lambda: self.switch_mode("sandbox")
            )
        yield SystemCommand(
            "Scenarios", "Run a QA scenario file, each step live (:scenarios)", self._open_scenarios
        )
        yield SystemCommand("Export…", "Export this view as CSV or JSON (masked)", self._export_view)
        from fpconsole.tui.screens.base import ListScreen

        if isinstance(screen, ListScreen):
            yield SystemCommand(
                "Save view…", "Save this list's filter under a name (w)", screen.action_save_view
            )
        from fpconsole.tui.saved_views import palette_commands

        yield from palette_commands(self)

    def _open_scenarios(self) -> None:
        from fpconsole.tui.command_line import open_scenarios

        open_scenarios(self)

    def _export_view(self) -> None:
        from fpconsole.tui.export_menu import export_screen

        export_screen(self, self.screen)

    def screenshot_folder(self) -> Path:
        from fpconsole.locations import state_dir

        folder: Path = state_dir() / "screenshots"
        return folder
