"""Form specs come from the registry's request models: labels, required marks, choices, and the
product-1000 KYC rule as data."""

from __future__ import annotations

import pytest

from fpconsole.api import methods as api
from fpconsole.api.dictionaries import KYC_PRODUCT, KYC_REQUIRED_FIELDS
from fpconsole.tui.forms.rules import ConditionalRule, apply_rules
from fpconsole.tui.forms.spec import Condition, FieldSpec, GroupSpec, build_form_spec


def test_client_add_labels_required_marks_and_choices() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    names = [item.name for item in spec.fields]
    assert "request_id" not in names  # shown read-only, generated
    assert names[:3] == ["product_id", "branch_id", "client.phone"]

    product = spec.field("product_id")
    assert (product.label, product.kind, product.required) == ("Product", "choice", True)
    assert [choice.prompt for choice in product.choices] == [
        "Freedom Wallet Card (1000)",
        "Instant Card (2000)",
        "Electron Card (3000)",
    ]
    assert spec.field("client.type").choices[0].prompt == "individual (1)"
    assert [c.value for c in spec.field("client.resident").choices] == ["1", "2"]

    phone = spec.field("client.phone")
    assert (phone.label, phone.required, phone.help) == (
        "Phone",
        True,
        "With the country code, e.g. +7 701 123-45-67 or 77011234567",
    )
    assert spec.field("client.middle_name").required is False
    assert spec.field("branch_id").required is False


def test_long_code_lists_are_typed_with_suggestions_and_keep_defaults() -> None:
    country = build_form_spec(api.CLIENT_ADD).field("client.country")
    assert country.kind == "text" and "KAZ" in country.suggestions and not country.choices
    currency = build_form_spec(api.TRANSACTION_CREATE).field("currency")
    assert currency.default == "KZT"


def test_kyc_fields_show_and_are_required_only_for_product_1000() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    kyc = {f"client.{name}" for name in KYC_REQUIRED_FIELDS}
    for_1000 = {"product_id": str(KYC_PRODUCT)}
    for_2000 = {"product_id": "2000"}

    def visible(values: dict[str, str]) -> set[str]:
        return {item.name for item in spec.fields if spec.is_visible(item, values)}

    hidden_for_2000 = visible(for_1000) - visible(for_2000)
    assert {"client.country", "client.person_id", "client.document"} <= hidden_for_2000
    assert {name for name in hidden_for_2000 if name.startswith("client.address1.")} == {
        f"client.address1.{part}"
        for part in ("country", "postal_code", "address_line1", "address_line2", "address_line3")
    }
    assert all(any(name == k or name.startswith(k + ".") for k in kyc) for name in hidden_for_2000)

    for name in ("client.country", "client.person_id", "client.document", "client.address2.postal_code"):
        assert spec.is_required(spec.field(name), for_1000), name
        assert not spec.is_required(spec.field(name), for_2000), name
    address1 = spec.get_group("client.address1")
    assert address1 is not None and address1.visible_when == Condition("product_id", "1000")
    assert not address1.optional  # required when shown


def test_rules_are_data() -> None:
    items = (
        FieldSpec("kind", "Kind", "choice", True),
        FieldSpec("extra", "Extra", "text", False),
        GroupSpec("box", "Box", optional=True),
        FieldSpec("box.a", "A", "text", True),
    )
    out = apply_rules(items, (ConditionalRule("kind", "x", "", ("extra", "box")),))
    assert out[1] == FieldSpec("extra", "Extra", "text", True, visible_when=Condition("kind", "x"))
    assert out[2] == GroupSpec("box", "Box", optional=False, visible_when=Condition("kind", "x"))
    assert out[3] == items[3]  # inside the group: shown with it


def test_optional_nested_objects_are_groups() -> None:
    spec = build_form_spec(api.CLIENT_ADD)
    group = spec.get_group("client.identification_info")
    assert group is not None and group.optional
    assert spec.field("client.identification_info.idn_date").required  # within the group
    assert not spec.is_required(spec.field("client.identification_info.idn_date"), {"product_id": "2000"})
    filled = {"product_id": "2000", "client.identification_info.identified_by": "Branch 4"}
    assert spec.is_required(spec.field("client.identification_info.idn_date"), filled)


def test_lists_offer_one_item_and_hidden_shapes_are_skipped() -> None:
    limits = build_form_spec(api.LIMITS_SET)
    names = [item.name for item in limits.fields]
    assert "limits.0.transaction_type" in names and "limits.0.amount.0.value" in names
    assert [c.value for c in limits.field("limits.0.period").choices] == ["day", "month"]
    assert limits.field("limits.0.amount.0.currency").default == "KZT"
    amount = limits.get_group("limits.0.amount.0")
    assert amount is not None and amount.optional

    issue = build_form_spec(api.CARD_ISSUE)
    assert not any(item.name.startswith("cardholder") for item in issue.fields)  # x-form: False


def test_secrets_and_documents() -> None:
    pin = build_form_spec(api.CARD_SET_PIN).field("pin")
    assert pin.secret and pin.kind == "secret" and not pin.required
    document = build_form_spec(api.CLIENT_ADD).field("client.document")
    assert document.kind == "document" and "path to a PDF" in document.help


@pytest.mark.parametrize("method", list(api.REGISTRY), ids=lambda m: m.name)
def test_every_method_has_a_spec_with_unique_widget_ids(method: api.Method) -> None:
    spec = build_form_spec(method)
    ids = [item.widget_id for item in spec.items]
    assert len(ids) == len(set(ids))
    assert spec.has_request_id == method.has_request_id


def test_a_form_can_show_a_field_before_another_without_touching_the_model() -> None:
    from fpconsole.tui.forms.spec import moved_before

    spec = build_form_spec(api.TRANSACTION_REFUND)
    assert [f.name for f in spec.fields] == ["order_id", "transaction_id", "description", "amount"]
    moved = moved_before(spec, "amount", "description")
    assert [f.name for f in moved.fields] == ["order_id", "transaction_id", "amount", "description"]
    assert list(api.TRANSACTION_REFUND.request.model_fields)[-1] == "amount"  # the model keeps its order
    # Already in order, or a field the form lacks: the same spec.
    assert moved_before(moved, "amount", "description") is moved
    clearing = build_form_spec(api.TRANSACTION_CLEARING)
    assert moved_before(clearing, "amount", "description") is clearing


def test_fields_with_a_warning_know_what_it_reads() -> None:
    # api.advice warns about a resident's person_id; the form re-checks it when any of these change.
    spec = build_form_spec(api.CLIENT_ADD)
    assert spec.field("client.person_id").warn_reads == (
        "client.person_id",
        "client.resident",
        "client.country",
    )
    assert spec.field("client.birthdate").warn_reads == ("client.birthdate",)
    assert [item.name for item in spec.fields if item.warn_reads] == ["client.birthdate", "client.person_id"]
    assert all(not item.warn_reads for item in build_form_spec(api.CARD_ISSUE).fields)
