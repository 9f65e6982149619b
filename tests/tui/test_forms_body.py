"""Typed text → request body and field errors; documents; the live status rules."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from fpconsole.api import methods as api
from fpconsole.api.fields import MAX_DOCUMENT_BYTES
from fpconsole.tui.forms.body import FormInput, build_body, check_form, draft_fields, locate
from fpconsole.tui.forms.document import DocumentError, resolve_document
from fpconsole.tui.forms.spec import build_form_spec
from fpconsole.tui.forms.status import LiveStatus, result_lines

RID = "828cf71d-a447-4a67-a149-c1df8bc197ca"
CLIENT = {
    "product_id": "2000",
    "client.phone": "77011234567",
    "client.type": "1",
    "client.resident": "1",
    "client.first_name": "ALIYA",
    "client.last_name": "SADYKOVA",
}


def test_valid_client_body_is_nested_and_carries_the_request_id() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    check = check_form(spec, FormInput(CLIENT), RID)
    assert check.ok, check.errors
    assert check.body["request_id"] == RID
    assert check.body["client"]["phone"] == "77011234567"
    assert "identification_info" not in check.body["client"]


def test_errors_name_the_fields_and_hidden_fields_are_not_sent() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    values = {**CLIENT, "client.phone": "12", "client.country": "KAZ"}  # country is hidden for 2000
    check = check_form(spec, FormInput(values), RID)
    assert [e.field for e in check.errors] == ["client.phone"]
    assert "country" not in check.body["client"]


def test_product_1000_reports_each_missing_kyc_field() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    check = check_form(spec, FormInput({**CLIENT, "product_id": "1000"}), RID)
    fields = {error.field for error in check.errors}
    # Required groups are created, so their fields are reported one by one.
    assert {"client.country", "client.person_id", "client.document", "client.address1.postal_code"} <= fields
    assert {locate(spec, f) for f in fields} <= {item.name for item in spec.fields}


def test_optional_groups_are_sent_only_when_filled_and_defaults_do_not_count() -> None:
    spec = build_form_spec(api.LIMITS_SET)
    values = {"object.type": "card", "object.value": "7001234", "limits.0.transaction_type": "pay"}
    values |= {"limits.0.amount.0.type": "max", "limits.0.amount.0.currency": "KZT"}
    body = build_body(spec, FormInput(values), RID).body
    assert body["limits"] == [{"transaction_type": "pay"}]
    values["limits.0.amount.0.value"] = "5000"
    body = build_body(spec, FormInput(values), RID).body
    assert body["limits"][0]["amount"] == [{"type": "max", "value": "5000", "currency": "KZT"}]
    assert check_form(spec, FormInput(values), RID).ok


def test_empty_required_list_reports_its_item_fields() -> None:
    spec = build_form_spec(api.LIMITS_SET)
    check = check_form(spec, FormInput({}), RID)
    assert {e.field for e in check.errors} >= {"object.type", "limits.0.transaction_type"}
    assert locate(spec, "limits") == "limits.0"
    assert locate(spec, "client.address1") == ""  # not on this form: form-level
    assert locate(spec, "") == ""


def test_pin_typed_twice_or_generated() -> None:
    spec = build_form_spec(api.CARD_SET_PIN)
    base = {"card_id": "7001234"}
    mismatch = check_form(spec, FormInput({**base, "pin": "1234"}, repeats={"pin": "1243"}), RID)
    assert [(e.field, e.message) for e in mismatch.errors] == [
        ("pin:repeat", "does not match the PIN typed above")
    ]
    empty = check_form(spec, FormInput(base, repeats={"pin": ""}), RID)
    assert [e.field for e in empty.errors] == ["pin"]
    generated = check_form(
        spec, FormInput({**base, "pin": "9999"}, repeats={"pin": ""}, generate={"pin"}), RID
    )
    assert generated.ok and "pin" not in generated.body
    same = check_form(spec, FormInput({**base, "pin": "1234"}, repeats={"pin": "1234"}), RID)
    assert same.ok and same.body["pin"] == "1234"


def test_drafts_never_keep_secrets() -> None:
    spec = build_form_spec(api.CARD_SET_PIN)
    data = FormInput({"card_id": "7001234", "pin": "1234"}, repeats={"pin": "1234"})
    assert draft_fields(spec, data) == {"card_id": "7001234"}


def _pdf(path: Path, size: int = 100) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + b"0" * size)
    return path


def test_document_from_a_pdf_path(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "passport.pdf")
    assert base64.b64decode(resolve_document(str(pdf))).startswith(b"%PDF-")
    encoded = base64.b64encode(pdf.read_bytes()).decode()
    assert resolve_document(encoded) == encoded  # base64 text passes through


def test_document_problems_have_clear_messages(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        resolve_document(str(tmp_path / "missing.pdf"))
    big = _pdf(tmp_path / "big.pdf", MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(DocumentError, match="limit is 2 MB"):
        resolve_document(str(big))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DocumentError, match="not a PDF"):
        resolve_document(str(text))


def test_document_error_is_placed_on_the_field(tmp_path: Path) -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    values = {**CLIENT, "product_id": "1000", "client.document": str(tmp_path / "nope.pdf")}
    errors = [e for e in check_form(spec, FormInput(values), RID).errors if e.field == "client.document"]
    assert len(errors) == 1 and "no such file" in errors[0].message


def test_live_status_never_steps_back_and_stops_the_clock() -> None:
    live = LiveStatus()
    live.start(10.0)
    assert live.advance("process", 10.5)
    assert live.advance("success", 12.0)
    assert not live.advance("process", 13.0)  # a late poll after the end
    assert live.steps == ["sent", "process", "success"]
    assert live.elapsed(99.0) == pytest.approx(2.0)
    assert live.render(99.0).plain == "sent → process → success  2.0 s"


def test_unknown_outcome_reads_plainly() -> None:
    live = LiveStatus()
    live.start(0.0)
    live.advance("unknown", 1.0)
    assert "outcome unknown — polling request/status with the same request_id" in live.render(2.0).plain
    assert not live.is_final
    live.polling = False  # the tracker gave up without an answer
    assert "polling request/status" not in live.render(3.0).plain
    assert "outcome unknown — polling stopped; ctrl+s checks request/status" in live.render(3.0).plain


def test_result_lines_pick_what_was_produced() -> None:
    response = {
        "status": "ok",
        "request_status": "success",
        "client_id": "5001",
        "cards": [{"card_id": "7001"}],
    }
    assert result_lines(response) == [("client_id", "5001"), ("card_id", "7001")]


def test_result_lines_spell_out_nested_answers() -> None:
    """transaction.info's answer: dotted keys, {key, value} pairs by their key, empty values left
    out, long values whole (the screen wraps them)."""
    long_text = "x" * 150
    response = {
        "status": "ok",
        "transaction": {
            "status": "refunded",
            "error_code": None,
            "transaction_id": "019e0000-0000-7000-8000-000000000001",
            "amount": 6000,
            "currency": "KZT",
            "note": long_text,
        },
        "additional": [
            {"key": "order_id", "value": "QA-ORD-3"},
            {"key": "rrn", "value": ""},
            {"key": "merchant", "value": {"name": "SHOP", "city": "ALMATY"}},
        ],
        "limits": [{"amount": 100, "currency": "KZT"}, {"amount": 50}],
        "tags": ["a", "b"],
        "empty": {},
    }
    assert result_lines(response) == [
        ("transaction.status", "refunded"),
        ("transaction.transaction_id", "019e0000-0000-7000-8000-000000000001"),
        ("transaction.amount", "6000"),
        ("transaction.currency", "KZT"),
        ("transaction.note", long_text),
        ("additional.order_id", "QA-ORD-3"),
        ("additional.merchant.name", "SHOP"),
        ("additional.merchant.city", "ALMATY"),
        ("limits.0.amount", "100"),
        ("limits.0.currency", "KZT"),
        ("limits.1.amount", "50"),
        ("tags.0", "a"),
        ("tags.1", "b"),
    ]


def test_result_lines_keep_what_redact_masked() -> None:
    from fpconsole.api.redaction import redact

    response = redact({"status": "ok", "card": {"card_id": "7001", "cvv": "123"}}, frozenset())
    lines = dict(result_lines(response))
    assert lines["card.card_id"] == "7001"
    assert "123" not in lines.get("card.cvv", "")
