"""Which request_id a form's next ctrl+s uses, against the embedded sandbox (issue 12, item 2).

- A final `error` applied nothing: a corrected resubmit is a new request with a fresh request_id
  (the sandbox, as the API, refuses a used one with duplicate_request_id).
- An unknown outcome (a dropped connection) is never resent: ctrl+s checks request/status with
  the same request_id and sends nothing new.
In both cases the form says which it will do before anything is sent (footer, button, id line).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from form_helpers import set_fields, text_of
from snapshot_apps import SnapshotApp, make_app, wait_ready, wait_until
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from fpconsole.api.client import PollPolicy
from fpconsole.config import BUILTIN_SANDBOX_AUTH_ID as PARTNER
from fpconsole.tui.forms.screen import RequestFormScreen

pytestmark = pytest.mark.usefixtures("deterministic_console")

SIZE = (100, 30)
WAIT = 60.0  # seconds: only a hung test waits this long (a loaded 2-core CI box is slow, not wrong)


def snapshot(app: SnapshotApp) -> dict[str, Any]:
    return app.engine.snapshot(partner=PARTNER)


def ctrl_s_says(form: RequestFormScreen) -> str:
    """What the footer offers on ctrl+s right now."""
    return form.active_bindings["ctrl+s"].binding.description


def id_line(form: RequestFormScreen) -> str:
    return text_of(form.query_one("#request-id", Static))


def journal(app: SnapshotApp, method: str) -> list[tuple[str | None, str | None]]:
    """(request_id, outcome) of every journalled call of `method`, oldest first."""
    assert app.backend is not None
    entries = [e for e in app.backend.journal.entries(limit=500) if e.method == method]
    return [(e.request_id, e.outcome) for e in reversed(entries)]


async def open_form(pilot: Pilot[Any], method: str, initial: dict[str, str]) -> RequestFormScreen:
    app = pilot.app
    assert isinstance(app, SnapshotApp)
    app.open_form(method, initial)
    await wait_until(pilot, lambda: isinstance(app.screen, RequestFormScreen), timeout=WAIT)
    await pilot.pause()
    form = app.screen
    assert isinstance(form, RequestFormScreen)
    return form


async def test_a_corrected_resubmit_after_an_error_is_a_new_request_with_a_fresh_id() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        client = next(c for c in snapshot(app)["clients"] if int(c["product_id"]) == 1000)
        cards_before = len(snapshot(app)["cards"])

        # A product-2000 card for a product-1000 client: the sandbox refuses it (invalid_state).
        form = await open_form(pilot, "card.issue", {"client_id": str(client["client_id"])})
        assert ctrl_s_says(form) == "Submit"
        first_id = form.request_id
        set_fields(form, {"product_id": "2000"})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "error", timeout=WAIT)
        assert form.error_code == "invalid_state"
        assert journal(app, "card.issue") == [(first_id, "error")]

        # Before anything else is sent, the form says what ctrl+s will do: a new request.
        fresh_id = form.request_id
        assert fresh_id != first_id
        assert ctrl_s_says(form) == "Resubmit (new request)"
        assert str(form.query_one("#submit", Button).label) == "Resubmit f9"
        assert fresh_id in id_line(form) and "new request" in id_line(form)
        result = text_of(form.query_one("#result", Static))
        assert result.startswith("invalid_state: ")
        assert "Nothing was applied" in result and fresh_id[:8] in result
        # Everything typed is kept, and can be corrected at once.
        assert form.query_one("#field-client_id", Input).value == str(client["client_id"])
        product = form.query_one("#field-product_id", Select)
        assert product.value == "2000" and not product.disabled

        set_fields(form, {"product_id": "1000"})
        await pilot.pause()
        assert form.request_id == fresh_id and ctrl_s_says(form) == "Resubmit (new request)"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "success", timeout=WAIT)

        assert journal(app, "card.issue") == [(first_id, "error"), (fresh_id, "success")]
        outcome = form.outcome()
        assert outcome is not None and outcome.request_id == fresh_id
        cards = snapshot(app)["cards"]
        assert len(cards) == cards_before + 1
        assert str(form.response["cards"][0]["card_id"]) in {str(c["card_id"]) for c in cards}


async def test_an_unknown_outcome_is_checked_with_the_same_id_and_never_resent() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        backend = app.backend
        assert backend is not None
        # Polls give up after a moment (the app pins the client's clock; a real one lets the
        # tracker's bounded total run out), so the form is left with an unknown outcome.
        backend.client._monotonic = time.monotonic
        backend.client.options.poll = PollPolicy(first_delay=0.02, factor=1.0, max_delay=0.02, total=0.2)
        card = next(c for c in snapshot(app)["cards"] if c["status"] == "inactive")
        # The activation goes out, its connection drops, and request/status cannot tell.
        faults = "card.activate:drop_rate=1;request.status:error_rate=1"
        await backend.client.post_control("/sandbox/faults", {"spec": faults})

        form = await open_form(pilot, "card.activate", {"card_id": str(card["card_id"])})
        sent_id = form.request_id
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "unknown", timeout=WAIT)
        await wait_until(pilot, lambda: sent_id not in backend.following, timeout=WAIT)  # polling gave up
        await pilot.pause()

        # Before anything is sent, the form says ctrl+s asks about the same request.
        assert form.phase == "unknown" and form.request_id == sent_id
        assert ctrl_s_says(form) == "Check status (same request_id)"
        assert str(form.query_one("#submit", Button).label) == "Check status f9"
        assert sent_id in id_line(form) and "never resent" in id_line(form)
        assert journal(app, "card.activate") == [(sent_id, "unknown")]
        # The status line says what is true: nothing is polling now; ctrl+s asks again.
        await wait_until(
            pilot, lambda: "polling stopped" in text_of(form.query_one("#status", Static)), timeout=WAIT
        )

        await backend.client.post_control("/sandbox/faults", {})
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: form.phase == "success", timeout=WAIT)

        # One activation, under the one request_id: nothing new was sent.
        assert journal(app, "card.activate") == [(sent_id, "success")]
        rows = app.engine._conn.execute("SELECT request_id FROM requests WHERE method = 'card.activate'")
        assert [row[0] for row in rows] == [sent_id]
        assert (
            next(c for c in snapshot(app)["cards"] if c["card_id"] == card["card_id"])["status"] == "active"
        )
