"""`:` with a 2,000-character paste (QA 11b): a message repeats only the start of what was typed
and says how long it was, so the toast stays a line or two instead of filling the screen."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from snapshot_apps import make_app, wait_ready, wait_until
from textual import events
from textual.widgets import Input

from fpconsole.tui.command_line import CommandLine, quoted

pytestmark = pytest.mark.usefixtures("deterministic_console")

LONGEST_MESSAGE = 200  # a toast is at most 60 cells wide: about four lines


@pytest.mark.parametrize(
    ("pasted", "names"),
    [
        ("x" * 2000, "Unknown command"),
        ("card " + "7" * 1995, ":card"),
        ("request " + "a" * 1992, ":request"),
        ("statement " + "1" * 1990, ":statement"),
        ("view " + "v" * 1995, ":view"),
        ("scenario /tmp/" + "s" * 1986, "No scenario file"),
    ],
)
async def test_a_long_paste_is_quoted_by_its_start_and_length(pasted: str, names: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandLine))
        box = app.screen.query_one(Input)
        box.post_message(events.Paste(pasted))
        await wait_until(pilot, lambda: len(box.value) == len(pasted))
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(list(app._notifications)) > 0)
        messages = [str(note.message) for note in app._notifications]
        assert len(messages) == 1, messages
        (message,) = messages
        assert names in message
        quoted_part = pasted if names == "Unknown command" else pasted.split(" ", 1)[1]
        assert f"({len(quoted_part):,} characters)" in message
        assert len(message) <= LONGEST_MESSAGE, message


def test_short_text_is_quoted_whole() -> None:
    assert quoted("7001234") == "'7001234'"


@given(st.text(min_size=0, max_size=5000))
def test_a_quote_is_short_and_says_the_length_when_cut(text: str) -> None:
    shown = quoted(text)
    assert len(shown) <= 80
    if shown != repr(text):
        assert f"({len(text):,} characters)" in shown
