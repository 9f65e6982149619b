"""The secret-key list stands once (issue 14): the API layer's redaction and the store's last
line of defence read the same keys, so a key added for one (pin_block) protects both."""

from __future__ import annotations

from fpconsole.api import redaction
from fpconsole.store import scrub


def test_the_api_layer_redacts_every_key_the_store_drops() -> None:
    body = {key: "4400431234567893" for key in scrub.SECRET_KEYS}
    redacted = redaction.redact(body)
    for key, value in redacted.items():
        assert value != "4400431234567893", key


def test_a_pin_block_is_redacted_before_it_is_shown_or_logged() -> None:
    assert redaction.redact({"pin_block": "0412AC89EF011234"}) == {"pin_block": redaction.REDACTED}


def test_the_store_drops_what_the_api_layer_redacts_and_card_numbers_too() -> None:
    assert redaction.SECRET_KEYS | redaction.PAN_KEYS == scrub.SECRET_KEYS
    assert scrub.REDACTED == redaction.REDACTED
