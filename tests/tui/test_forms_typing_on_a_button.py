"""Letters typed while a form's button has the focus were dropped without a word (QA 19, finding
3: a habitual Tab out of Reason lands on Submit, and the reason typed next vanished). The form
now says where the focus is and how to go back, once per stay on the button; a key the form
binds (o, y, ...) is not taken for typing."""

from __future__ import annotations

import pytest
from snapshot_apps import make_app, press_for_form, wait_ready, wait_until
from textual.widgets import Button

pytestmark = pytest.mark.usefixtures("deterministic_console")


def said(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_typing_on_the_submit_button_says_where_the_focus_is_once() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        form = await press_for_form(pilot, "n")
        form.query_one("#submit", Button).focus()
        await pilot.pause()
        await pilot.press(*"qa test")
        await wait_until(pilot, lambda: any("shift+tab" in text for text in said(app)))
        assert len([text for text in said(app) if "shift+tab" in text]) == 1, said(app)
        assert "Submit" in next(text for text in said(app) if "shift+tab" in text)
        assert form.submissions == 0  # nothing was sent
