"""Keys typed faster than the console reacts still land where they were meant to, in order.

Over SSH, `/kamila`, a pasted `:card 7001234⏎` or `ORD-9⇥⇥500` arrives in one packet. Textual
hands each key, as soon as it reads it, to the widget focused *then*; what a key does to the
focus happens later: Tab is acted on only once it has bubbled back up to the app (its binding is
checked there), a screen pushed by `:` focuses its box once it has mounted, Enter in a form's box
moves on from a message handler. By then the keys behind it are already queued at the old
widget: `500` lands in Order id, the letters after `/` hit the list's bindings (`a` opens Actions).

So the app mixes this in and hands keys over one at a time. A key read from the terminal is
queued; the next one is let through only once the console has settled after the last: every
message queue of the app and of the screen on top is empty, nothing waits for the next refresh
(which also covers a screen just pushed: its mount and its first focus are queued messages),
and no layout is pending (Tab goes by where widgets are laid out: rows a choice just showed
sit at the top until they are).
Then it is routed as Textual routes every key, to whatever holds the focus at that moment.
A key waits at most `PATIENCE` from when it reaches the head of the line (its arrival, or the
moment the key before it went, whichever is later), so a handler stuck on something slow delays
typing a little, and never stops it. Not from its arrival alone: a burst typed while a loaded
host takes longer than that to start would find every deadline behind it and go through unheld.

Some keys start work that decides where the next key goes: `:card 7001001⏎` selects the card
only once it has been looked up (a fetch, when the cache does not have it yet). The app names
those workers' groups in `KEY_ROUTING_WORKERS`; while one runs, keys wait for it with no cap (a
fetch ends by its own timeout), then for the console to settle as after any key. Otherwise a
`t` typed right behind `:card …⏎` acted on whatever row was highlighted meanwhile.

A row key typed on a list whose first rows are still on their way (a first start seeding the
sandbox) waits for them too (`holds_for_data`, decided by the app; at most DATA_PATIENCE): let
through, it would act on no row and be lost.

Keys typed before the console took the terminal are read by `early_keys.TypedAheadDriver`
(their Enter restored) and queued here like any other.

A printable key that still bubbles up unconsumed while a text box holds the focus cannot have
passed through that box (it stops every printable key it sees): it is typed into it.

An open select's list (Textual's SelectOverlay, an OptionList in the Select) takes printable keys the same way: it searches
its options for the text typed, and forgets that text once no key has come for 0.7 s. Held
there one at a time, letters typed ahead over a busy console came more than that apart, and
`wal⏎` chose by `l` alone (Electron Card) instead of Freedom Wallet Card.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar, Final

from textual import events
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

    _AppBase = App[Any]
else:  # a mixin: App comes after it in the bases of the real class
    _AppBase = object

PATIENCE: Final = 3.0  # seconds a key waits for the console to settle, from the head of the line
# Seconds at most a row key waits for a list's first rows (holds_for_data): they come within the
# backend's timeouts; a list that never fills must not swallow the keys typed on it for good.
DATA_PATIENCE: Final = 20.0
_SPINS: Final = 20  # event-loop turns polled back to back before polling on a short sleep
_POLL: Final = 0.004


# A paste (bracketed, one event) keeps its place among the keys typed around it.
Typed = events.Key | events.Paste


@dataclass(slots=True)
class _KeyLine:
    waiting: deque[tuple[Typed, float]] = field(default_factory=deque)  # (key, arrival time)
    # Keys handed back to the app, by id; holding them keeps their ids from being reused.
    let_through: dict[int, Typed] = field(default_factory=dict)
    running: bool = False
    typing: bool = False  # the last key let through was a character for the focused text box
    # (or the search of an open select's list)
    last_let: float = 0.0  # when the last key was let through (the next one's wait starts there)


def pump_idle(pump: MessagePump) -> bool:
    """Nothing is waiting for `pump` to handle it."""
    # Textual keeps each pump's inbox in `_message_queue` and may hold one message aside while it
    # checks whether the next replaces it; a message being handled has left both.
    return (
        pump._message_queue.empty()
        and getattr(pump, "_pending_message", None) is None
        and not pump._next_callbacks  # call_next: runs right after the message being handled
    )


def screen_idle(screen: Widget) -> bool:
    """Nothing is waiting to be handled by `screen` or any widget in it."""
    return pump_idle(screen) and all(pump_idle(node) for node in screen.walk_children())


class TypeAhead(_AppBase):
    """Mix into the App, before App in the bases."""

    # Worker groups whose work decides where the next key goes (see the module's docstring).
    KEY_ROUTING_WORKERS: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key_line = _KeyLine()

    def get_driver_class(self) -> type[Driver]:
        driver_class = super().get_driver_class()
        # Only the real terminal's driver on Linux/macOS: not headless tests, not Windows.
        if (driver_class.__module__, driver_class.__name__) == (
            "textual.drivers.linux_driver",
            "LinuxDriver",
        ):
            from fpconsole.tui.lost_terminal import ConsoleDriver

            return ConsoleDriver
        return driver_class

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            line = self._key_line
            if line.let_through.pop(id(event), None) is None:
                line.waiting.append((event, monotonic()))
                if not line.running:
                    line.running = True
                    self.run_worker(self._let_keys_through(), group="type-ahead", exit_on_error=False)
                return
        await super().on_event(event)

    async def _let_keys_through(self) -> None:
        line = self._key_line
        try:
            while line.waiting:
                key, arrived = line.waiting[0]
                if not line.typing:
                    await self._settle(max(arrived, line.last_let) + PATIENCE, key)
                line.waiting.popleft()
                line.typing = self._types_into_box(key)
                line.last_let = monotonic()
                self._let_through(key)
        finally:
            # Cancelled (the app is closing) or failed: no key is left behind.
            while line.waiting:
                self._let_through(line.waiting.popleft()[0])
            line.running = False

    def _let_through(self, key: Typed) -> None:
        self._key_line.let_through[id(key)] = key
        if not self.post_message(key):
            self._key_line.let_through.pop(id(key), None)

    def _types_into_box(self, key: Typed) -> bool:
        """The key is a character (or a paste) for the text box that has the focus, or for the
        search of the open select's list: it moves no focus, so the key behind it need not wait
        (typed-ahead text goes at full speed, a search gets its letters together)."""
        focused = self.focused
        if isinstance(focused, Input):
            if isinstance(key, events.Paste):
                return True
        elif isinstance(focused, OptionList) and isinstance(focused.parent, Select):
            # Its search, when on, keeps printable keys; a paste it ignores (the next key waits).
            if isinstance(key, events.Paste) or not focused.check_consume_key(key.key, key.character):
                return False
        else:
            return False
        if not (key.is_printable and key.character):
            return False
        bound = self.active_bindings.get(key.key)
        return bound is None or not bound.binding.priority

    def _settled(self) -> bool:
        if not self._screen_stack:  # before the first screen or after the last: nothing to wait for
            return True
        if not pump_idle(self):
            return False
        screen = self.screen
        if screen._callbacks:  # work waiting for the next refresh (call_after_refresh)
            return False
        return screen_idle(screen)

    def _waits_for_layout(self, key: Typed) -> bool:
        """A key that moves the focus (Tab, Enter, arrows: not a character) waits for widgets
        mounted or resized to be laid out: Tab orders the focus by where widgets are laid out,
        and rows a choice just showed sit at the top until they are."""
        if isinstance(key, events.Paste) or (key.is_printable and key.character):
            return False
        return bool(self._screen_stack) and self.screen._layout_required

    def holds_for_data(self, key: Typed) -> bool:
        """Whether `key` must wait for the data it would act on (a row key on a list whose rows
        are still on their way). The app decides; it must stop holding once the data is there
        or will not come, since a held key has no cap."""
        return False

    def _routing(self) -> bool:
        groups = self.KEY_ROUTING_WORKERS
        return bool(groups) and any(
            worker.group in groups and not worker.is_finished for worker in self.workers
        )

    def _held_for_data(self, key: Typed, since: float) -> bool:
        if monotonic() - since > DATA_PATIENCE:
            return False
        try:
            return self.holds_for_data(key)
        except Exception:  # a hook that fails must not stop the typing behind it
            return False

    async def _settle(self, deadline: float, key: Typed) -> None:
        spins = 0
        since = monotonic()
        while True:
            if self._routing() or self._held_for_data(key, since):
                # Its end is where the key's wait for the console to settle starts.
                deadline = max(deadline, monotonic() + PATIENCE)
            elif (self._settled() and not self._waits_for_layout(key)) or monotonic() >= deadline:
                return
            await asyncio.sleep(0 if spins < _SPINS else _POLL)
            spins += 1

    def on_key(self, event: events.Key) -> None:
        # A plain handler: @on only registers in classes that are message pumps themselves.
        focused = self.focused
        if isinstance(focused, Input) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            focused.insert_text_at_cursor(event.character)
