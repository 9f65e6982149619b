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

A blank form closed with Esc as it opened (no key but that Esc, no click or wheel reached it,
and the form itself says nothing in it changed: `RequestFormScreen.as_opened`) is kept as the
spare rather than thrown away: `n`, Esc, `n` again shows the same form at once, where building a
second one took twice a stock form's time. It is installed in the app for the pop (Textual
removes a popped screen unless it is installed), and kept under the same rules as a spare built
ahead. A form with anything of the operator's in it is removed as before: a stale form shown to
an operator is worse than a slower one.

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

from textual import events
from textual.app import App
from textual.geometry import Size
from textual.screen import Screen
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


def reaches_the_form(event: events.Event) -> bool:
    """Input that may change a form on screen: a key (but the Esc that closes it), a paste, a
    click or the wheel. The pointer only passing over it changes nothing kept. Seen as it comes
    from the terminal: the same event bubbling back to the app later (the `n` that opened the
    form, by then on top) is not input to what is on top then."""
    if event.is_forwarded:
        return False
    if isinstance(event, events.Key):
        return event.key != "escape"
    return isinstance(event, (events.Paste, events.MouseEvent)) and not isinstance(event, events.MouseMove)


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
        # The blank form on screen, and what it was opened under: closed as it opened, it is
        # kept as the spare (`closing`); any input reaching it first (`input_seen`) forgets it.
        self._lent: RequestFormScreen | None = None
        self._lent_under: Hashable = None
        self._lent_closing = False  # an Esc has come for it (see input_seen)
        self._installed: set[object] = set()  # forms kept after being closed: installed in the app
        self.enabled = False
        self.failure: str = ""  # why spares are off for the session, after a build failed
        self.taken = 0  # forms opened from a spare, for tests
        self.kept = 0  # forms closed as they opened and kept as the spare, for tests

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
        if (
            spare.method.name == method
            and self._still_good(spare, self._built_under)
            # A form kept after it closed, checked again: a key on its way to it as it closed
            # lands in it once kept (input_seen).
            and (spare not in self._installed or spare.as_opened())
        ):
            self.taken += 1
            return spare
        self._discard(spare)
        return None

    def lend(self, form: RequestFormScreen) -> None:
        """`form`, blank (a spare, or built at once with nothing filled in), is about to be shown."""
        if self.enabled and not self.failure:
            self._lent, self._lent_under, self._lent_closing = form, self._conditions(), False

    def input_seen(self, screen: object, event: events.Event) -> None:
        """An input event, the screen on top as it comes: one reaching the lent form marks it as
        the operator's (it is no longer kept when closed). Once an Esc has come for it, what
        follows is for the list it closes to: a `n` typed right behind the Esc comes while the
        form is still on top, and forgot the form the `n` was about to open again (QA 24). If
        such a key reaches the form after all, `take` finds it no longer as it opened."""
        if self._lent is None or screen is not self._lent or self._lent_closing:
            return
        if isinstance(event, events.Key) and event.key == "escape" and not event.is_forwarded:
            self._lent_closing = True
        elif reaches_the_form(event):
            self._lent = None

    def closing(self, screen: object) -> None:
        """`screen` is being popped. The lent form, closed as it opened, stays mounted as the
        spare (installed, so the pop leaves it); a kept one that was used since goes as usual."""
        lent = self._lent
        if lent is None or screen is not lent:
            if screen in self._installed:
                self._uninstall(screen)  # a kept form, used when shown again: it goes as any
            return
        self._lent = None
        if (
            self.enabled
            and not self.failure
            and self._spare is None
            and self._conditions() == self._lent_under
            and lent.as_opened()
        ):
            if lent not in self._installed:
                self._app.install_screen(lent, f"spare-form-{id(lent)}")
                self._installed.add(lent)
            lent.open_again()
            self._spare, self._built_under = lent, self._lent_under
            self.kept += 1
            log.debug("%s closed as it opened: kept", lent.method.name)
        elif lent in self._installed:
            self._uninstall(lent)  # so the pop removes it, as any closed form

    def stop(self) -> None:
        """No more spares (the console is ending): the one built goes, a build under way too."""
        self.enabled = False
        self._lent = None
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

    def _uninstall(self, screen: object) -> None:
        self._installed.discard(screen)
        if isinstance(screen, Screen) and self._app.is_screen_installed(screen):
            self._app.uninstall_screen(screen)

    def _discard(self, spare: RequestFormScreen) -> None:
        self._uninstall(spare)  # a form kept after it was closed
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
