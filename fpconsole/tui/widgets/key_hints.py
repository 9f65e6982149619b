"""The bottom line of every screen: the keys that work here, drawn by one widget.

Textual's Footer shows the same line as one child widget per key, and recomposes all of them
whenever the screen's bindings change, which is every focus move: Tab in a form mounted,
styled and laid out a dozen widgets again, and each key widget restyled itself once more for its
`compact` flag. Opening a screen paid for it twice. Here the line is text, rebuilt on paint:
a change of bindings repaints one line and mounts nothing.

It looks as the Footer does (the same `$footer-*` colours, the command palette's key at the
right behind a thin rule) and a click on a key presses it, as a click on the Footer's does.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.style import Style
from textual.widget import Widget

PALETTE_RULE = "▏"


@dataclass(frozen=True, slots=True)
class KeyHint:
    """One key the line offers."""

    key: str  # the key as Textual names it ("ctrl+s"): what a click presses
    display: str  # as shown ("^s")
    description: str
    enabled: bool


class KeyHints(Widget, can_focus=False):
    DEFAULT_CSS = """
    KeyHints {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    KeyHints > .key-hints--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyHints > .key-hints--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyHints > .key-hints--rule { color: $foreground 20%; }
    """
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description", "key-hints--rule"}
    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, KeyHint]] = []  # columns of each drawn key, for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()  # one line repainted; nothing mounted or laid out

    def hints(self) -> list[KeyHint]:
        """The keys shown, left to right: one per action, as the Footer shows them."""
        shown: dict[str, KeyHint] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = self._hint(binding, enabled)
        return list(shown.values())

    def palette_hint(self) -> KeyHint | None:
        """The command palette's key, kept at the right end of the line (as the Footer docks it)."""
        if not self.app.ENABLE_COMMAND_PALETTE:
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, enabled, _tooltip = found
        return self._hint(binding, enabled)

    def _hint(self, binding: Binding, enabled: bool) -> KeyHint:
        return KeyHint(binding.key, self.app.get_key_display(binding), binding.description, enabled)

    def render(self) -> Content:
        line, self._spans = self._line(self.size.width)
        return line

    def drawn(self) -> list[KeyHint]:
        """The keys that fit the line as wide as it is now, left to right (the palette's last)."""
        return [hint for _start, _end, hint in self._line(self.size.width)[1]]

    def _line(self, width: int) -> tuple[Content, list[tuple[int, int, KeyHint]]]:
        key_style = self.get_visual_style("key-hints--key")
        text_style = self.get_visual_style("key-hints--description")
        palette = self.palette_hint()
        right = (
            Content.assemble(
                (PALETTE_RULE, self.get_visual_style("key-hints--rule")),
                (palette.display, key_style),
                (f" {palette.description} ", text_style),
            )
            if palette is not None
            else Content("")
        )
        room = max(0, width - right.cell_length)
        parts: list[Content] = []
        spans: list[tuple[int, int, KeyHint]] = []
        column = 0
        for hint in self.hints():
            # As FooterKey draws one: a key alone has no padding.
            piece = self._piece(hint, key_style, text_style, column, room)
            if piece is None:
                break  # a key half drawn would be misread; the Footer scrolled it off the same way
            parts.append(piece)
            spans.append((column, column + piece.cell_length, hint))
            column += piece.cell_length
        if palette is not None and width >= right.cell_length:
            parts.append(Content(" " * (room - column)))
            spans.append((room, width, palette))
            parts.append(right)
        return Content("").join(parts), spans

    @staticmethod
    def _piece(hint: KeyHint, key_style: Style, text_style: Style, column: int, room: int) -> Content | None:
        """A key as FooterKey draws it (a key alone has no padding), or None when it does not fit;
        the space that ends a description is padding, and the last key may do without it."""
        if hint.description:
            piece = Content.assemble((f" {hint.display} ", key_style), (f"{hint.description} ", text_style))
            if column + piece.cell_length - 1 == room:
                piece = Content.assemble((f" {hint.display} ", key_style), (hint.description, text_style))
        else:
            piece = Content.styled(hint.display, key_style)
        if column + piece.cell_length > room:
            return None
        return piece if hint.enabled else piece.stylize(Style(dim=True))

    def on_click(self, event: events.Click) -> None:
        for start, end, hint in self._spans:
            if start <= event.x < end:
                if hint.enabled:
                    self.app.simulate_key(hint.key)
                else:
                    self.app.bell()
                return
