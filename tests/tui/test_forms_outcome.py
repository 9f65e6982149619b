"""A form reads its answer through the one outcome rule (fpconsole/api/outcome.py)."""

from __future__ import annotations

from form_helpers import FakeBackend, FormHost, make_result, set_fields, text_of
from textual.widgets import Static

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


async def test_an_answer_with_a_request_status_the_api_does_not_use_is_polled_not_resubmitted() -> None:
    # It said ok but not whether it was applied: an error here would have offered a resubmit with
    # a fresh request_id, so the same client could have been added twice.
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="queued")])
    app = FormHost(
        lambda: RequestFormScreen(api.CLIENT_ADD, clock=lambda: 100.0, new_request_id=lambda: RID), backend
    )
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        set_fields(form, CLIENT)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert form.phase == "unknown"
        assert form.request_id == RID  # never a fresh id: it may have been applied
        assert backend.followed_ids == [RID]  # polled on request/status with the same id
        assert "queued" in text_of(form.query_one("#result", Static))
        assert form.active_bindings["ctrl+s"].binding.description.startswith("Check status")
