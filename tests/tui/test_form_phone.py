"""Phone fields take a phone as people write it (`+7 701 123-45-67`), as the lists' search does,
and send digits; a bad one names the field and the form it takes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fpconsole.api import methods as api
from fpconsole.api.fields import phone_digits
from fpconsole.tui.forms.body import FormInput, check_form
from fpconsole.tui.forms.spec import build_form_spec

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
CLIENT = {
    "product_id": "2000",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


@pytest.mark.parametrize(
    "typed", ["+7 701 123-45-67", "+7 (701) 123.45.67", " 7 701 1234567 ", "77011234567", "+77011234567"]
)
def test_a_phone_written_with_spaces_dashes_and_plus_is_sent_as_digits(typed: str) -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    check = check_form(spec, FormInput({**CLIENT, "client.phone": typed}), RID)
    assert check.ok, check.errors
    assert check.body["client"]["phone"] == "77011234567"


def test_every_phone_field_of_every_form_reads_phones_alike() -> None:
    from fpconsole.api.methods import REGISTRY

    named = {
        (method.name, item.name): item.phone
        for method in REGISTRY
        for item in build_form_spec(method).fields
        if item.name.rsplit(".", 1)[-1].endswith("phone")
    }
    assert ("client.add", "client.phone") in named and ("external.cardholder_validate", "user_phone") in named
    assert all(named.values()), [where for where, phone in named.items() if not phone]


@pytest.mark.parametrize(("typed", "got"), [("+7 701 12", "got 6 digits"), ("7701abc1234", "letters")])
def test_a_bad_phone_names_the_field_and_the_form_it_takes(typed: str, got: str) -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    check = check_form(spec, FormInput({**CLIENT, "client.phone": typed}), RID)
    [error] = check.errors
    assert error.field == "client.phone"
    assert error.message.startswith("Phone: expected the country code and number")
    assert "+7 701 123-45-67" in error.message and got in error.message
    assert "no '+'" not in error.message  # the model's message would contradict what is accepted


@given(st.text(alphabet="0123456789 -+().a", max_size=24))
def test_phone_digits_only_ever_drops_decoration(text: str) -> None:
    found = phone_digits(text)
    assert found == text.strip() or (found.isdigit() and found in "".join(c for c in text if c.isdigit()))


def test_the_phone_fields_help_shows_the_forms_it_takes() -> None:
    item = build_form_spec(api.CLIENT_ADD).field("client.phone")
    assert item.help == "With the country code, e.g. +7 701 123-45-67 or 77011234567"
