"""The statement while its reads are slow or fail (QA finding 5): the screen shows at once with its
top bar and says what it waits for and how to leave; a failure is said in place; the reads go out
together, and a window that ends "now" is not read a third time because the first two took a while.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from snapshot_apps import FakeClock, make_app, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import LoadingIndicator

from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.app import FpConsoleApp
from fpconsole.tui.screens.statement import StatementScreen
from fpconsole.tui.widgets.top_bar import TopBar

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
WAIT = 30.0  # only a hung test waits this long


def active_card(app: Any) -> str:
    return str(
        next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")["card_id"]
    )


async def set_faults(app: FpConsoleApp, spec: str) -> None:
    assert app.backend is not None
    await app.backend.client.post_control("/sandbox/faults", {"spec": spec} if spec else {})


async def open_statement(pilot: Pilot[Any], card_id: str) -> StatementScreen:
    app = pilot.app
    assert isinstance(app, FpConsoleApp)
    app.open_statement(card_id)
    await wait_until(pilot, lambda: isinstance(app.screen, StatementScreen))
    screen = app.screen
    assert isinstance(screen, StatementScreen)
    return screen


def heading(screen: StatementScreen) -> str:
    found = screen.query("#heading")  # none yet while the screen composes
    return str(found.first().render()) if found else ""


async def test_a_slow_statement_shows_the_screen_what_it_waits_for_and_the_way_out() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        # Long enough that the test looks while the reads are still out, on any machine.
        await set_faults(app, "card.statement:latency=60s;card.statement_extended:latency=60s")
        screen = await open_statement(pilot, card_id)
        await wait_until(pilot, lambda: "Asking" in heading(screen), timeout=WAIT)
        await pilot.pause()
        # Not Textual's whole-screen "Loading..." overlay: the bar and the heading are seen.
        assert not screen.loading and not screen.query(LoadingIndicator)
        assert screen.query_one(TopBar).region.height == 1
        said = heading(screen)
        assert f"Asking card.statement, card.statement_extended for {card_id}" in said, said
        assert "esc to go back" in said
        assert screen.statement is None and screen.fetching
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, StatementScreen))
        await set_faults(app, "")


async def test_a_failed_statement_says_why_in_place_under_the_top_bar() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        await set_faults(
            app, "card.statement:error_rate=1;card.statement_extended:error_rate=1;card.balance:error_rate=1"
        )
        screen = await open_statement(pilot, card_id)
        await wait_until(pilot, lambda: not screen.fetching, timeout=WAIT)
        await pilot.pause()
        said = heading(screen)
        assert said.startswith("Could not fetch the statement") and "injected error" in said, said
        assert screen.has_class("-failed") or screen.query_one("#heading").has_class("-failed")
        assert screen.query_one(TopBar).region.height == 1 and not screen.query(LoadingIndicator)
        await set_faults(app, "")


async def test_the_reads_go_out_together_and_a_window_ending_now_is_read_once() -> None:
    """QA saw ~9.5 s with 3 s of latency: card.statement, then card.statement_extended, then (the
    window's end, "now", being 6 s old by then) card.statement again for "after the window"."""
    clock = FakeClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        card_id = active_card(app)
        backend = app.backend
        assert backend is not None
        real_read = backend.read
        out: list[str] = []
        most_at_once = 0
        both_out = asyncio.Event()
        asked: list[str] = []

        async def read(method: Any, body: dict[str, Any]) -> Any:
            nonlocal most_at_once
            name = getattr(method, "name", str(method))
            asked.append(name)
            out.append(name)
            most_at_once = max(most_at_once, len(out))
            if len(out) >= 2:
                both_out.set()
            try:
                # Each read waits (up to a guard) for the other to go out, then takes 3 s of
                # the console's clock, as a 3 s latency would.
                if name.startswith("card.statement"):
                    await asyncio.wait_for(both_out.wait(), timeout=2.0)
                clock.advance(3)
                return await real_read(method, body)
            except TimeoutError:
                return await real_read(method, body)
            finally:
                out.remove(name)

        backend.read = read  # type: ignore[method-assign]
        screen = await open_statement(pilot, card_id)
        await wait_until(pilot, lambda: screen.statement is not None and not screen.fetching, timeout=WAIT)
        assert most_at_once >= 2, asked
        assert sorted(asked) == ["card.statement", "card.statement_extended"], asked
