"""A state change whose answer does not come (a timeout fault, QA18 finding 6): after a few
seconds the form says what is going on (no answer yet, the client's read timeout, then
request/status with the same request_id, never a resend); when the client gives up waiting the
timeline shows the unknown step and the polling, then the answer; and Esc says what it does
while the request is out: a state change goes on after the form closes (and is followed), a
read is cancelled. The clock is the test's; the answer is held by an event the test releases."""

from __future__ import annotations

import asyncio
from typing import Any

from form_helpers import FakeBackend, FormHost, make_result, text_of
from textual.pilot import Pilot
from textual.widgets import Button, Static

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.api.client import CallResult
from fpconsole.api.methods import Method
from fpconsole.tui.forms.outcome import FormOutcome
from fpconsole.tui.forms.screen import RequestFormScreen

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
SIZE = (100, 30)
BLOCK = {"card_id": "7001234", "description": "lost"}
TIMED_OUT = "no answer from http://card-api.test within 30 s"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def host(backend: FakeBackend, clock: Clock, method: Method = api.CARD_BLOCK) -> FormHost:
    initial = BLOCK if method is api.CARD_BLOCK else {"card_id": "7001234"}
    return FormHost(
        lambda: RequestFormScreen(method, initial=initial, clock=clock, new_request_id=lambda: RID),
        backend,
    )


async def until(pilot: Pilot[Any], condition: Any, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await pilot.pause(0.02)


def text(screen: RequestFormScreen, selector: str) -> str:
    return text_of(screen.query_one(selector, Static))


def esc_says(screen: RequestFormScreen) -> str:
    return screen.active_bindings["escape"].binding.description


async def sent(pilot: Pilot[Any], app: FormHost) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: screen.phase == "sending" and bool(app.backend.submitted))  # type: ignore[union-attr]
    return screen


async def test_a_quiet_wait_says_what_happens_next() -> None:
    clock, backend = Clock(), FakeBackend(gate=asyncio.Event())
    app = host(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sent(pilot, app)
        assert text(screen, "#result") == ""  # a moment without an answer is nothing to explain
        clock.now += screen.QUIET_AFTER + 1
        await until(pilot, lambda: text(screen, "#result").startswith("No answer yet"))
        said = text(screen, "#result")
        assert "30 s" in said and "read timeout" in said
        assert "request/status" in said and "same request_id" in said and "never sent again" in said
        assert "esc closes this form" in said and "goes on" in said
        backend.gate.set()  # type: ignore[union-attr]
        await until(pilot, lambda: screen.phase == "success")
        assert not text(screen, "#result").startswith("No answer yet")


async def test_the_timeout_shows_as_unknown_then_polling_then_the_answer() -> None:
    clock = Clock()
    recovered = make_result(api.CARD_BLOCK, RID, request_status="success", recovered=True)
    backend = FakeBackend(gate=asyncio.Event(), answers=[recovered])
    app = host(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sent(pilot, app)
        clock.now += 35
        assert backend.on_unknown is not None
        backend.on_unknown(errors.TimedOut(TIMED_OUT))  # the client gives up waiting
        await until(pilot, lambda: "outcome unknown" in text(screen, "#status"))
        assert text(screen, "#status").startswith(
            "sent → outcome unknown — polling request/status with the same request_id"
        )
        said = text(screen, "#result")
        assert TIMED_OUT in said and "may have been applied" in said and "nothing is resent" in said
        assert screen.phase == "sending" and screen.query_one("#submit", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        backend.gate.set()  # type: ignore[union-attr]
        await until(pilot, lambda: screen.phase == "success")
        status = text(screen, "#status")
        assert "sent → outcome unknown" in status and "→ success" in status
        assert len(backend.submitted) == 1 and backend.followed_ids == []  # the client asked itself


async def test_esc_on_a_sent_state_change_says_close_and_the_request_goes_on() -> None:
    clock = Clock()
    answer = make_result(api.CARD_BLOCK, RID, request_status="process")
    backend = FakeBackend(gate=asyncio.Event(), answers=[answer])
    app = host(backend, clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sent(pilot, app)
        assert esc_says(screen) == "Close (the request goes on)"
        assert not screen.query_one("#cancel", Button).display
        close = screen.query_one("#close", Button)
        assert close.display and "goes on" in str(close.label)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        outcome = app.results[-1]
        assert isinstance(outcome, FormOutcome) and outcome.final_status == "sent"
        assert outcome.request_id == RID
        backend.gate.set()  # type: ignore[union-attr]
        await until(pilot, lambda: bool(backend.followed))  # answered `process`: still followed
        assert backend.followed == [answer] and len(backend.submitted) == 1


async def test_a_state_change_closed_while_sent_is_polled_when_its_outcome_is_unknown() -> None:
    backend = FakeBackend(gate=asyncio.Event(), answers=[errors.TimedOut(TIMED_OUT, request_id=RID)])
    app = host(backend, Clock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await sent(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        backend.gate.set()  # type: ignore[union-attr]
        await until(pilot, lambda: backend.followed_ids == [RID])


async def test_esc_on_a_read_being_sent_cancels_it() -> None:
    answered: list[str] = []

    def answer(method: Method, body: dict[str, Any]) -> CallResult:
        answered.append(method.name)
        return make_result(method, None, request_status=None)

    backend = FakeBackend(gate=asyncio.Event(), answers=[answer])
    app = host(backend, Clock(), api.CARD_INFO)
    async with app.run_test(size=SIZE) as pilot:
        screen = await sent(pilot, app)
        assert esc_says(screen) == "Cancel"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        backend.gate.set()  # type: ignore[union-attr]
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert answered == []  # the read was cancelled with the form
