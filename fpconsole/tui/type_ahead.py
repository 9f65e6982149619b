"""Keys typed faster than the console reacts still land in the text box they were meant for.

Over SSH, `/kamila` or a pasted `:card 7001234⏎` arrives in one packet. Textual hands each key,
as soon as it reads it, to the widget focused *then* — the list — and the `/` or `:` that opens
the text box is acted on only once it has bubbled back up to the app. By then the letters
behind it are on their way up too: a letter may match a binding (`a` opens Actions) or is
dropped, and the Enter, checked against a later focus chain, submits what little got through.

The app mixes this in. A key that bubbles up to it unconsumed is dealt with before bindings:
- while a screen just pushed (`:`, a form) has nothing focused yet, keys are held, in order,
  and sent again once it has;
- a printable key arriving while an Input holds the focus cannot have passed through that
  Input (it stops every printable key it sees), so it is typed into it.
Code that shows a text box within a screen focuses it at once (`Screen.set_focus`), not with
`Widget.focus()`, which would wait behind the queued keys.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input

HOLD_LIMIT = 50  # refreshes to wait for a pushed screen's focus before letting the keys go


class TypeAhead:
    """Mix into the App, before App in the bases."""

    _held_keys: list[tuple[str, str | None]]
    _hold_waits: int
    _no_focus_screen: object

    def on_key(self, event: events.Key) -> None:
        # A plain handler: @on only registers in classes that are message pumps themselves.
        assert isinstance(self, App)
        if not hasattr(self, "_held_keys"):
            self._held_keys, self._hold_waits, self._no_focus_screen = [], 0, None
        focused = self.focused
        opening = focused is None and len(self.screen_stack) > 1 and self.screen is not self._no_focus_screen
        if self._held_keys or opening:
            event.stop()
            event.prevent_default()
            if not self._held_keys:
                self._hold_waits = 0
                self.call_after_refresh(self._release_held_keys)
            self._held_keys.append((event.key, event.character))
        elif isinstance(focused, Input) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            focused.insert_text_at_cursor(event.character)

    def _release_held_keys(self) -> None:
        assert isinstance(self, App)
        if self.focused is None:
            if self._hold_waits < HOLD_LIMIT:
                self._hold_waits += 1
                self.call_after_refresh(self._release_held_keys)
                return
            # A screen with nothing to focus (help, say): stop holding keys for it.
            self._no_focus_screen = self.screen
        held, self._held_keys = self._held_keys, []
        for key, character in held:  # as if read from the terminal again, in the same order
            self.post_message(events.Key(key, character))
