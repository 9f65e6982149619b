"""Product 1000's residential address can be "Same as registration address": the box copies the
registration address, keeps the copy while it is edited and locks the copy's fields; unticked,
they are editable again and keep what was copied. Both addresses are sent."""

from __future__ import annotations

from form_helpers import FakeBackend, FormHost, set_fields
from textual.widgets import Checkbox, Input

from fpconsole.api import methods as api
from fpconsole.tui.forms.screen import RequestFormScreen

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
ADDRESS = {
    "country": "KAZ",
    "postal_code": "050000",
    "address_line1": "ALMATY",
    "address_line2": "ABAY AVE",
    "address_line3": "10",
}


def host() -> FormHost:
    return FormHost(
        lambda: RequestFormScreen(api.CLIENT_ADD, clock=lambda: 100.0, new_request_id=lambda: RID),
        FakeBackend(),
    )


def form(app: FormHost) -> RequestFormScreen:
    screen = app.screen
    assert isinstance(screen, RequestFormScreen)
    return screen


def residential(screen: RequestFormScreen) -> dict[str, Input]:
    return {name: screen.query_one(f"#field-client_address2_{name}", Input) for name in ADDRESS}


async def test_same_as_registration_copies_locks_and_follows() -> None:
    app = host()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = form(app)
        # Product 2000 (the default): no addresses at all (their rows are built when first shown).
        assert not any(row.display for row in screen.query("#row-same-client_address2"))
        set_fields(screen, {"product_id": "1000"})
        await pilot.pause()
        row = screen.query_one("#row-same-client_address2")
        box = screen.query_one("#same-client_address2", Checkbox)
        assert row.display and "Same as registration address" in str(box.label)

        set_fields(screen, {f"client.address1.{name}": value for name, value in ADDRESS.items()})
        await pilot.pause()
        box.value = True
        await pilot.pause()
        fields = residential(screen)
        assert {name: f.value for name, f in fields.items()} == ADDRESS
        assert all(f.disabled for f in fields.values())

        set_fields(screen, {"client.address1.address_line3": "12"})  # edited: the copy follows
        await pilot.pause()
        assert fields["address_line3"].value == "12"
        body = screen.check(screen.read_input(), RID).body
        assert body["client"]["address2"] == body["client"]["address1"]

        box.value = False
        await pilot.pause()
        assert not any(f.disabled for f in fields.values()) and fields["address_line1"].value == "ALMATY"
        set_fields(screen, {"client.address2.address_line3": "7"})
        await pilot.pause()
        assert screen.query_one("#field-client_address1_address_line3", Input).value == "12"
