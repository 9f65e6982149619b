"""Changes that stay inside their own widget's box: repainted, without laying the screen out again.

A layout walks every widget on the screen: ~6 ms of CPU for a form of 60 widgets, against ~1 ms
to repaint one field. Textual asks for one on each character typed into an Input (its scrollable
width grows with the text, and `virtual_size` is a layout reactive), and on every `Static.update`
(the new text might need more lines). Over SSH on a busy jump host that doubled what a key cost
in a form (bench/typing_latency.py). Here those changes lay the screen out only when a size
really changes.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Input, Static


class InPlaceInput(Input):
    """An Input whose typing repaints the field, not the screen: its width never depends on its
    text here (`width: auto` is not used for one), so the scrollable width that grows with the
    text is set without the layout Textual's own setter asks for."""

    def _watch_value(self, value: str) -> None:
        if not self.styles.auto_dimensions:
            # Textual's watcher (8.2.8) sets this same size as a layout reactive; set quietly
            # first, its assignment is then no change and asks for nothing.
            self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


def update_in_place(label: Static, content: VisualType) -> None:
    """`label.update(content)`, laying the screen out only when the new text may take another
    size: another number of lines, a width that follows the text (`width: auto`; no width rule
    fills the parent whatever the text), or a label not on screen (its size then says nothing)."""
    label.update(content, layout=False)
    width, rule = label.content_size.width, label.styles.width
    if not label.display or not width or (rule is not None and rule.is_auto):
        label.refresh(layout=True)
        return
    height = label.styles.height
    if height is not None and not height.is_auto:
        return  # a set height: the text is cut or scrolled to it, the box stays
    needed = label.get_content_height(label.content_size, label.content_size, width)
    if needed != label.content_size.height:
        label.refresh(layout=True)
