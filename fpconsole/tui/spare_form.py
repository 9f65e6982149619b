"""The form `n` opens, built ahead while the operator reads the list.

Opening Create client composes, styles, lays out and paints about ninety widgets: about 110 ms
from the key to the form on screen in a real terminal, two and a half times what a stock
six-field Textual form takes (bench/form_open.py). Built once the operator pauses (PAUSE_S
without a key, as gc_pacing waits for one), the form is there one short frame after `n`.

How, with the pinned Textual's internals (this module is the only place that uses them): the
screen is registered with the app exactly as `push_screen` registers a new one, without joining
a stack, so it composes and mounts; it is then laid out at the terminal's size (again, until
its widgets ask for no other layout: a scrollbar shown narrows every box) and painted once off
screen, which fills the widgets' render caches. When it is pushed, Textual lays it out again
only if the size changed since, and the first resume keeps the styles it mounted with
(RequestFormScreen.on_screen_resume) as for any fresh form.

Only the form a section's `n` opens with nothing filled in is built ahead (Create client, Issue
card: `ListScreen.NEW_FORM`); every other form opens as before. The spare is used only if what
it was built under is still so: the same form, theme and backend, and the same draft in the
drafts store (a form closed meanwhile may have kept one; another console may have written one).
Otherwise it is thrown away and the form is built at once, as without a spare. A spare that
fails to build turns spares off for the session: the console never depends on one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Final

from textual.app import App
from textual.geometry import Size
from textual.timer import Timer
from textual.widget import AwaitMount

from fpconsole.tui.type_ahead import screen_idle

if TYPE_CHECKING:
    from fpconsole.tui.forms.screen import RequestFormScreen

PAUSE_S: Final = 0.5  # no key for this long: the operator is reading, the form can be built
LAYOUT_ROUNDS: Final = 4  # layouts at most until the form asks for no other (two, in practice)
SETTLE_POLL_S: Final = 0.002
SETTLE_TURNS: Final = 500  # about a second: a form that never settles is used as it is then

log = logging.getLogger(__name__)


def mount_offstage(app: App[object], screen: RequestFormScreen) -> AwaitMount:
    """Compose and mount `screen` without showing it, as `push_screen` would mount it."""
    app._load_screen_css(screen)
    return AwaitMount(screen, app._register(app, screen))


def lay_out_offstage(screen: RequestFormScreen, size: Size) -> bool:
    """Lay `screen` out at `size` if it is not yet, or if its widgets asked for it again since
    (a scrollbar shown once the fields overflowed: its column narrows every box). A screen that
    is not on top leaves those requests for when it is; pushed with one pending, its boxes
    were a column too wide until the next refresh, and a Tab typed meanwhile scrolled. Returns
    whether it laid the screen out."""
    if screen._compositor.size == size and not screen._layout_required:
        return False
    screen._layout_required = False
    screen._refresh_layout(size)
    return True


def paint_offstage(screen: RequestFormScreen) -> None:
    """Render `screen` once, for nothing: its widgets keep what they rendered."""
    screen._compositor.render_update(full=True)


class SpareForms:
    """At most one form built ahead. `schedule()` when a section shows, `typed()` on every key,
    `take(method)` when a form is to open; `enable()` once (a console on a real terminal) and
    `stop()` at the end."""

    def __init__(
        self,
        app: App[object],
        make: Callable[[str], RequestFormScreen],
        wanted: Callable[[], str | None],
        conditions: Callable[[], Hashable],
    ) -> None:
        """`make(method)` builds the form as `open_form` would with nothing filled in; `wanted()`
        names the form the screen in view opens on `n` (None: none, or not a section list);
        `conditions()` is what a spare must have been built under to be used."""
        self._app = app
        self._make = make
        self._wanted = wanted
        self._conditions = conditions
        self._spare: RequestFormScreen | None = None
        self._built_under: Hashable = None
        self._timer: Timer | None = None
        self._building = False
        # The form being built, and what it is built under: `n` pressed meanwhile takes it as
        # it is (it finishes mounting on screen, as a form pushed at once does) rather than
        # building a second one beside it.
        self._pending: RequestFormScreen | None = None
        self._pending_under: Hashable = None
        self.enabled = False
        self.failure: str = ""  # why spares are off for the session, after a build failed
        self.taken = 0  # forms opened from a spare, for tests

    @property
    def spare(self) -> RequestFormScreen | None:
        return self._spare

    def enable(self) -> None:
        self.enabled = True
        self.schedule()

    def schedule(self) -> None:
        """Build after the next pause, if the screen in view wants a form then."""
        if not self.enabled or self.failure:
            return
        if self._timer is None:
            self._timer = self._app.set_timer(PAUSE_S, self._paused, name="spare-form")
        else:
            self._timer.reset()

    def typed(self) -> None:
        """A key: the pause starts again (a build never lands between two keys typed together)."""
        if self._timer is not None:
            self._timer.reset()

    def take(self, method: str) -> RequestFormScreen | None:
        """The spare, if it is `method`'s and still what opening it now would build; it leaves
        the pool either way (the next one is built after the next pause in a section)."""
        spare, self._spare = self._spare, None
        if spare is None:
            return self._take_pending(method)
        if spare.method.name == method and self._still_good(spare, self._built_under):
            self.taken += 1
            return spare
        self._discard(spare)
        return None

    def stop(self) -> None:
        """No more spares (the console is ending): the one built goes, a build under way too."""
        self.enabled = False
        self.discard()

    def discard(self) -> None:
        """The spare goes; another is built after the next pause in a section."""
        spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(spare)
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # --- inside ----------------------------------------------------------------------------------

    def _take_pending(self, method: str) -> RequestFormScreen | None:
        pending = self._pending
        if (
            pending is None
            or pending.method.name != method
            or not self._still_good(pending, self._pending_under)
        ):
            return None  # one for another form, or out of date: it is dealt with once built
        self._pending = None
        self.taken += 1
        return pending

    def _still_good(self, spare: RequestFormScreen, built_under: Hashable) -> bool:
        return spare.is_running and self._conditions() == built_under and spare.draft.unchanged()

    def _discard(self, spare: RequestFormScreen) -> None:
        if spare.is_attached:
            spare.remove()

    def _paused(self) -> None:
        self._timer = None
        method = self._wanted()
        if method is None or self._building or not self.enabled:
            return
        spare = self._spare
        if spare is not None:
            if spare.method.name == method and self._still_good(spare, self._built_under):
                return
            self._spare = None
            self._discard(spare)
        self._building = True
        self._app.run_worker(self._build(method), name="spare-form", group="spare-form", exit_on_error=False)

    async def _settled(self, screen: RequestFormScreen) -> None:
        for _ in range(SETTLE_TURNS):
            # Resize events after a layout, and the Layout requests they make, handled.
            if screen_idle(screen) or self._pending is not screen:
                return
            await asyncio.sleep(SETTLE_POLL_S)

    async def _build(self, method: str) -> None:
        screen: RequestFormScreen | None = None
        try:
            under = self._conditions()
            screen = self._make(method)
            self._pending, self._pending_under = screen, under
            await mount_offstage(self._app, screen)
            for _ in range(LAYOUT_ROUNDS):
                if self._pending is not screen:
                    return  # taken meanwhile (`take`): it is on screen, laid out there
                size = self._app.size
                if not size.area or not lay_out_offstage(screen, size):
                    break
                await self._settled(screen)
            if self._pending is not screen:
                return
            paint_offstage(screen)
            screen.reveal_focused()
        except Exception as exc:  # a spare is an optimisation: the form still opens without one
            self.failure = f"{type(exc).__name__}: {exc}"
            log.warning("%s could not be built ahead (forms now open as built): %s", method, self.failure)
            if screen is not None and self._pending is screen:
                self._discard(screen)
            return
        finally:
            self._building = False
            if self._pending is screen:
                self._pending = None
        if not self.enabled or self._spare is not None or self._conditions() != under:
            self._discard(screen)
            return
        self._spare, self._built_under = screen, under
        log.debug("%s built ahead", method)
