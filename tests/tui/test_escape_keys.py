"""Esc and the key after it, read together, stay two keys (fpconsole/tui/escape_keys.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual._xterm_parser import XTermParser

from fpconsole.tui.escape_keys import ESC, EscapeSplitter


def keys_from(*reads: str) -> list[str]:
    """The keys the console gets for these reads, as its input loop passes them on."""
    parser, splitter, keys = XTermParser(), EscapeSplitter(), []
    for data in (*reads, None):
        pieces = splitter.flush() if data is None else splitter.split(data)
        for piece in pieces:
            if piece == ESC:
                keys.append("escape")
                continue
            keys += [event.key for event in parser.feed(piece) if isinstance(event, events.Key)]
    keys += [event.key for event in parser.feed("") if isinstance(event, events.Key)]
    return keys


def test_escape_then_a_letter_in_one_read_is_escape_then_the_letter() -> None:
    assert keys_from("\x1bn") == ["escape", "n"]
    assert keys_from("\x1b:card") == ["escape", "colon", "c", "a", "r", "d"]


def test_escape_then_tab_is_not_shift_tab_and_escape_then_a_digit_types_no_accent() -> None:
    assert keys_from("\x1b\t") == ["escape", "tab"]
    assert keys_from("\x1b1") == ["escape", "1"]
    assert keys_from("\x1b\r") == ["escape", "enter"]


def test_an_escape_ending_one_read_is_joined_with_what_the_next_read_brings() -> None:
    assert keys_from("ab\x1b", "n") == ["a", "b", "escape", "n"]
    assert keys_from("\x1b", "[A") == ["up"]  # an arrow key cut between two reads
    assert keys_from("\x1b") == ["escape"]  # and alone when nothing follows


def test_escape_sequences_reach_the_parser_whole() -> None:
    assert keys_from("\x1bOR", "\x1b[A\x1b[B", "\x1b[Z") == ["f3", "up", "down", "shift+tab"]
    assert keys_from("\x1b\x1b") == ["escape", "escape"]
    assert keys_from("\x1b\x7f") == ["ctrl+w"]  # Alt+Backspace: delete a word, as before


def test_a_bracketed_paste_keeps_its_escapes_even_cut_between_reads() -> None:
    splitter = EscapeSplitter()
    assert splitter.split("\x1b[20") == ["\x1b[20"]
    assert splitter.split("0~a\x1bnb") == ["0~a\x1bnb"]
    assert splitter.split("\x1b[201~\x1bn") == ["\x1b[201~", ESC, "n"]


@given(st.lists(st.text(alphabet="ab\x1b[O~\t\x7f0123456789", max_size=12), max_size=6))
def test_nothing_read_is_lost_or_added(reads: list[str]) -> None:
    splitter = EscapeSplitter()
    pieces = [piece for data in reads for piece in splitter.split(data)] + splitter.flush()
    assert "".join(pieces) == "".join(reads)
