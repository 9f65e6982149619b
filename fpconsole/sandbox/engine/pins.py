"""PIN hashing. The sandbox never stores a PIN, only a salted PBKDF2 hash of it.

The API sends the PIN as an encrypted block whose format is undocumented (SPEC §5.7): the sandbox
reads it back with the decoder matching the client's encoder (fpconsole/api/pin_block.py), and
hashes what that gives. With the default format the block is taken as given, so the hash is over
the value exactly as sent, and verify_pin compares the same kind of string.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Final

from fpconsole.api import pin_block
from fpconsole.sandbox.errors import SandboxError

MAX_TRIES: Final = 3
# Enough to make the stored hash useless as a lookup table, cheap enough that seeding and the
# tests stay fast. A sandbox PIN protects nothing real.
_ITERATIONS: Final = 5_000


def new_salt(rng: random.Random) -> str:
    return rng.getrandbits(128).to_bytes(16, "big").hex()


def pin_from_block(block: str) -> str:
    """The PIN a Set PIN's `pin` carries, as the processor would decrypt it; a block that cannot
    be read is refused naming the field, never quoting it."""
    try:
        return pin_block.decode_block(block)
    except pin_block.PinBlockError as exc:
        raise SandboxError("validation_error", str(exc), field="pin") from None


def hash_pin(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), _ITERATIONS).hex()


def matches(pin: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt), expected)


def generate_pin(rng: random.Random) -> str:
    """What the processor does when set_pin comes without a PIN. The value is hashed and
    forgotten: like a real PIN mailer, the sandbox has no way to tell it to anyone."""
    return f"{rng.randrange(10_000):04d}"
