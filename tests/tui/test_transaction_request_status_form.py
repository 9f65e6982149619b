"""The console opens "Transaction request status" (the Transactions screen's s) as the one
request/status entry under the docs' second title (page api-14318518); the answer it shows
carries the transaction_id and the fin_document_id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from form_helpers import text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from textual.widgets import Static

from fpconsole.api.methods import REGISTRY
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.screen import RequestFormScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
WAIT = 60.0  # seconds: only a hung test waits this long


def _clearing_request(app: SnapshotApp) -> tuple[str, str]:
    """(request_id, transaction_id) of a clearing sent to the sandbox behind the console."""
    snapshot = app.engine.snapshot(partner=PARTNER)
    held = next(t for t in snapshot["transactions"] if t["status"] == "success" and float(t["held"]) > 0)
    request_id = str(uuid.uuid4())
    method = REGISTRY.resolve("transaction.clearing")
    body = method.request.model_validate({"request_id": request_id, "transaction_id": held["transaction_id"]})
    app.engine.handle(method, body, partner=PARTNER)
    return request_id, str(held["transaction_id"])


async def test_transaction_request_status_form_is_request_status_under_its_own_title() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        request_id, transaction_id = _clearing_request(app)
        app.open_form("transaction.request_status", {"request_id": request_id})
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=WAIT)
        await pilot.pause()
        form: Any = app.screen
        assert form.method is REGISTRY.resolve("request.status")
        title = text_of(form.query_one("#form-title", Static))
        assert title.startswith("Transaction request status") and "request.status" in title
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "success", timeout=WAIT)
        shown = text_of(form.query_one("#result", Static))
        assert transaction_id in shown
        assert "fin_document_id" in shown and "FD-" in shown


async def test_request_status_keeps_its_own_title() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        app.open_form("request.status", {"request_id": str(uuid.uuid4())})
        await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=WAIT)
        await pilot.pause()
        assert text_of(app.screen.query_one("#form-title", Static)).startswith("Request status")
