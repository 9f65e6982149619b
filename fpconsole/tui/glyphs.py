"""What the console draws where colour or fonts fall short.

- NO_COLOR (no-color.org; Textual turns the screen monochrome): an error looks like any other
  line but for its colour, so errors carry a marker, `✗ ` (`error_marker`, `marked`).
- TERM=linux (the Linux virtual console, a jump host's local screen): its fonts hold a few
  hundred glyphs, roughly CP437 and Latin-1: light and double box drawing, half and full
  blocks, arrows, the bullet. Rounded and heavy corners, eighth blocks, ● ◌ ✕ ✗ ⚠ ⏎ and emoji
  show as a blank or a diamond. `PlainGlyphs` is a line filter over everything painted (our
  widgets' and Textual's own borders, scrollbars, tabs, toasts) that swaps them for glyphs the
  font has, one cell for one cell, so nothing moves.
"""

from __future__ import annotations

import os
from typing import Final

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

ERROR_MARK: Final = "✗ "
PLAIN_ERROR_MARK: Final = "× "  # Latin-1: in every Linux console font

# (what the font lacks, what it has instead), one cell for one cell, by kind.
PLAIN: Final[tuple[tuple[str, str], ...]] = (
    ("╭╮╰╯", "┌┐└┘"),  # rounded corners → light
    ("━┃┏┓┗┛┣┫┳┻╋╸╺╹╻╾╼", "─│┌┐└┘├┤┬┴┼──││──"),  # heavy → light
    ("┄┅┈┉╌╍┆┇┊┋╎╏", "──────││││││"),  # dashed → light
    ("▔▁▂▃▅▆▇▏▎▍▋▊▉▕", "▀▄▄▄███▌▌▌▌▌█▐"),  # eighth blocks (tall borders, scrollbars) → halves
    ("▖▗▘▝▙▛▜▟▚▞", "▄▄▀▀██████"),  # quadrants (the chart's markers) → halves and full
    ("●◌○◉◆✕✗✘✓✔⚠⏎⇥⇄▶◀⭘⬤", "*oo**xxxvv!←→↔►◄o*"),  # marks and symbols
)
_TABLE: Final = str.maketrans("".join(lacks for lacks, _ in PLAIN), "".join(has for _, has in PLAIN))


def no_color() -> bool:
    """As Textual reads it: NO_COLOR set, to anything."""
    return "NO_COLOR" in os.environ


def plain_glyphs() -> bool:
    """The Linux virtual console (TERM=linux, or a variant such as linux-16color)."""
    term = os.environ.get("TERM", "")
    return term == "linux" or term.startswith("linux-")


def error_marker() -> str:
    """What an error line starts with: `✗ ` without colour, nothing when colour says it."""
    if not no_color():
        return ""
    return PLAIN_ERROR_MARK if plain_glyphs() else ERROR_MARK


def marked(text: str) -> str:
    """An error's text with the marker (an empty line stays empty; a marked one is not marked
    twice)."""
    marker = error_marker()
    if not text or not marker or text.startswith(marker):
        return text
    return marker + text


def plain_text(text: str) -> str:
    return text.translate(_TABLE)


class PlainGlyphs(LineFilter):
    """Swap glyphs a Linux console font lacks for ones it has (see `PLAIN`)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        table = _TABLE
        return [
            Segment(text.translate(table), style, control)
            if not text.isascii()
            else Segment(text, style, control)
            for text, style, control in segments
        ]


def console_filters() -> list[LineFilter]:
    """The line filters this terminal needs besides Textual's own."""
    return [PlainGlyphs()] if plain_glyphs() else []
