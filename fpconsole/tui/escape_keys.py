"""Esc and the key typed right after it, read together, stay two keys.

A terminal sends Alt+key as ESC followed by the key, so a parser that finds ESC and another key
in one read takes them for Alt+key. That is also what arrives when an operator presses Esc and
then another key while the console is busy (closing a form, over a slow SSH link, inside tmux
with its default escape-time): both bytes wait in the terminal and come in one read. Textual
then turned Esc n into alt+n (bound to nothing: both keys lost), Esc Tab into shift+tab, Esc 1
into "¡" typed into a field.

fpconsole binds no Alt key, so an ESC followed by an ordinary key is split here, before
Textual's parser: a lone Escape, then the key. Left to the parser: the starts of escape
sequences (CSI `[`, SS3 `O`, OSC `]`, DCS `P`, APC `_`, PM `^`, ST `\\`), ESC ESC (the parser
already sends Escape for the first), ESC DEL (Alt+Backspace, "delete a word" in a field, as
macOS terminals send it), and everything inside a bracketed paste. An ESC ending a read is held
until the next read, or sent alone when nothing follows within the read loop's turn, as
Textual's own escape delay does.
"""

from __future__ import annotations

from typing import Final

ESC: Final = "\x1b"
# What may follow ESC at the start of a sequence the parser must see whole.
_SEQUENCE_STARTS: Final = frozenset("[O]P_^\\" + ESC + "\x7f")
_PASTE_START: Final = ESC + "[200~"
_PASTE_END: Final = ESC + "[201~"
_MARKER_TAIL: Final = len(_PASTE_START) - 1


class EscapeSplitter:
    """Splits each read into pieces for the parser; a piece that is exactly ESC is an Escape
    key on its own (the caller sends it as a key, not to the parser)."""

    def __init__(self) -> None:
        self._held = False  # the last read ended with an ESC not yet given out
        self._in_paste = False
        self._tail = ""  # the end of the text so far, to find a paste marker cut between reads

    def split(self, data: str) -> list[str]:
        if self._held:
            self._held = False
            data = ESC + data  # not noted with the last read: noted now, with what follows it
        pieces: list[str] = []
        start = noted = 0
        index = data.find(ESC)
        while index != -1:
            self._note_paste(data[noted:index])
            noted = index
            after = index + 1
            if after == len(data):
                if self._in_paste:
                    break
                pieces.append(data[start:index])
                self._held = True
                return [piece for piece in pieces if piece]
            if not self._in_paste and data[after] not in _SEQUENCE_STARTS:
                pieces += [data[start:index], ESC]
                start = after
            index = data.find(ESC, after)
        self._note_paste(data[noted:])
        pieces.append(data[start:])
        return [piece for piece in pieces if piece]

    def flush(self) -> list[str]:
        """Nothing more came: an ESC held from the last read is an Escape key."""
        if self._held:
            self._held = False
            return [ESC]
        return []

    def _note_paste(self, text: str) -> None:
        """Follows the bracketed-paste markers seen in the text read so far."""
        seen = self._tail + text
        start, end = seen.rfind(_PASTE_START), seen.rfind(_PASTE_END)
        if start != -1 or end != -1:
            self._in_paste = start > end
            self._tail = ""
        self._tail = seen[-_MARKER_TAIL:]
