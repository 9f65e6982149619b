"""The request form, driven through a host app at 80x24 with a fake backend: inline validation,
live status, errors and what ctrl+s does next (a final error: resubmit with a fresh request_id;
not received: the same id again; unknown: poll the same id), no double submit, read-only, fit.
The same rules against the embedded sandbox: test_forms_request_id.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from form_helpers import FakeBackend, FormHost, make_result, set_fields, text_of, type_text
from textual.geometry import Region
from textual.widgets import Button, Input, Label, Static

from fpconsole.api import errors
from fpconsole.api import methods as api
from fpconsole.tui.confirm import ConfirmScreen, ConfirmSpec
from fpconsole.tui.forms.leave import LeaveScreen
from fpconsole.tui.forms.outcome import FormOutcome
from fpconsole.tui.forms.screen import RequestFormScreen
from fpconsole.tui.forms.widgets import FieldRow
from fpconsole.tui.messages import RequestUpdated

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
RID2 = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
SIZE = (80, 24)
CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


def ids(*values: str) -> Any:
    queue = list(values)
    return lambda: queue.pop(0)


def host(
    method: api.Method = api.CLIENT_ADD,
    backend: FakeBackend | None = None,
    *,
    confirm: ConfirmSpec | None = None,
    initial: dict[str, str] | None = None,
    form_key: str | None = None,
) -> FormHost:
    return FormHost(
        lambda: RequestFormScreen(
            method,
            initial=initial,
            form_key=form_key,
            confirm=confirm,
            clock=lambda: 100.0,
            new_request_id=ids(RID, RID2, "11111111-2222-4333-8444-555555555555"),
        ),
        FakeBackend() if backend is None else backend,
    )


def form(app: FormHost) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen)
    return screen


def phase(screen: RequestFormScreen) -> str:
    return screen.phase  # a plain str: the phase changes under the test's feet


async def settle(app: FormHost, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def error_text(screen: RequestFormScreen, widget_id: str) -> str:
    return text_of(screen.query_one(f"#error-{widget_id}", Label))


async def until(pilot: Any, condition: Any, timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (the validation runs once typing pauses)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await pilot.pause(0.02)


def ctrl_s_says(screen: RequestFormScreen) -> str:
    """The footer's word for ctrl+s ("" when it is not offered)."""
    found = screen.active_bindings.get("ctrl+s")
    return found.binding.description if found is not None else ""


def id_line(screen: RequestFormScreen) -> str:
    return text_of(screen.query_one("#request-id", Static))


async def test_invalid_field_shows_its_message_next_to_it_while_typing() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {**CLIENT, "client.phone": "770"})
        await type_text(pilot, "#field-client_phone", "12")
        await until(pilot, lambda: error_text(screen, "client_phone"))

        label = screen.query_one("#error-client_phone", Label)
        assert "10–15 digits" in text_of(label) and label.has_class("-shown")
        assert screen.query_one("#field-client_phone").has_class("-invalid")
        assert error_text(screen, "client_middle_name") == ""  # untouched fields stay quiet
        assert screen.read_input().values["client.first_name"] == "ALIYA"  # nothing typed is lost

        set_fields(screen, {"client.phone": "77012345678"})
        await until(pilot, lambda: error_text(screen, "client_phone") == "")


async def test_a_key_typed_into_an_invalid_field_keeps_it_marked_invalid() -> None:
    """Textual's Input re-validates itself on every change and, having no validators of its own,
    clears `-invalid`: the border went back to normal while the message under it still said the
    value was wrong. The form alone decides what is invalid."""
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {**CLIENT, "client.phone": "770"})
        field = screen.query_one("#field-client_phone", Input)
        await until(pilot, lambda: field.has_class("-invalid"))

        await type_text(pilot, "#field-client_phone", "1")

        assert field.value == "7701"
        assert field.has_class("-invalid")
        assert "10–15 digits" in error_text(screen, "client_phone")


async def test_submit_shows_every_error_and_sends_nothing() -> None:
    backend = FakeBackend()
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {"client.first_name": "Алия"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert backend.submitted == []
        assert error_text(screen, "product_id") == "is required"
        assert "Latin" in error_text(screen, "client_first_name")
        assert screen.read_input().values["client.first_name"] == "Алия"
        assert app.focused is screen.query_one("#field-product_id")


async def test_kyc_fields_appear_only_for_product_1000() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {"product_id": "2000"})
        await pilot.pause()
        # Hidden rows are built only when first shown (opening builds less).
        assert not any(row.display for row in screen.query("#row-client_country"))
        assert not any(row.display for row in screen.query("#group-client_address1"))
        set_fields(screen, {"product_id": "1000"})
        await pilot.pause()
        assert screen.query_one("#row-client_country").display
        assert screen.query_one("#row-client_country", FieldRow).label == "Country *"
        assert screen.query_one("#row-client_address2_postal_code").display


async def test_success_path_shows_live_status_and_result() -> None:
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="process")])
    app = host(backend=backend, form_key="client.add")
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        backend.drafts["client.add"] = {"client.first_name": "ALIYA"}  # saved while typing
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert backend.request_ids == [RID]
        assert backend.followed and backend.followed[0].request_id == RID
        assert phase(screen) == "process"
        status = text_of(screen.query_one("#status", Static))
        assert status.startswith("sent → process")
        assert screen.query_one("#submit", Button).disabled

        response = {"status": "ok", "request_status": "success", "client_id": "5001"}
        app.post_message(
            RequestUpdated(request_id=RID, method="client.add", outcome="success", response=response)
        )
        await pilot.pause()
        assert text_of(screen.query_one("#status", Static)) == "sent → process → success  0.0 s"
        assert "client_id  5001" in text_of(screen.query_one("#result", Static))
        assert "client.add" not in backend.drafts  # discarded on success
        assert app.focused is screen.query_one("#close", Button)

        await pilot.press("escape")
        await pilot.pause()
    outcome = app.results[-1]
    assert isinstance(outcome, FormOutcome)
    assert (outcome.request_id, outcome.final_status, outcome.response["client_id"]) == (
        RID,
        "success",
        "5001",
    )


async def test_other_requests_updates_are_ignored() -> None:
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="process")])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        app.post_message(RequestUpdated(request_id=RID2, method="client.add", outcome="success"))
        await pilot.pause()
        assert phase(screen) == "process"


async def test_api_error_keeps_data_and_resubmit_is_a_new_request() -> None:
    backend = FakeBackend(
        answers=[
            errors.ApiError("PHONE_TAKEN", "a client with this phone exists", request_id=RID),
            make_result(api.CLIENT_ADD, RID2, request_status="success", client_id="5002"),
        ]
    )
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        assert ctrl_s_says(screen) == "Submit" and id_line(screen) == f"request_id {RID} · not sent yet"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

        assert phase(screen) == "error"
        result = text_of(screen.query_one("#result", Static))
        assert result.startswith("PHONE_TAKEN: a client with this phone exists\nNothing was applied.")
        assert f"new request (request_id {RID2[:8]}…; {RID[:8]}… is not reused)" in result
        assert screen.read_input().values == {**screen.read_input().values, **CLIENT}
        # Before anything is sent again, every place says it will be a new request, and which id.
        assert screen.request_id == RID2
        assert id_line(screen) == f"request_id {RID2} · new request (last: error)"
        assert ctrl_s_says(screen) == "Resubmit (new request)"
        submit = screen.query_one("#submit", Button)
        assert submit.display and not submit.disabled and str(submit.label) == "Resubmit f9"
        assert app.focused is submit
        assert not screen.query_one("#field-client_phone").disabled  # open for correcting

        await pilot.press("enter")  # the focused Resubmit: as typed, but a new request
        await settle(app, pilot)
        assert backend.request_ids == [RID, RID2]
        assert phase(screen) == "success"
        assert "client_id  5002" in text_of(screen.query_one("#result", Static))
        outcome = screen.outcome()
        assert outcome is not None and (outcome.request_id, outcome.final_status) == (RID2, "success")


async def test_after_an_error_a_correction_is_sent_with_the_one_fresh_id() -> None:
    backend = FakeBackend(
        answers=[
            errors.ApiError("PHONE_TAKEN", "taken"),
            make_result(api.CLIENT_ADD, None, request_status="success"),
        ]
    )
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "error" and screen.request_id == RID2

        # Typing changes nothing about the id: made once, at the error, and shown.
        set_fields(screen, {"client.phone": "7701"})
        await until(pilot, lambda: error_text(screen, "client_phone"))
        assert "10–15 digits" in error_text(screen, "client_phone")  # validated as typed
        assert screen.request_id == RID2 and ctrl_s_says(screen) == "Resubmit (new request)"
        await pilot.press("ctrl+s")  # refused here: nothing sent, the fresh id stays unspent
        await pilot.pause()
        assert backend.request_ids == [RID] and phase(screen) == "error"
        assert screen.request_id == RID2 and ctrl_s_says(screen) == "Resubmit (new request)"

        set_fields(screen, {"client.phone": "77017654321"})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "success" and screen.request_id == RID2
    assert backend.request_ids == [RID, RID2]
    assert backend.submitted[1]["client"]["phone"] == "77017654321"


async def test_an_error_naming_a_field_puts_the_cursor_in_it() -> None:
    # QA: after "not_found: client_id: …" the focus sat on the Resubmit button, so BackSpace did
    # nothing and ctrl+s sent the same wrong id again as a new request.
    backend = FakeBackend(
        answers=[
            errors.ApiError("not_found", "card_id: no card 70012345"),
            make_result(api.CARD_ACTIVATE, None, request_status="success"),
        ]
    )
    app = host(api.CARD_ACTIVATE, backend, initial={"card_id": "70012345"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "error"
        assert app.focused is screen.query_one("#field-card_id", Input)
        await pilot.press("backspace")
        await pilot.pause()
        assert screen.query_one("#field-card_id", Input).value == "7001234"


async def test_an_error_naming_no_field_leaves_the_cursor_on_resubmit() -> None:
    backend = FakeBackend(answers=[errors.ApiError("invalid_state", "card is blocked")])
    app = host(api.CARD_ACTIVATE, backend, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "error"
        assert app.focused is screen.query_one("#submit", Button)


async def test_a_resubmit_after_an_error_is_confirmed_again_and_a_no_keeps_its_words() -> None:
    backend = FakeBackend(
        answers=[
            errors.ApiError("invalid_state", "card is blocked"),
            make_result(api.CARD_BLOCK, None, request_status="success"),
        ]
    )
    spec = ConfirmSpec("Block card", "stops")
    app = host(api.CARD_BLOCK, backend, confirm=spec, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {"description": "lost"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert phase(screen) == "error"

        await pilot.press("ctrl+s")  # a new request that changes state: asked again
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and phase(screen) == "error"
        assert ctrl_s_says(screen) == "Resubmit (new request)" and backend.request_ids == [RID]

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert phase(screen) == "success"
    assert backend.request_ids == [RID, RID2]


async def test_double_submit_is_prevented_while_in_flight() -> None:
    gate = asyncio.Event()
    backend = FakeBackend(gate=gate, answers=[make_result(api.CLIENT_ADD, RID, request_status="success")])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert phase(screen) == "sending"
        assert screen.query_one("#submit", Button).disabled
        await pilot.press("ctrl+s")
        await pilot.click("#submit")
        await pilot.pause()
        # (Esc now closes it and the request goes on: test_forms_no_answer.py.)
        assert len(backend.submitted) == 1 and app.screen is screen
        gate.set()
        await settle(app, pilot)
        assert phase(screen) == "success"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert len(backend.submitted) == 1


async def test_outcome_unknown_polls_with_the_same_id_and_never_resends() -> None:
    backend = FakeBackend(answers=[errors.TimedOut("no answer within 30 s", request_id=RID)])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        status = text_of(screen.query_one("#status", Static))
        assert "outcome unknown — polling request/status with the same request_id" in status
        assert backend.followed_ids == [RID]
        # Before pressing, ctrl+s says it only asks about the same request.
        assert ctrl_s_says(screen) == "Check status (same request_id)"
        assert str(screen.query_one("#submit", Button).label) == "Check status f9"
        assert id_line(screen) == f"request_id {RID} · unknown; never resent"
        assert screen.query_one("#field-client_phone").disabled  # what may have been applied stays
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(backend.submitted) == 1 and backend.followed_ids == [RID, RID]
        assert f"Checking request/status for {RID} again; nothing is resent" in text_of(
            screen.query_one("#result", Static)
        )

        app.post_message(
            RequestUpdated(
                request_id=RID,
                method="client.add",
                outcome="success",
                response={"status": "ok", "client_id": "5003"},
            )
        )
        await pilot.pause()
        assert phase(screen) == "success"


async def test_an_unknown_outcome_whose_polling_gave_up_does_not_say_polling() -> None:
    backend = FakeBackend(answers=[errors.TimedOut("no answer within 30 s", request_id=RID)])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        # The backend's tracker gave up (its bounded total ran out) without a final answer.
        app.post_message(
            RequestUpdated(
                request_id=RID,
                method="client.add",
                outcome="unknown",
                error_description="no answer from request/status",
            )
        )
        await pilot.pause()
        status = text_of(screen.query_one("#status", Static))
        assert "polling request/status" not in status, status
        assert "outcome unknown — polling stopped; ctrl+s checks request/status (same request_id)" in status
        assert ctrl_s_says(screen) == "Check status (same request_id)"

        await pilot.press("ctrl+s")  # polling again
        await pilot.pause()
        status = text_of(screen.query_one("#status", Static))
        assert "outcome unknown — polling request/status with the same request_id" in status, status
    assert len(backend.submitted) == 1


async def test_recovered_result_in_process_is_followed() -> None:
    result = make_result(api.CLIENT_ADD, RID, request_status="process", recovered=True)
    backend = FakeBackend(answers=[result])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        set_fields(form(app), CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert backend.followed == [result]


async def test_not_received_offers_retry_with_the_same_id() -> None:
    backend = FakeBackend(
        answers=[errors.CannotConnect("cannot connect to sandbox"), make_result(api.CLIENT_ADD, RID)]
    )
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "failed"
        assert "cannot connect" in text_of(screen.query_one("#result", Static))
        # Never received: the id is unspent, and ctrl+s says it sends it again.
        assert ctrl_s_says(screen) == "Send again (same request_id)"
        assert id_line(screen) == f"request_id {RID} · not received, will reuse"
        assert str(screen.query_one("#submit", Button).label) == "Send again f9"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert backend.request_ids == [RID, RID]


async def test_read_only_profile_refuses_to_send() -> None:
    backend = FakeBackend(read_only=True)
    app = host(api.CARD_ACTIVATE, backend, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        assert screen.query_one("#submit", Button).disabled
        assert "Read-only profile" in text_of(screen.query_one("#notice", Static))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert backend.submitted == []


async def test_initial_values_and_a_given_request_id() -> None:
    backend = FakeBackend()
    app = host(api.CARD_ACTIVATE, backend, initial={"card_id": "7001234", "request_id": RID2})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        assert screen.request_id == RID2
        assert RID2 in text_of(screen.query_one("#request-id", Static))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert backend.submitted == [{"card_id": "7001234", "request_id": RID2}]


async def test_confirmation_reason_is_sent_as_description() -> None:
    backend = FakeBackend()
    spec = ConfirmSpec(
        "Block card",
        "stops",
        danger=True,
        require_last4="1234",
        require_reason=True,
        card_mask="440043******1234",
    )
    app = host(api.CARD_BLOCK, backend, confirm=spec, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {"description": "lost"})
        await pilot.press("ctrl+s")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert text_of(confirm.query_one("#confirm-target", Static)) == "Card 440043******1234 (7001234)"
        await type_text(pilot, "#confirm-last4", "1234")
        confirm.query_one("#confirm-reason").value = "Lost by the holder"  # type: ignore[attr-defined]
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert app.screen is screen
    assert backend.submitted == [
        {"card_id": "7001234", "description": "Lost by the holder", "request_id": RID}
    ]


async def test_cancelled_confirmation_sends_nothing() -> None:
    backend = FakeBackend()
    app = host(
        api.CARD_SET_PIN, backend, confirm=ConfirmSpec("Set PIN", "replaced"), initial={"card_id": "7"}
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#generate-pin")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert phase(form(app)) == "editing" and backend.submitted == []


async def test_set_pin_mismatch_and_generate() -> None:
    backend = FakeBackend()
    app = host(api.CARD_SET_PIN, backend, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {"pin": "1234"})
        await type_text(pilot, "#field-pin-repeat", "12")
        await until(pilot, lambda: error_text(screen, "pin-repeat"))
        assert error_text(screen, "pin-repeat") == "does not match the PIN typed above"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert backend.submitted == []

        await pilot.click("#generate-pin")
        await pilot.pause()
        assert screen.query_one("#field-pin").disabled
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert backend.submitted == [{"card_id": "7001234", "request_id": RID}]  # no pin: generated


async def test_an_optional_secret_says_how_to_leave_it_to_the_processor() -> None:
    # The PIN's help said "leave empty to have the processor generate one" (the API's words),
    # but an empty PIN with the box unticked is refused: the form's way is the box.
    app = host(api.CARD_SET_PIN, FakeBackend(), initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        help_text = str(form(app).query_one("#help-pin", Static).render())
        assert "leave empty" not in help_text
        assert "tick" in help_text and "generate" in help_text


async def test_escape_asks_before_discarding_typed_content() -> None:
    backend = FakeBackend()
    app = host(backend=backend, form_key="client.add")
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "#field-client_first_name", "AL")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LeaveScreen)
        await pilot.press("enter")  # the focused answer is "back to the form"
        await pilot.pause()
        assert isinstance(app.screen, RequestFormScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#leave-discard")
        await pilot.pause()
        assert app.results == [None]
        assert "client.add" not in backend.drafts


async def test_escape_on_an_untouched_form_just_closes() -> None:
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_document_path_is_read_and_encoded(tmp_path: Path) -> None:
    pdf = tmp_path / "id.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"1" * 300)
    backend = FakeBackend()
    app = host(backend=backend)
    kyc = {
        "product_id": "1000",
        "client.country": "KAZ",
        "client.person_id": "920417450123",
        "client.document": str(pdf),
    }
    for n in ("1", "2"):
        kyc |= {
            f"client.address{n}.country": "KAZ",
            f"client.address{n}.postal_code": "050000",
            f"client.address{n}.address_line1": "Almaty",
            f"client.address{n}.address_line2": "Abay 10",
            f"client.address{n}.address_line3": "12",
        }
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {**CLIENT, **kyc})
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "success", text_of(screen.query_one("#form-error", Static))
    assert backend.submitted[0]["client"]["document"].startswith("JVBER")


async def test_everything_fits_at_80x24() -> None:
    backend = FakeBackend(answers=[errors.ApiError("E1", "refused")])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        whole = Region(0, 0, *SIZE)
        submit = screen.query_one("#submit", Button)
        assert submit.region.area > 0 and whole.contains_region(submit.region)
        set_fields(screen, {"product_id": "1000"})  # the longest form
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert whole.contains_region(submit.region) and submit.region.area > 0
        assert whole.contains_region(screen.query_one("#form-error").region)

        set_fields(screen, CLIENT)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        for name in ("submit", "close"):
            button = screen.query_one(f"#{name}", Button)
            assert button.region.area > 0 and whole.contains_region(button.region), name


async def test_keyboard_only_tab_order_reaches_submit() -> None:
    app = host(api.CARD_BLOCK, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        # The card is given: the form opens on what is left to type, the reason.
        assert app.focused is screen.query_one("#field-description")
        await pilot.press("shift+tab")
        assert app.focused is screen.query_one("#field-card_id")
        await pilot.press("tab", "tab")
        assert app.focused is screen.query_one("#submit")


async def test_generate_pin_shows_its_state_in_the_glyph_and_clears_the_pin() -> None:
    from textual.widgets import Checkbox, Input

    backend = FakeBackend()
    app = host(api.CARD_SET_PIN, backend, initial={"card_id": "7001234"})
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        box = screen.query_one("#generate-pin", Checkbox)
        # The state is in the character, not only its colour (16 colours, NO_COLOR).
        assert box.render().plain.startswith("[ ]")
        set_fields(screen, {"pin": "1234"})
        await type_text(pilot, "#field-pin-repeat", "1234")
        await pilot.click("#generate-pin")
        await pilot.pause()
        assert box.value and box.render().plain.startswith("[X]")
        pin, repeat = screen.query_one("#field-pin", Input), screen.query_one("#field-pin-repeat", Input)
        assert pin.disabled and repeat.disabled
        assert (pin.value, repeat.value) == ("", "")  # nothing typed stays that will not be sent
        await pilot.click("#generate-pin")
        await pilot.pause()
        assert not box.value and box.render().plain.startswith("[ ]")
        assert not pin.disabled and not repeat.disabled


async def test_header_and_footer_follow_the_request_once_it_is_sent() -> None:
    backend = FakeBackend(answers=[make_result(api.CLIENT_ADD, RID, request_status="process")])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)

        def header() -> str:
            return text_of(screen.query_one("#request-id", Static))

        def esc() -> str:
            return screen.active_bindings["escape"].binding.description

        assert esc() == "Cancel"
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert header() == f"request_id {RID} · process"
        assert esc() == "Close"  # it went out: nothing is left to cancel

        response = {"status": "ok", "request_status": "success", "client_id": "5001"}
        app.post_message(
            RequestUpdated(request_id=RID, method="client.add", outcome="success", response=response)
        )
        await pilot.pause()
        assert header() == f"request_id {RID} · success"
        assert esc() == "Close"
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.results[-1], FormOutcome)


async def test_header_says_an_error_and_esc_still_asks_before_discarding() -> None:
    backend = FakeBackend(answers=[errors.ApiError("PHONE_TAKEN", "taken")])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert id_line(screen) == f"request_id {RID2} · new request (last: error)"
        assert screen.active_bindings["escape"].binding.description == "Close"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LeaveScreen)  # typed fields are not thrown away unasked


async def test_an_outcome_the_app_hears_before_the_form_reads_its_own_answer_is_not_lost() -> None:
    """The submit starts the app's polling before the form handles the `process` answer (so a
    closed form's request is still followed). A poll that says success at once (a sandbox that
    settles fast, a loaded machine) reached the form while it was still 'sending' and was dropped:
    the form then showed `process` for good (.ci/run: test_forms_request_id timed out at 60 s)."""
    answer = make_result(api.CLIENT_ADD, RID, request_status="process")
    response = {"status": "ok", "request_status": "success", "client_id": "5001"}

    class SettlesAtOnce(FakeBackend):
        def follow(self, result: Any) -> None:
            super().follow(result)
            app.news.publish(
                RequestUpdated(
                    request_id=result.request_id, method="client.add", outcome="success", response=response
                )
            )

    backend = SettlesAtOnce(answers=[answer])
    app = host(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, CLIENT)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert phase(screen) == "success"
        assert text_of(screen.query_one("#status", Static)).startswith("sent → process → success")
        assert "client_id  5001" in text_of(screen.query_one("#result", Static))


async def test_the_first_fields_row_is_marked_with_the_focus_not_a_paint_later() -> None:
    """Marked on the focus event, the row's label turned bold one paint after the form's first:
    a second write of the row for every form opened (SSH)."""
    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        await pilot.pause()
        row = screen.query_one("#row-product_id", FieldRow)
        row.remove_class("-current")

        screen._focus_first()  # what on_mount does, before the screen is first painted

        assert row.has_class("-current")
        assert len(screen.query(".field-row.-current")) == 1


async def test_an_invalid_fields_text_is_red_not_only_its_tint() -> None:
    """The red tint alone maps to grey at 256 colours: the text says it too."""
    from textual.color import Color

    app = host()
    async with app.run_test(size=SIZE) as pilot:
        screen = form(app)
        set_fields(screen, {**CLIENT, "client.phone": "770"})
        await type_text(pilot, "#field-client_phone", "12")
        phone = screen.query_one("#field-client_phone", Input)
        await until(pilot, lambda: phone.has_class("-invalid"))
        await pilot.pause()
        assert phone.styles.color == Color.parse(app.get_css_variables()["text-error"])
