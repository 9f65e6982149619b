"""The request form's answer box: a long answer (transaction.info) scrolls here rather than
pushing the buttons off the screen.

A Tab stop only while its text is taller than the box, so the arrow keys, PgUp/PgDn, Home and
End can scroll it; a short answer (an error line) is no stop at all, else Tab would land on a box
that shows nothing and swallows what is typed next (QA 19, finding 4). While it has the focus its
background changes, as the fields' slots show theirs.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class ResultBox(VerticalScroll):
    DEFAULT_CSS = """
    ResultBox:focus { background: $panel; scrollbar-color: $accent; }
    """

    def allow_focus(self) -> bool:
        # Read at each Tab (the focus chain is not cached), after the layout that sets the size.
        return self.max_scroll_y > 0
