"""A request whose outcome was unknown, and that request/status later says the server never got
(QA finding 6 of issue 12): "Check status" asks, and sends nothing.

The server lost the request (restarted without its database, say), so request/status answers
"no such request" for its request_id. That proves nothing was applied, so the form says the
request was not received and offers to send it again — with the SAME request_id, only on an
explicit ctrl+s after it says so. A fresh id would make a second money transaction that the API's
duplicate check could not catch if the status lookup only lagged behind. The journal's entry for
the first attempt says "failed" (not received) instead of staying `unknown` forever.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import Button, Static

from fpconsole.api.client import PollPolicy
from fpconsole.api.methods import Method
from fpconsole.api.models import ApiRequest
from fpconsole.api.names import MethodName
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.amount_guard import AmountGuardForm
from fpconsole.tui.forms.screen import RequestFormScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
WAIT = 60.0  # seconds: only a hung test waits this long


def ctrl_s_says(form: RequestFormScreen) -> str:
    return form.active_bindings["ctrl+s"].binding.description


def count_creates(app: SnapshotApp) -> list[str]:
    """The request_id of every transaction.create the sandbox is handed, in order."""
    received: list[str] = []
    handle = app.engine.handle

    def counting(method: Method, request: ApiRequest, *, partner: str) -> dict[str, Any]:
        if method.name == MethodName.TRANSACTION_CREATE:
            received.append(str(getattr(request, "request_id", "")))
        return handle(method, request, partner=partner)

    app.engine.handle = counting  # type: ignore[method-assign]
    return received


def journal(app: SnapshotApp) -> list[tuple[str | None, str]]:
    assert app.backend is not None
    entries = [e for e in app.backend.journal.entries(limit=500) if e.method == MethodName.TRANSACTION_CREATE]
    return [(e.request_id, e.outcome) for e in reversed(entries)]


async def unknown_create(pilot: Pilot[Any], creates: list[str]) -> RequestFormScreen:
    """A transaction.create form whose request was applied but whose outcome is unknown: its
    connection dropped, request/status could not tell, and polling has given up."""
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    backend = app.backend
    assert backend is not None
    # Polls give up after a moment (the app pins the client's clock), leaving the outcome unknown.
    backend.client._monotonic = time.monotonic
    backend.client.options.poll = PollPolicy(first_delay=0.02, factor=1.0, max_delay=0.02, total=0.2)
    card = next(c for c in app.engine.snapshot(partner=PARTNER)["cards"] if c["status"] == "active")
    faults = "transaction.create:drop_rate=1;request.status:error_rate=1"
    await backend.client.post_control("/sandbox/faults", {"spec": faults})

    app.open_form(MethodName.TRANSACTION_CREATE, {"card_id": str(card["card_id"])})
    await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=WAIT)
    form = app.screen
    assert isinstance(form, AmountGuardForm)
    await wait_until(pilot, lambda: form.limit_state != "fetching", timeout=WAIT)
    form.query_one("#field-order_id").focus()
    await pilot.press(*"ORD-4", "tab", "tab", "1", "4")  # order id, (card id), amount
    sent_id = form.request_id
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: form.phase == "unknown", timeout=WAIT)
    await wait_until(pilot, lambda: sent_id not in backend.following, timeout=WAIT)  # gave up
    await pilot.pause()
    assert ctrl_s_says(form) == "Check status (same request_id)"
    assert creates == [sent_id]
    assert journal(app) == [(sent_id, "unknown")]
    await backend.client.post_control("/sandbox/faults", {})
    return form


async def check_status_not_received(pilot: Pilot[Any], form: RequestFormScreen) -> None:
    """ctrl+s on "Check status" while request/status does not know the request."""
    backend = pilot.app.backend
    assert backend is not None
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: form.phase != "unknown", timeout=WAIT)
    await wait_until(pilot, lambda: form.request_id not in backend.following, timeout=WAIT)
    await pilot.pause()


async def test_check_status_on_a_request_the_server_lost_sends_nothing_then_resends_the_same_id() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        backend = app.backend
        assert backend is not None
        creates = count_creates(app)
        form = await unknown_create(pilot, creates)
        sent_id = form.request_id

        # The server comes back without its database: it no longer knows the request.
        app.engine._conn.execute("DELETE FROM requests WHERE request_id = ?", (sent_id,))
        await check_status_not_received(pilot, form)

        # Nothing was sent: the form says it was not received and what ctrl+s does next.
        assert creates == [sent_id]
        assert form.phase == "failed"
        assert form.request_id == sent_id
        assert ctrl_s_says(form) == "Send again (same request_id)"
        assert str(form.query_one("#submit", Button).label) == "Send again f9"
        id_line = text_of(form.query_one("#request-id", Static))
        assert sent_id in id_line and "not received" in id_line
        result = text_of(form.query_one("#result", Static))
        assert "same request_id" in result and sent_id[:8] in result
        # The journal's entry is settled: not received, no longer pending.
        assert journal(app) == [(sent_id, "failed")]
        assert all(entry.request_id != sent_id for entry in backend.journal.pending())

        # Only the operator's own ctrl+s sends it again, with the same request_id.
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "success", timeout=WAIT)
        assert creates == [sent_id, sent_id]
        assert form.request_id == sent_id
        assert journal(app) == [(sent_id, "failed"), (sent_id, "success")]
        outcome = form.outcome()
        assert outcome is not None and outcome.request_id == sent_id


async def test_a_send_again_refused_as_a_duplicate_follows_the_first_and_never_gets_a_fresh_id() -> None:
    """The status lookup only lagged: the server did have the request. The duplicate check
    refuses the send again, and the form asks about that request rather than offering a new one."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        backend = app.backend
        assert backend is not None
        creates = count_creates(app)
        form = await unknown_create(pilot, creates)
        sent_id = form.request_id
        transactions = len(app.engine.snapshot(partner=PARTNER)["transactions"])

        conn = app.engine._conn
        [row] = conn.execute("SELECT * FROM requests WHERE request_id = ?", (sent_id,)).fetchall()
        conn.execute("DELETE FROM requests WHERE request_id = ?", (sent_id,))
        await check_status_not_received(pilot, form)
        assert form.phase == "failed" and ctrl_s_says(form) == "Send again (same request_id)"
        # The lookup catches up: the request was there all along.
        conn.execute(f"INSERT INTO requests VALUES ({', '.join('?' * len(row))})", tuple(row))

        await pilot.press("ctrl+s")  # Send again: refused as duplicate_request_id
        await wait_until(pilot, lambda: form.phase in ("success", "error"), timeout=WAIT)
        assert form.phase == "success", text_of(form.query_one("#result", Static))
        assert creates == [sent_id, sent_id]
        assert form.request_id == sent_id
        assert len(app.engine.snapshot(partner=PARTNER)["transactions"]) == transactions  # one applied
        # The first attempt's entry ends as the request did; the refused resend is its own entry.
        assert journal(app) == [(sent_id, "success"), (sent_id, "error")]
        assert str(form.response.get("transaction_id") or "") == str(row["transaction_id"])
        outcome = form.outcome()
        assert outcome is not None and outcome.request_id == sent_id and outcome.final_status == "success"
