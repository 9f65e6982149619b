"""The store's own last pass over what it writes."""

from __future__ import annotations

from fpconsole.store.scrub import is_secret_field, mask_pan, safe_card_mask, scrub_json, scrub_text

PAN = "4400431234567894"


def test_scrub_text_masks_luhn_runs_only() -> None:
    assert scrub_text(f"pan {PAN}.") == "pan 440043******7894."
    assert scrub_text("4400 4312 3456 7894") == "440043******7894"
    assert scrub_text("4400-4312-3456-7894") == "440043******7894"
    assert scrub_text("order 4400431234567891") == "order 4400431234567891"  # fails Luhn: an id
    assert scrub_text("phone 77011234567") == "phone 77011234567"  # 11 digits
    assert mask_pan("1234") == "****"


def test_scrub_json_drops_secret_keys_anywhere() -> None:
    cleaned = scrub_json(
        {
            "pin": "1234",
            "list": [{"cvv": "1"}, {"Secret": None}, {"PAN": PAN}],
            "amount": 3500,
            "big": int(PAN),
            "ok": True,
            "partner_secret": "x",
        }
    )
    assert cleaned == {
        "pin": "[redacted]",
        "list": [{"cvv": "[redacted]"}, {"Secret": None}, {"PAN": "[redacted]"}],
        "amount": 3500,
        "big": "440043******7894",
        "ok": True,
        "partner_secret": "[redacted]",
    }


def test_safe_card_mask() -> None:
    assert safe_card_mask(PAN) == "440043******7894"
    assert safe_card_mask("440043******7894") == "440043******7894"
    assert safe_card_mask("4400431*****7894") == "440043******7894"
    assert safe_card_mask("**** 7894") == "****7894"
    assert safe_card_mask(None) is None and safe_card_mask("  ") is None


def test_secret_field_names() -> None:
    for name in (
        "pin",
        "pin_confirm",
        "client.document",
        "CVV",
        "cvc2",
        "secret",
        "pan",
        "card_number",
        "new_pin",
    ):
        assert is_secret_field(name), name
    for name in ("card_id", "client.phone", "description", "spin", "pan_hint_text"):
        assert not is_secret_field(name), name
