"""PIN hashing. The sandbox never stores a PIN, only a salted PBKDF2 hash of the value sent.

The API sends the PIN as an opaque (encrypted) string whose format is undocumented (SPEC §5.7),
so the hash is over that string exactly as sent; verify_pin compares the same kind of string.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Final

MAX_TRIES: Final = 3
# Enough to make the stored hash useless as a lookup table, cheap enough that seeding and the
# tests stay fast. A sandbox PIN protects nothing real.
_ITERATIONS: Final = 5_000


def new_salt(rng: random.Random) -> str:
    return rng.getrandbits(128).to_bytes(16, "big").hex()


def hash_pin(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), _ITERATIONS).hex()


def matches(pin: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt), expected)


def generate_pin(rng: random.Random) -> str:
    """What the processor does when set_pin comes without a PIN. The value is hashed and
    forgotten: like a real PIN mailer, the sandbox has no way to tell it to anyone."""
    return f"{rng.randrange(10_000):04d}"
