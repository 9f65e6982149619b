"""Every Tab stop of a request form is something the operator can see has the focus: a control
inside the screen, or the answer box while its text is taller than the box (then the arrow keys
scroll it, and it shows that it has the focus). QA 19 finding 4: after an error, Tab went
Resubmit → Close → Product → Client id → (nothing visibly focused) → Resubmit, and keys typed
at that stop went nowhere visible."""

from __future__ import annotations

from typing import Any

from form_helpers import FakeBackend, FormHost
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen

SIZE = (80, 24)
ISSUE = {"product_id": "3000", "client_id": "5001"}
REFUSED = errors.ApiError("invalid_state", "client 5001 belongs to product 1000", request_id=None)
LONG = "\n".join(f"line {number}: a long answer" for number in range(1, 61))


def host(answer: Exception) -> FormHost:
    return FormHost(lambda: RequestFormScreen(api.CARD_ISSUE, initial=ISSUE), FakeBackend(answers=[answer]))


def form(app: FormHost) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen)
    return screen


async def send_and_settle(app: FormHost, pilot: Any) -> RequestFormScreen:
    screen = form(app)
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
    assert screen.phase == "error"
    return screen


async def tab_stops(app: FormHost, pilot: Any) -> list[Widget]:
    """The widgets Tab visits, once round, starting from the focused one."""
    first = app.focused
    assert first is not None
    stops = [first]
    for _ in range(40):
        await pilot.press("tab")
        await pilot.pause()
        focused = app.focused
        assert focused is not None, f"Tab after {stops[-1]!r} focused nothing"
        if focused is first:
            return stops
        stops.append(focused)
    raise AssertionError(f"Tab never came back to {first!r}: {stops}")


def assert_visibly_focusable(widget: Widget) -> None:
    whole = Region(0, 0, *SIZE)
    assert widget.display and widget.visible, widget
    assert widget.region.area > 0 and whole.contains_region(widget.region), widget
    if isinstance(widget, VerticalScroll):
        # A box that takes keys only to scroll: a stop only while there is something to scroll.
        assert widget.max_scroll_y > 0, f"{widget!r} is a Tab stop with nothing to scroll"


async def test_after_a_refusal_every_tab_stop_is_a_visible_control() -> None:
    app = host(REFUSED)
    async with app.run_test(size=SIZE) as pilot:
        screen = await send_and_settle(app, pilot)
        assert "belongs to product 1000" in str(screen.query_one("#result").render())
        stops = await tab_stops(app, pilot)
        for widget in stops:
            assert_visibly_focusable(widget)
        assert screen.query_one("#result-box") not in stops
        assert screen.query_one("#submit", Button) in stops and screen.query_one("#close", Button) in stops


async def test_a_long_answer_is_a_tab_stop_that_shows_its_focus_and_scrolls_by_keys() -> None:
    app = host(errors.ApiError("invalid_state", LONG, request_id=None))
    async with app.run_test(size=SIZE) as pilot:
        screen = await send_and_settle(app, pilot)
        box = screen.query_one("#result-box", VerticalScroll)
        assert box.max_scroll_y > 0  # 60 lines do not fit: the box scrolls
        unfocused = box.styles.background
        stops = await tab_stops(app, pilot)
        assert box in stops
        for widget in stops:
            assert_visibly_focusable(widget)

        box.focus()
        await pilot.pause()
        assert app.focused is box
        assert box.styles.background != unfocused  # the box shows that it has the focus
        await pilot.press("down", "down")
        await pilot.pause()
        assert box.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
