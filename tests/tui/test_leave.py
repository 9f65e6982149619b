"""The question on leaving a form with typed content: keys y (discard), n / Esc (back to the
form), k (keep a draft) and Enter on the focused button, which starts on "Back to the form";
the footer says each, and what Enter does as the focus moves."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import FormHost
from textual.pilot import Pilot
from textual.widgets import Button

from fpconsole.tui.forms.leave import LeaveScreen
from fpconsole.tui.widgets.key_hints import KeyHints


def host(*, can_keep: bool) -> FormHost:
    return FormHost(lambda: LeaveScreen(can_keep=can_keep), None)


async def answer(*keys: str, can_keep: bool = True) -> list[Any]:
    app = host(can_keep=can_keep)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
    return app.results


@pytest.mark.parametrize(
    ("keys", "choice"),
    [
        (("y",), "discard"),
        (("n",), "stay"),
        (("k",), "keep"),
        (("escape",), "stay"),
        (("enter",), "stay"),  # the default loses nothing
        (("tab", "enter"), "keep"),
        (("tab", "tab", "enter"), "discard"),
    ],
)
async def test_keys(keys: tuple[str, ...], choice: str) -> None:
    assert await answer(*keys) == [choice]


async def test_no_draft_to_keep_ignores_k() -> None:
    assert await answer("k", "escape", can_keep=False) == ["stay"]
    assert await answer("tab", "enter", can_keep=False) == ["discard"]


def footer_keys(app: FormHost) -> dict[str, str]:
    return {hint.key: hint.description for hint in app.screen.query_one(KeyHints).hints()}


async def wait_footer(pilot: Pilot[Any], app: FormHost, expected: dict[str, str]) -> None:
    """The footer is recomposed after a refresh: wait for it (fails after 30 s)."""
    for _ in range(3000):
        if footer_keys(app) == expected:
            return
        await pilot.pause(0.01)
    assert footer_keys(app) == expected


async def test_the_footer_says_the_keys_and_what_enter_does() -> None:
    app = host(can_keep=True)
    async with app.run_test(size=(80, 24)) as pilot:
        keys = {"y": "Discard", "n": "Back", "k": "Keep as draft", "escape": "Back"}
        await wait_footer(pilot, app, {**keys, "enter": "Back"})
        await pilot.press("tab")
        assert app.focused is app.screen.query_one("#leave-keep", Button)
        await wait_footer(pilot, app, {**keys, "enter": "Keep as draft"})
        await pilot.press("tab")
        await wait_footer(pilot, app, {**keys, "enter": "Discard"})
        hints = app.screen.query_one(KeyHints)
        assert set(hints.hints()) <= set(hints.drawn())  # all fit at 80x24
    assert app.results == []


async def test_without_a_draft_the_footer_leaves_out_k() -> None:
    app = host(can_keep=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_footer(pilot, app, {"y": "Discard", "n": "Back", "escape": "Back", "enter": "Back"})
