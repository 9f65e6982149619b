"""Set PIN's block format stands behind one pluggable pair (fpconsole/api/pin_block.py): the
default sends the value as given (today's behaviour); a plugged-in format is what goes on the
wire, and neither the PIN nor the block leaks through an error, an event or a repr."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from fpconsole.api import errors, pin_block
from fpconsole.api.events import ClientEvent
from fpconsole.api.models import CardRequest, SetPinRequest
from fpconsole.api.pin_block import PinBlockError, PinBlockFormat

RID = "3f0c9a52-8a4e-4bd2-9d43-2f5d1c2b7a10"
PIN = "4821"


def _encode(pin: str) -> str:
    return "T1:" + base64.b64encode(pin[::-1].encode()).decode()


def _decode(block: str) -> str:
    if not block.startswith("T1:"):
        raise ValueError(f"not a T1 block: {block}")  # quotes the block: must not come through
    return base64.b64decode(block[3:]).decode()[::-1]


TOY: Any = PinBlockFormat(_encode, _decode, "toy T1")


@pytest.fixture
def toy_format() -> Iterator[PinBlockFormat]:
    previous = pin_block.install(TOY)
    try:
        yield TOY
    finally:
        pin_block.install(previous)


def test_default_sends_the_value_as_given() -> None:
    assert pin_block.current() is pin_block.OPAQUE
    request = SetPinRequest(request_id=RID, card_id="7001234", pin="q3Jx0v9mW0b8k3YtZx3z1Q==")
    assert pin_block.encode_request(request) is request
    assert pin_block.decode_block("q3Jx0v9mW0b8k3YtZx3z1Q==") == "q3Jx0v9mW0b8k3YtZx3z1Q=="


@pytest.mark.usefixtures("toy_format")
def test_installed_format_encodes_only_a_set_pin_that_has_a_pin() -> None:
    encoded = pin_block.encode_request(SetPinRequest(request_id=RID, card_id="7001234", pin=PIN))
    assert encoded.pin == _encode(PIN) and pin_block.decode_block(encoded.pin) == PIN
    generated = SetPinRequest(request_id=RID, card_id="7001234")
    assert pin_block.encode_request(generated) is generated
    other = CardRequest(request_id=RID, card_id="7001234")
    assert pin_block.encode_request(other) is other


def test_install_returns_the_format_it_replaces() -> None:
    previous = pin_block.install(TOY)
    try:
        assert previous is pin_block.OPAQUE and pin_block.current() is TOY
    finally:
        assert pin_block.install(previous) is TOY
    assert pin_block.current() is pin_block.OPAQUE


def test_a_failing_format_never_quotes_the_pin_or_the_block() -> None:
    def leaky(value: str) -> str:
        raise RuntimeError(f"cannot encrypt {value}")

    previous = pin_block.install(PinBlockFormat(leaky, leaky, "leaky"))
    try:
        with pytest.raises(PinBlockError) as made:
            pin_block.encode_pin(PIN)
        with pytest.raises(PinBlockError) as read:
            pin_block.decode_block("BLOCK-SECRET")
    finally:
        pin_block.install(previous)
    assert str(made.value) == "the PIN block could not be made (RuntimeError)" and made.value.field == "pin"
    assert str(read.value) == "the PIN block could not be read (RuntimeError)"
    for caught in (made, read):
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        assert PIN not in repr(caught.value) and "BLOCK-SECRET" not in repr(caught.value)


def test_a_format_that_returns_no_text_is_refused() -> None:
    previous = pin_block.install(PinBlockFormat(lambda pin: None, lambda block: 42, "broken"))  # type: ignore[arg-type,return-value]
    try:
        with pytest.raises(PinBlockError, match="could not be made"):
            pin_block.encode_pin(PIN)
        with pytest.raises(PinBlockError, match="could not be read"):
            pin_block.decode_block("x")
    finally:
        pin_block.install(previous)


@pytest.mark.usefixtures("toy_format")
async def test_the_wire_carries_the_block_and_no_event_carries_either(
    make_client: Any, fake_api: Any
) -> None:
    fake_api.on("card/set_pin", {"status": "ok", "request_status": "process"})
    client = make_client()
    events: list[ClientEvent] = []
    client.subscribe(events.append)
    prepared = client.prepare("card.set_pin", {"request_id": RID, "card_id": "7001234", "pin": PIN})
    assert PIN not in repr(prepared) and _encode(PIN) not in repr(prepared)
    await client.call("card.set_pin", {"request_id": RID, "card_id": "7001234", "pin": PIN})
    [seen] = fake_api.seen
    assert seen.json["pin"] == _encode(PIN)
    assert f'"{PIN}"'.encode() not in seen.body
    for event in events:
        text = repr(event) + str(getattr(event, "request", "")) + str(getattr(event, "response", ""))
        assert PIN not in text and _encode(PIN) not in text, event


async def test_an_encoder_failure_is_a_validation_error_naming_pin(make_client: Any, fake_api: Any) -> None:
    def refuse(pin: str) -> str:
        raise ValueError(f"bad pin {pin}")

    previous = pin_block.install(PinBlockFormat(refuse, refuse, "refusing"))
    try:
        with pytest.raises(errors.InvalidRequest) as caught:
            await make_client().call("card.set_pin", {"card_id": "7001234", "pin": PIN})
    finally:
        pin_block.install(previous)
    assert [str(e) for e in caught.value.errors] == ["pin: the PIN block could not be made (ValueError)"]
    assert PIN not in str(caught.value) and fake_api.seen == []
