"""The one place Set PIN's `pin` field is made (client) and read back (sandbox).

The vendor docs say the PIN is encrypted with a public key that the processing side (Freedom
Processing) generates, and the field description names AES-256 (SPEC §3.10, §5.7); the key
exchange, algorithm, padding, encoding and PIN-block layout are not documented. So the format
stands behind one pair of functions with these signatures:

    encode(pin: str) -> str     what the operator gave → the `pin` value sent (client side)
    decode(block: str) -> str   the `pin` value received → the PIN (the sandbox, as processor)

`decode(encode(pin)) == pin` must hold. The default, `OPAQUE`, is today's behaviour: the value is
sent exactly as given (an operator pastes the block the processor's key produced) and the sandbox
takes what it receives as the PIN. Once the real format is known, write the pair and call
`install(PinBlockFormat(encode, decode, "name"))` once at start-up; the client, `fpconsole call`,
bulk, the console and the embedded sandbox all go through `encode_request` / `decode_block`.

Secrets rule: a PIN or block never appears in an error raised here, whatever the plugged-in
functions put in theirs (their messages are dropped, only the exception's type is named).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from fpconsole.api.models import ApiRequest, SetPinRequest

R = TypeVar("R", bound=ApiRequest)


@dataclass(frozen=True, slots=True)
class PinBlockFormat:
    encode: Callable[[str], str]
    decode: Callable[[str], str]
    name: str


def _as_given(value: str) -> str:
    return value


OPAQUE: Final = PinBlockFormat(_as_given, _as_given, "opaque (sent and read as given)")

_current: PinBlockFormat = OPAQUE


class PinBlockError(ValueError):
    """The block could not be made or read. Its text never holds the PIN or the block."""

    def __init__(self, action: str, cause: BaseException) -> None:
        super().__init__(f"the PIN block could not be {action} ({type(cause).__name__})")
        self.field = "pin"


def install(block_format: PinBlockFormat) -> PinBlockFormat:
    """Use `block_format` from now on (client and sandbox in this process); returns the one it
    replaces, so a test can put it back."""
    global _current
    previous, _current = _current, block_format
    return previous


def current() -> PinBlockFormat:
    return _current


def encode_pin(pin: str) -> str:
    try:
        block = _current.encode(pin)
    except Exception as exc:  # a plugged-in encoder's message may quote the PIN: drop it
        raise PinBlockError("made", exc) from None
    if not isinstance(block, str):
        raise PinBlockError("made", TypeError(type(block).__name__))
    return block


def decode_block(block: str) -> str:
    try:
        pin = _current.decode(block)
    except Exception as exc:  # a plugged-in decoder's message may quote the block: drop it
        raise PinBlockError("read", exc) from None
    if not isinstance(pin, str):
        raise PinBlockError("read", TypeError(type(pin).__name__))
    return pin


def encode_request(request: R) -> R:
    """The request as it goes on the wire: a Set PIN with a `pin` carries the encoded block;
    every other request (and a Set PIN without a PIN) is returned as it is."""
    if not isinstance(request, SetPinRequest) or request.pin is None:
        return request
    block = encode_pin(request.pin)
    if block == request.pin:
        return request  # the default format: the body is exactly what was validated
    # model_copy, not model_validate: the block's length is the format's business, not the
    # typed PIN's field rule.
    return request.model_copy(update={"pin": block})
