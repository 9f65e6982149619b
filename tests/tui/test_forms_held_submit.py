"""ctrl+s in a clearing or refund form while transaction.info (what the ledger allows) is still
on its way: the key is kept, not refused (QA18 finding 3). The form says it sends once the limit
is known, then checks the amount against it and sends (or shows the limit error on Amount and
sends nothing); an edit or Esc meanwhile drops the pending send and says so; a failed read keeps
the form, not sent. Never two sends. The read is held by an event each test releases."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from form_helpers import FakeBackend, FormHost, make_result, set_fields, text_of
from textual.pilot import Pilot
from textual.widgets import Label, Static

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.api.client import CallResult
from fpconsole.api.methods import Method
from fpconsole.tui.amount_guard import CreateTransactionForm, TransactionGuardForm
from fpconsole.tui.confirm import ConfirmScreen

TX = "019e0000-0000-7000-8000-000000000001"
RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
SIZE = (100, 30)
HOLDING = "Sending once transaction.info says what the ledger allows… esc to stop."


@dataclass
class SlowReads(FakeBackend):
    """A backend whose reads wait for `read_gate`; `reads` holds each read's body."""

    read_gate: asyncio.Event = field(default_factory=asyncio.Event)
    read_answer: CallResult | Exception | None = None
    reads: list[dict[str, Any]] = field(default_factory=list)

    async def read(self, method: Method, body: dict[str, Any]) -> CallResult:
        self.reads.append(body)
        await self.read_gate.wait()
        if isinstance(self.read_answer, Exception):
            raise self.read_answer
        if self.read_answer is not None:
            return self.read_answer
        return make_result(
            api.TRANSACTION_INFO,
            body.get("request_id"),
            request_status=None,
            transaction={
                "transaction_id": body["transaction_id"],
                "status": "cleared",
                "amount": "4000",
                "held": "1000",
                "cleared": "3000",
                "refunded": "500",
                "currency": "KZT",
            },
        )


def host(backend: SlowReads, method: Method = api.TRANSACTION_CLEARING) -> FormHost:
    return FormHost(
        lambda: TransactionGuardForm(
            method,
            initial={"transaction_id": TX, "order_id": "ORD-1"},
            clock=lambda: 100.0,
            new_request_id=lambda: RID,
        ),
        backend,
    )


def form(app: FormHost) -> TransactionGuardForm:
    found = next(s for s in app.screen_stack if isinstance(s, TransactionGuardForm))
    return found


async def until(pilot: Pilot[Any], condition: Any, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await pilot.pause(0.02)


def result(screen: TransactionGuardForm) -> str:
    return text_of(screen.query_one("#result", Static))


def esc_says(screen: TransactionGuardForm) -> str:
    return screen.active_bindings["escape"].binding.description


async def held_submit(pilot: Pilot[Any], app: FormHost, amounts: dict[str, str]) -> TransactionGuardForm:
    """The form open, the read on its way, fields set, ctrl+s pressed: the send is held."""
    screen = form(app)
    await until(pilot, lambda: screen.limit_state == "fetching" and bool(app.backend.reads))  # type: ignore[union-attr]
    set_fields(screen, amounts)
    await pilot.pause()
    await pilot.press("ctrl+s")
    await until(pilot, lambda: result(screen) == HOLDING)
    return screen


async def test_ctrl_s_while_the_limit_is_read_sends_once_it_is_known() -> None:
    backend = SlowReads(answers=[make_result(api.TRANSACTION_CLEARING, RID, request_status="success")])
    app = host(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "100"})
        assert screen.phase == "editing" and backend.submitted == []
        assert esc_says(screen) == "Don't send"
        assert "Submit again" not in text_of(screen.query_one("#form-error", Static))
        await pilot.press("ctrl+s")  # a second press while held: still one send
        await pilot.pause()
        backend.read_gate.set()
        await until(pilot, lambda: screen.phase == "success")
        assert len(backend.submitted) == 1 and backend.submitted[0]["amount"] == "100"
        assert esc_says(screen) == "Close"


async def test_an_amount_over_the_limit_is_refused_on_amount_once_the_limit_is_known() -> None:
    backend = SlowReads()
    app = host(backend, api.TRANSACTION_REFUND)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "2600"})  # 2,500 is left to refund
        backend.read_gate.set()
        await until(pilot, lambda: text_of(screen.query_one("#error-amount", Label)) != "")
        await pilot.pause()
        assert text_of(screen.query_one("#error-amount", Label)) == (
            "more than the 2,500.00 KZT cleared and not yet refunded"
        )
        assert "Not sent" in text_of(screen.query_one("#form-error", Static))
        assert result(screen) == ""  # the pending note is gone: the error says why
        assert app.screen is screen and backend.submitted == [] and screen.phase == "editing"


async def test_a_refund_within_the_limit_asks_then_sends_once() -> None:
    backend = SlowReads(answers=[make_result(api.TRANSACTION_REFUND, RID, request_status="success")])
    app = host(backend, api.TRANSACTION_REFUND)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "2500"})
        backend.read_gate.set()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: screen.phase == "success")
        assert len(backend.submitted) == 1


async def test_an_edit_while_held_drops_the_pending_send_and_says_so() -> None:
    backend = SlowReads()
    app = host(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "100"})
        set_fields(screen, {"amount": "150"})
        await until(pilot, lambda: result(screen).startswith("Not sent: the form changed"))
        assert esc_says(screen) == "Cancel"
        backend.read_gate.set()
        await until(pilot, lambda: screen.limit_state == "known")
        await pilot.pause()
        assert backend.submitted == [] and screen.phase == "editing"
        assert result(screen).startswith("Not sent: the form changed")  # stays after the read


async def test_esc_while_held_stops_the_send_and_keeps_the_form() -> None:
    backend = SlowReads()
    app = host(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "100"})
        await pilot.press("escape")
        await until(pilot, lambda: result(screen).startswith("Not sent: stopped"))
        assert app.screen is screen
        backend.read_gate.set()
        await until(pilot, lambda: screen.limit_state == "known")
        await pilot.pause()
        assert backend.submitted == [] and app.screen is screen


async def test_a_failed_read_says_so_and_keeps_the_form_not_sent() -> None:
    backend = SlowReads(read_answer=errors.TimedOut("no answer from the sandbox within 30 s"))
    app = host(backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await held_submit(pilot, app, {"amount": "100"})
        backend.read_gate.set()
        await until(pilot, lambda: screen.limit_state == "unknown")
        await pilot.pause()
        said = result(screen)
        assert said.startswith("Not sent: transaction.info did not say what the ledger allows")
        assert "no answer from the sandbox within 30 s" in said and "ctrl+s sends it anyway" in said
        assert backend.submitted == [] and app.screen is screen and screen.phase == "editing"
        await pilot.press("ctrl+s")  # the operator's choice: the API checks the amount
        await until(pilot, lambda: screen.phase == "success")
        assert len(backend.submitted) == 1


async def test_a_new_transaction_waits_for_card_balance_the_same_way() -> None:
    balance = make_result(
        api.CARD_BALANCE,
        None,
        request_status=None,
        balances={"accounts": [{"currency": "KZT", "amount": "5000"}]},
    )
    backend = SlowReads(read_answer=balance)
    app = FormHost(
        lambda: CreateTransactionForm(
            api.TRANSACTION_CREATE,
            initial={"card_id": "7001234", "order_id": "ORD-1", "currency": "KZT"},
            clock=lambda: 100.0,
            new_request_id=lambda: RID,
        ),
        backend,
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CreateTransactionForm)
        await until(pilot, lambda: screen.limit_state == "fetching" and bool(backend.reads))
        set_fields(screen, {"amount": "6000"})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: (
                text_of(screen.query_one("#result", Static))
                == "Sending once card.balance says what the card has available… esc to stop."
            ),
        )
        backend.read_gate.set()
        await until(pilot, lambda: text_of(screen.query_one("#error-amount", Label)) != "")
        assert "more than the 5,000.00 KZT available" in text_of(screen.query_one("#error-amount", Label))
        assert backend.submitted == []
