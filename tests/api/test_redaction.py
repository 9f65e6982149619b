"""No event, curl line or repr ever holds a full PAN, CVV, PIN, identity document or the partner
secret. Events are serialised whole (repr and JSON) and searched, so a new event field cannot
slip past."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fpconsole.api import errors
from fpconsole.api.client import CardApiClient
from fpconsole.api.curl import to_curl
from fpconsole.api.events import ClientEvent, RequestSent, ResponseReceived, StatusChanged
from fpconsole.api.redaction import (
    REDACTED,
    document_size,
    luhn_ok,
    mask_pan,
    redact,
    redact_json_text,
    scrub_text,
)

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
PAN = "4400430000001237"  # Luhn-valid
MASKED_PAN = "440043******1237"
CVV = "739"
EXPIRY = "09/29"
PIN_BLOCK = "q3Jx0v9mW0b8k3YtZx3z1Q=="
DOCUMENT_BYTES = b"%PDF-1.4\n" + b"scan of a passport, " * 200
DOCUMENT = base64.b64encode(DOCUMENT_BYTES).decode()


def record(client: CardApiClient) -> list[ClientEvent]:
    events: list[ClientEvent] = []
    client.subscribe(events.append)
    return events


def dump(events: list[ClientEvent]) -> str:
    """Every event as repr and as JSON: what a journal, log or screen could ever get."""
    parts = [repr(e) for e in events]
    parts += [json.dumps(dataclasses.asdict(e), default=str) for e in events]
    return "\n".join(parts)


def assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked"


async def test_set_pin_events_never_hold_the_pin_or_the_secret(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/set_pin", kit.ok("process"))
    fake_api.on("request/status", kit.ok("success"))
    client = make_client(read_retries=0)
    events = record(client)
    result = await client.call("card.set_pin", {"request_id": RID, "card_id": "7001234", "pin": PIN_BLOCK})
    await client.wait(result)
    assert fake_api.seen[0].json["pin"] == PIN_BLOCK  # the server does get it
    assert [type(e) for e in events] == [RequestSent, ResponseReceived, StatusChanged]
    sent = events[0]
    assert isinstance(sent, RequestSent) and sent.request["pin"] == REDACTED
    assert_clean(dump(events), PIN_BLOCK, kit.SECRET)


async def test_secret_data_events_mask_the_pan_and_hide_cvv_and_expiry(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/secret_data", kit.ok(data={"pan": PAN, "cvv": CVV, "expiry": EXPIRY}))
    client = make_client()
    events = record(client)
    result = await client.call("card.secret_data", {"card_id": "7001234"})
    assert result.raw["data"]["pan"] == PAN  # the caller asked for it and gets it
    answered = events[-1]
    assert isinstance(answered, ResponseReceived)
    assert answered.response["data"] == {"pan": MASKED_PAN, "cvv": REDACTED, "expiry": REDACTED}
    text = dump(events)
    assert_clean(text, PAN, f'"{CVV}"', f"'{CVV}'", EXPIRY, kit.SECRET)
    assert MASKED_PAN in text


async def test_client_add_events_show_only_the_documents_size(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("client/add", kit.ok("process"))
    client = make_client()
    events = record(client)
    body = {
        "product_id": 2000,
        "client": {
            "phone": 77011234567,
            "type": 1,
            "resident": 1,
            "first_name": "ALIYA",
            "last_name": "SERIKOVA",
            "document": DOCUMENT,
        },
    }
    await client.call("client.add", body)
    sent = events[0]
    assert isinstance(sent, RequestSent)
    assert sent.request["client"]["document"] == f"<document: {len(DOCUMENT_BYTES)} bytes>"
    text = dump(events)
    assert_clean(text, DOCUMENT[:40], DOCUMENT[-40:], "passport", kit.SECRET)


async def test_pan_in_free_text_of_an_answer_is_masked_everywhere(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    # An error description quoting a card number: masked in the redacted body AND in the
    # event's own error_description field.
    fake_api.on("card/info", kit.api_error("not_found", f"card {PAN} is unknown"))
    client = make_client()
    events = record(client)
    with pytest.raises(Exception, match="not_found"):
        await client.call("card.info", {"card_id": "7001234"})
    answered = events[-1]
    assert isinstance(answered, ResponseReceived)
    assert answered.error_description == f"card {MASKED_PAN} is unknown"
    assert answered.response["error_description"] == f"card {MASKED_PAN} is unknown"
    assert_clean(dump(events), PAN)


async def test_pan_in_a_status_change_error_is_masked(make_client: Any, fake_api: Any, kit: Any) -> None:
    fake_api.on(
        "request/status",
        kit.ok("error", error_code="declined", error_description=f"{PAN} declined", note=f"pan {PAN}"),
    )
    client = make_client(read_retries=0)
    events = record(client)
    statuses = [s async for s in client.track(RID, initial="process")]
    assert statuses[-1].request_status == "error"
    change = events[-1]
    assert isinstance(change, StatusChanged)
    assert change.error_description == f"{MASKED_PAN} declined"
    assert change.response["note"] == f"pan {MASKED_PAN}"
    assert_clean(dump(events), PAN)


async def test_pan_in_a_transport_error_message_is_masked(make_client: Any, fake_api: Any) -> None:
    fake_api.on("card/info", httpx.Response(500, text=f"crash while reading {PAN}"))
    client = make_client(read_retries=0)
    events = record(client)
    with pytest.raises(Exception, match="HTTP 500"):
        await client.call("card.info", {"card_id": "7001234"})
    assert MASKED_PAN in dump(events)
    assert_clean(dump(events), PAN)


async def test_a_luhn_valid_card_id_is_masked_in_request_events(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    fake_api.on("card/info", kit.ok(card={"card_id": PAN}))
    client = make_client()
    events = record(client)
    await client.call("card.info", {"card_id": PAN})
    sent = events[0]
    assert isinstance(sent, RequestSent)
    assert sent.target_ids == {"card_id": MASKED_PAN}
    assert_clean(dump(events), PAN)


def test_repr_of_the_client_has_no_secret(make_client: Any, kit: Any) -> None:
    client = make_client()
    assert kit.SECRET not in repr(client)
    assert kit.SECRET not in str(client)
    assert kit.AUTH_ID in repr(client)


def test_curl_never_contains_the_secret(make_client: Any, kit: Any) -> None:
    client = make_client()
    line = to_curl(client.prepare("card.block", {"card_id": "7001234", "description": "lost"}))
    assert kit.SECRET not in line
    assert not line.startswith("#")


def test_curl_for_set_pin_hides_the_pin_and_is_marked_not_runnable(make_client: Any, kit: Any) -> None:
    client = make_client()
    prepared = client.prepare("card.set_pin", {"card_id": "7001234", "pin": PIN_BLOCK})
    assert PIN_BLOCK.encode() in prepared.body
    line = to_curl(prepared)
    assert_clean(line, PIN_BLOCK, kit.SECRET)
    assert line.startswith("# not runnable: pin redacted")
    assert REDACTED in line


def test_curl_for_set_pin_without_a_pin_is_runnable(make_client: Any) -> None:
    line = to_curl(make_client().prepare("card.set_pin", {"card_id": "7001234"}))
    assert not line.startswith("#") and REDACTED not in line


async def test_error_messages_are_clean_for_a_log_line(make_client: Any, fake_api: Any, kit: Any) -> None:
    # What a caller's `log.exception(...)` would write: str() and repr() of the error.
    fake_api.on("card/info", kit.api_error("not_found", f"no card {PAN}"))
    client = make_client(read_retries=0)
    with pytest.raises(errors.ApiError) as api_error:
        await client.call("card.info", {"card_id": "7001234"})
    assert api_error.value.error_description == f"no card {PAN}"  # the raw field is kept
    fake_api.on(
        "card/secret_data", httpx.Response(500, json={"data": {"pan": PAN, "cvv": CVV, "expiry": EXPIRY}})
    )
    with pytest.raises(errors.HttpStatusError) as http_error:
        await client.call("card.secret_data", {"card_id": "7001234"})
    for caught in (api_error.value, http_error.value):
        text = f"{caught} {caught!r} {caught.message}"
        assert_clean(text, PAN, f'"{CVV}"', EXPIRY)
    assert MASKED_PAN in str(api_error.value) and MASKED_PAN in str(http_error.value)


async def test_reprs_of_requests_and_results_hold_no_pin_pan_or_cvv(
    make_client: Any, fake_api: Any, kit: Any
) -> None:
    client = make_client()
    prepared = client.prepare("card.set_pin", {"card_id": "7001234", "pin": PIN_BLOCK})
    assert PIN_BLOCK.encode() in prepared.body  # still sent as is
    fake_api.on("card/secret_data", kit.ok(data={"pan": PAN, "cvv": CVV, "expiry": EXPIRY}))
    result = await client.call("card.secret_data", {"card_id": "7001234"})
    assert result.raw["data"]["pan"] == PAN  # the caller still gets it
    text = " ".join(repr(x) for x in (prepared, prepared.request, result, result.response))
    assert_clean(text, PIN_BLOCK, PAN, f"'{CVV}'", EXPIRY, kit.SECRET)


# --- the redaction functions themselves -------------------------------------------------


@pytest.mark.parametrize(
    ("pan", "masked"),
    [
        (PAN, MASKED_PAN),
        ("4400 4300 0000 1237", MASKED_PAN),
        ("4400430000000000004", "440043*********0004"),
        ("12345", "*****"),
    ],
)
def test_mask_pan_keeps_first_six_and_last_four(pan: str, masked: str) -> None:
    assert mask_pan(pan) == masked


def test_luhn() -> None:
    assert luhn_ok(PAN)
    assert not luhn_ok("4400430000001234")
    assert luhn_ok("79927398713")


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (f"card {PAN} declined", f"card {MASKED_PAN} declined"),
        (f"{PAN}", MASKED_PAN),
        (f"pans:{PAN},{PAN}.", f"pans:{MASKED_PAN},{MASKED_PAN}."),
        ("card 4400430000001234 declined", "card 4400430000001234 declined"),  # not Luhn: an id
        ("order 77011234567 done", "order 77011234567 done"),  # too short for a PAN
        (f"x{PAN}0", f"x{PAN}0"),  # part of a longer digit run (17 digits, not Luhn)
    ],
)
def test_scrub_text_masks_luhn_valid_pans_only(text: str, clean: str) -> None:
    assert scrub_text(text) == clean


def test_redact_rules_by_key_and_path() -> None:
    body = {
        "card_number": PAN,
        "nested": {"cvv2": 123, "pin": "1234", "secret": "s3", "list": [{"pan": int(PAN)}]},
        "document": DOCUMENT,
        "card": {"cvv": None},
        "note": f"see {PAN}",
        "data": {"expiry": EXPIRY},
    }
    redacted = redact(body, {"data.expiry"})
    assert redacted == {
        "card_number": MASKED_PAN,
        "nested": {"cvv2": REDACTED, "pin": REDACTED, "secret": REDACTED, "list": [{"pan": MASKED_PAN}]},
        "document": f"<document: {len(DOCUMENT_BYTES)} bytes>",
        "card": {"cvv": None},
        "note": f"see {MASKED_PAN}",
        "data": {"expiry": REDACTED},
    }
    assert body["card_number"] == PAN  # the input is not changed


def test_document_size_counts_decoded_bytes() -> None:
    for size in (1, 2, 3, 100, 1001):
        assert document_size(base64.b64encode(b"x" * size).decode()) == f"<document: {size} bytes>"


def test_redact_json_text() -> None:
    assert json.loads(redact_json_text(json.dumps({"pin": "1234", "pan": PAN}))) == {
        "pin": REDACTED,
        "pan": MASKED_PAN,
    }
    assert redact_json_text(f"not json {PAN}") == f"not json {MASKED_PAN}"


def test_a_card_number_typed_in_groups_is_masked_in_free_text() -> None:
    from fpconsole.api.redaction import scrub_text

    assert scrub_text("card 4400 4312 3456 7894 lost") == "card 440043******7894 lost"
    assert scrub_text("card 4400-4312-3456-7894") == "card 440043******7894"
    assert scrub_text("order 1234 5678 9012 3456") == "order 1234 5678 9012 3456"  # fails Luhn: kept


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("latency_ms,28.34747652200631", "latency_ms,28.34747652200631"),  # the fraction of a float
        ('{"latency_ms": 763.7746189766141}', '{"latency_ms": 763.7746189766141}'),
        ("took 1234567890123452.5 ms", "took 1234567890123452.5 ms"),  # the whole part of a float
        ("card 4400 4300 0000 0007- lost", "card 440043******0007- lost"),  # a group touching a dash
        ("-4400-4300-0000-0007", "-440043******0007"),
        (f'{{"note": "card {PAN}."}}', f'{{"note": "card {MASKED_PAN}."}}'),
        (f"https://x/cards?pan={PAN}&a=1", f"https://x/cards?pan={MASKED_PAN}&a=1"),
        (f"card {PAN}.", f"card {MASKED_PAN}."),
    ],
)
def test_numbers_are_not_card_numbers_but_pans_next_to_punctuation_are(text: str, clean: str) -> None:
    assert scrub_text(text) == clean


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@example(28.34747652200631)
@example(1234567890123452.5)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_floats_repr_is_never_changed(value: float) -> None:
    assert scrub_text(f"latency_ms,{value!r},{-value!r}") == f"latency_ms,{value!r},{-value!r}"
