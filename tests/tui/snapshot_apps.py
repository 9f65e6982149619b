"""A deterministic console for pilot and snapshot tests: the real `FpConsoleApp` over the embedded
sandbox, with every input that could differ between runs or machines pinned down.

- Time: one `FakeClock` (2026-05-14T09:30:00+05:00) drives the sandbox engine, the client's
  journal timestamps and the forms' elapsed time. It moves only when a test calls `advance()`.
- Ids: request ids come from a counter (`00000000-0000-4000-8000-000000000001`, …); the engine's
  ids, PANs and secrets come from its sequences and `rng_seed=7`; the demo data from `seed(40)`.
- The entity cache's `last_seen` for primed rows is wall time in the store (`now_us`); the
  `frozen_cache_time` fixture pins it to the fake clock, so "recent first" lists sort the same
  whatever the date (see tests/tui/conftest.py).
- Latency: the client measures it with `time.monotonic`; the app's client gets a frozen one.
- Polling: request/status is polled every `poll_delay` seconds (real time) instead of backing
  off from 0.5 s, so a test does not wait for a request that the fake clock already settled.

`wait_ready()` waits for the backend, the primed list and the first detail fetch, so a snapshot
starts from a quiet app.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from textual import on
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import OptionList

import fpconsole.tui.app as app_module
from fpconsole.api.client import PollPolicy
from fpconsole.config import (
    BUILTIN_SANDBOX,
    BUILTIN_SANDBOX_AUTH_ID,
    BUILTIN_SANDBOX_SECRET,
    KINDS,
    ResolvedProfile,
    read_only_reason,
    resolved,
)
from fpconsole.sandbox.engine import SandboxEngine
from fpconsole.tui.actions_menu import ActionsMenu
from fpconsole.tui.app import ConsoleContext, FpConsoleApp
from fpconsole.tui.confirm import ConfirmScreen
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.messages import BackendReady
from fpconsole.tui.screens.base import ListScreen

START = datetime(2026, 5, 14, 9, 30, tzinfo=timezone(timedelta(hours=5)))
SEED_CLIENTS = 40
RNG_SEED = 7
SIZES = {"small": (80, 24), "large": (120, 40)}


@dataclass
class FakeClock:
    """Aware datetimes that move only when told to (one source of time for the whole app)."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class RequestIds:
    """`00000000-0000-4000-8000-000000000001`, `…002`, …: valid v4-shaped UUIDs, in order."""

    issued: list[str] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(self) -> str:
        value = f"00000000-0000-4000-8000-{next(self._counter):012d}"
        self.issued.append(value)
        return value


class SnapshotApp(FpConsoleApp):
    """FpConsoleApp with a frozen latency clock and fast polling on its client."""

    # A relative CSS_PATH resolves next to the subclass's module: point at the app's own.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(
        self, context: ConsoleContext, *, clock: FakeClock, engine: SandboxEngine, poll_delay: float
    ):
        super().__init__(context)
        self.fake_clock = clock
        self.engine = engine
        self.poll_delay = poll_delay

    @on(BackendReady)
    def _pin_client(self, message: BackendReady) -> None:
        client = message.backend.client
        client._monotonic = lambda: 0.0  # latency shows as 0 ms, not whatever the machine took
        client.options.poll = PollPolicy(
            first_delay=self.poll_delay, factor=1.0, max_delay=self.poll_delay, total=3600.0
        )


_seeded: SandboxEngine | None = None


def make_engine(clock: Callable[[], datetime], *, delay: float = 0.0) -> SandboxEngine:
    """An in-memory engine holding the demo data of `seed(40)` at START. Seeding takes a
    quarter of a second, so it is done once per process and copied (SQLite's backup API)."""
    global _seeded
    if _seeded is None:
        _seeded = SandboxEngine(db=":memory:", delay=0, clock=FakeClock(), rng_seed=RNG_SEED)
        _seeded.seed(SEED_CLIENTS, partner=BUILTIN_SANDBOX_AUTH_ID)
    engine = SandboxEngine(db=":memory:", delay=delay, clock=clock, rng_seed=RNG_SEED)
    _seeded._conn.backup(engine._conn)
    engine._settings.rng.setstate(_seeded._settings.rng.getstate())  # as if it had seeded itself
    return engine


def make_app(
    *,
    kind: str = "sandbox",
    read_only: bool = False,
    theme: str = "fpconsole-dark",
    delay: float = 0.0,
    poll_delay: float = 0.02,
    clock: FakeClock | None = None,
    **overrides: Any,
) -> SnapshotApp:
    """The console over a freshly seeded in-memory sandbox; `overrides` go to ConsoleContext.

    `delay` is the sandbox's settle time in fake-clock seconds: with 0 a state change answers
    `process` and is settled by the first poll; with more, it stays in `process` until the test
    advances the clock."""
    clock = clock or FakeClock()
    engine = make_engine(clock, delay=delay)
    context = ConsoleContext(
        profile=embedded_profile(kind, read_only=read_only),
        user_host="qa@jumphost",
        theme=theme,
        sandbox_delay=delay,
        clock=clock,
        client_clock=clock,
        new_request_id=RequestIds(),
        sandbox_engine=engine,
    )
    for key, value in overrides.items():
        setattr(context, key, value)
    return SnapshotApp(context, clock=clock, engine=engine, poll_delay=poll_delay)


# A test or production look over the embedded sandbox takes its secret from here (it is the
# sandbox's public built-in one: the built-in fallback is for kind sandbox only).
LOOK_ALIKE_SECRET_ENV = "FPCONSOLE_TEST_LOOK_ALIKE_SECRET"


def embedded_profile(kind: str = "sandbox", *, read_only: bool = False) -> ResolvedProfile:
    """The built-in sandbox profile, or one of another kind that still runs on the embedded
    sandbox (how production's confirmations are tested without a production API)."""
    if kind == "sandbox":
        return resolved(BUILTIN_SANDBOX, read_only=read_only)
    os.environ.setdefault(LOOK_ALIKE_SECRET_ENV, BUILTIN_SANDBOX_SECRET)
    assert kind in KINDS, kind
    profile = dataclasses.replace(
        BUILTIN_SANDBOX, kind=kind, secret_env=LOOK_ALIKE_SECRET_ENV, read_only=False
    )
    return ResolvedProfile(
        profile, host=profile.host, embedded=True, read_only_reason=read_only_reason(profile, flag=read_only)
    )


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object], *, timeout: float = 5.0) -> None:
    """Let the app run until `condition()` holds; fails the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}")
        await pilot.pause(0.01)


def _detail_pending(app: FpConsoleApp) -> bool:
    """A list screen's debounced detail fetch has been scheduled and has not run yet."""
    for screen in app._visible_and_base_screens():
        timer = getattr(screen, "_detail_timer", None)
        task = getattr(timer, "_task", None)
        if task is not None and not task.done():
            return True
    return False


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the lists' debounced detail fetches have run and every worker is done, so
    what is on screen no longer changes by itself."""
    app = pilot.app
    assert isinstance(app, FpConsoleApp)
    for _ in range(2):
        await pilot.pause()
        await wait_until(pilot, lambda: not _detail_pending(app))
        await app.workers.wait_for_complete()
        await pilot.pause()


async def wait_ready(pilot: Pilot[Any]) -> None:
    """The backend is up, the list is primed and the first row's detail is shown."""
    app = pilot.app
    assert isinstance(app, FpConsoleApp)

    def primed() -> bool:
        table = getattr(app.screen, "table", None)
        return app.backend is not None and table is not None and table.row_count > 0

    await wait_until(pilot, primed)
    await settle(pilot)


# --- driving the console as a person would ----------------------------------------------------


def current_form(app: FpConsoleApp) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen), f"expected a form, got {type(screen).__name__}"
    return screen


async def press_for_form(pilot: Pilot[Any], *keys: str) -> RequestFormScreen:
    """Press keys that should open a request form, and return the form."""
    await pilot.press(*keys)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, RequestFormScreen))
    await pilot.pause()
    return current_form(pilot.app)  # type: ignore[arg-type]


async def select_row(pilot: Pilot[Any], key: str) -> None:
    """Put the list's cursor on this entity and wait for its detail (and the detail's fetches)."""
    screen = pilot.app.screen
    assert isinstance(screen, ListScreen)
    assert screen.table.move_to_key(key), f"{key} is not listed"
    await settle(pilot)


async def choose_action(pilot: Pilot[Any], title_part: str) -> None:
    """Open the actions menu (a) and pick the option whose text contains `title_part`, with keys."""
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ActionsMenu))
    menu = pilot.app.screen
    assert isinstance(menu, ActionsMenu)
    options = menu.query_one(OptionList)
    wanted = next(i for i, a in enumerate(menu.actions) if title_part in a.title)
    while options.highlighted != wanted:
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()


def menu_lines(menu: ActionsMenu) -> list[tuple[str, bool]]:
    """(option text, enabled) for each line of an open actions menu."""
    options = menu.query_one(OptionList)
    found = []
    for index in range(options.option_count):
        option = options.get_option_at_index(index)
        found.append((Content.from_markup(str(option.prompt)).plain, not option.disabled))
    return found


async def submit_form(
    pilot: Pilot[Any], form: RequestFormScreen, *, until: tuple[str, ...] = ("success",)
) -> None:
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: form.phase in until)
    await pilot.pause()


async def confirm(pilot: Pilot[Any], *, last4: str | None = None, card_id: str | None = None) -> None:
    """Answer the confirmation dialog with keys: plain ones start on No, so tab to Yes;
    production ones want the last four digits (and for Close the id) typed, the reason kept."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmScreen)
    if dialog.spec.is_plain:
        await pilot.press("tab", "enter")
        return
    if dialog.spec.require_last4:
        assert last4 is not None, "this confirmation wants the last four digits"
        await pilot.press(*last4)
    if dialog.spec.require_id and dialog.target_id:
        assert card_id is not None, "this confirmation wants the id typed back"
        await pilot.press(*(["tab"] if dialog.spec.require_last4 else []), *card_id)
    await pilot.press("enter")  # in a box, Enter confirms: the reason typed in the form is there
    await pilot.pause()


def cells_of(app: FpConsoleApp, key: str) -> tuple[str, ...] | None:
    """The cells the current list shows for the row with this key (None when not listed)."""
    screen = app.screen
    assert isinstance(screen, ListScreen)
    table = screen.table
    for index in range(table.row_count):
        row = table.row_at(index)
        if row is not None and row.key == key:
            return row.cells
    return None
