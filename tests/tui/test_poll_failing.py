"""A server gone down while the console follows a request in process: the failed polls break
the link in the top bar at once (it said '● 1 in process' until some other call failed), and the
first answer after it heals."""

from __future__ import annotations

from snapshot_apps import make_app, wait_ready, wait_until

from fpconsole.tui.backend import PollFailing


async def test_a_refused_poll_shows_the_link_broken_until_an_answer_heals_it() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert app.connection.connected
        app.post_message(PollFailing("CannotConnect", "cannot connect to 127.0.0.1:9: [Errno 111] refused"))
        await wait_until(pilot, lambda: app.connection.broken)
        assert "cannot connect" in app.connection.bar_text(1)
        # A read that is answered proves the link again.
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.connection.connected, timeout=30)


async def test_a_slow_poll_says_nothing_about_the_link() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        app.post_message(PollFailing("TimedOut", "no answer within 30 s"))
        await pilot.pause()
        assert app.connection.connected
