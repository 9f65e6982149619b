"""Compact controls without the restyle Textual does when they are built.

`Input(compact=True)` (and Select, Button, Checkbox) sets a reactive whose class toggle restyles
the widget on the spot, before it is even mounted; mounting styles it again. A form builds
dozens of them and paid ~8% of its opening for styles thrown away. Here the flag and its class
are set quietly: the styles are computed once, as the widget mounts.
"""

from __future__ import annotations

from typing import TypeVar

from textual.reactive import Reactive
from textual.widget import Widget

COMPACT_CLASS = "-textual-compact"  # what Textual's `compact` reactive toggles (textual 8.2.8)


W = TypeVar("W", bound=Widget)


def made_compact(widget: W) -> W:
    """`widget`, compact as `compact=True` makes it, its styles left to the mount."""
    descriptor = getattr(type(widget), "compact", None)  # the class's reactive, not a value
    if not isinstance(descriptor, Reactive):
        raise TypeError(f"{type(widget).__name__} has no compact style")
    widget.set_reactive(descriptor, True)
    widget.add_class(COMPACT_CLASS, update=False)
    return widget
