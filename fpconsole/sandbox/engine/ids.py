"""Identifiers and card numbers the sandbox makes up (all INFERRED shapes, see docs/sandbox-state.md).

Public ids come from sequences so they are short, sequential per database and reproducible.
Card numbers are a bijection of the card's sequence number, so they are unique without a
retry loop. Secrets (CVV, card token) are keyed by the database's salt.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Final

# A Visa test BIN used by public sandboxes; never a live range for this issuer.
TEST_BIN: Final = "440043"
# IBAN bank code that no Kazakh bank uses, so a sandbox IBAN cannot be mistaken for a real one.
SANDBOX_BANK_CODE: Final = "999"
# PAN body = (seq * multiplier + offset) mod 10^9. The multiplier is coprime with 10, so the map
# is a bijection: distinct cards never share a PAN, yet consecutive cards do not look consecutive.
_PAN_SPACE: Final = 10**9
_PAN_MULTIPLIER: Final = 738_264_511
_PAN_OFFSET: Final = 104_729


def client_id(seq: int) -> str:
    return f"CL-{seq}"


def card_id(seq: int) -> str:
    return str(seq)


def luhn_digit(body: str) -> str:
    """The check digit that makes body + digit pass the Luhn test."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_digit(number[:-1]) == number[-1]


def make_pan(seq: int) -> str:
    body = TEST_BIN + f"{(seq * _PAN_MULTIPLIER + _PAN_OFFSET) % _PAN_SPACE:09d}"
    return body + luhn_digit(body)


def mask_pan(pan: str) -> str:
    """440043******1234: first six and last four, the form that may be shown and stored."""
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def _letters_to_digits(text: str) -> str:
    return "".join(str(int(char, 36)) for char in text)


def make_iban(seq: int, country: str = "KZ") -> str:
    """A well-formed Kazakh IBAN (20 characters, ISO 13616 mod-97 check digits)."""
    bban = SANDBOX_BANK_CODE + f"{seq:013d}"
    check = 98 - int(_letters_to_digits(bban + country + "00")) % 97
    return f"{country}{check:02d}{bban}"


def iban_valid(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    return int(_letters_to_digits(rearranged)) % 97 == 1


def transaction_id(created: datetime, seq: int) -> str:
    """A UUIDv7-shaped id (the SPEC's examples are v7): creation time in milliseconds, then bits
    derived from the sequence, so it is unique, time-ordered and reproducible (an id is not a
    secret, so no salt)."""
    millis = int(created.timestamp() * 1000) & ((1 << 48) - 1)
    tail = int.from_bytes(hashlib.sha256(f"txn:{seq}".encode()).digest()[:10], "big")
    rand_a = tail >> 68 & 0xFFF
    # The low 32 bits are the sequence itself, so two transactions can never share an id.
    rand_b = (tail & ((1 << 30) - 1)) << 32 | seq & 0xFFFF_FFFF
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def fin_document_id(ledger_id: int) -> str:
    """FD- and the ledger entry's number, e.g. FD-42: the financial document a transaction
    request produced (the docs name the field, not its shape)."""
    return f"FD-{ledger_id}"


def rrn(moment: datetime, seq: int) -> str:
    """Retrieval reference number, 12 digits laid out like ISO 8583's YDDDHHNNNNNN
    (last digit of year, day of year, hour, 6-digit sequence), e.g. 510218765432."""
    return f"{moment.year % 10}{moment.timetuple().tm_yday:03d}{moment.hour:02d}{seq % 1_000_000:06d}"


def derived_digits(salt: bytes, label: str, count: int) -> str:
    number = int.from_bytes(hmac.digest(salt, label.encode(), hashlib.sha256)[:8], "big")
    return f"{number % 10**count:0{count}d}"


def card_token(salt: bytes, card: str) -> str:
    """A random-looking UUID (version 4 layout) tied to the card, for Cardholder validation."""
    raw = bytearray(hmac.digest(salt, f"token:{card}".encode(), hashlib.sha256)[:16])
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))
