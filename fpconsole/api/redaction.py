"""Redaction of request and response bodies before anything shows, stores or logs them.

Rules (house rule: secrets never reach the cache, journal, logs, snapshots or clipboard):
- PAN: first 6 and last 4 digits, e.g. 440043******1234 — by key (`pan`, `card_number`) and
  wherever a 13–19 digit run passing the Luhn check appears in a string;
- CVV, PIN, secrets: never appear, replaced by a fixed marker;
- `document`: only its size;
- a method's own secret fields (registry `*_secret_fields`), by dotted path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

REDACTED: Final = "[redacted]"
# The one list of secret keys: the store's last line of defence (store/scrub.py) drops these
# and the card-number keys below, so a key added here protects both layers.
SECRET_KEYS: Final = frozenset(
    {
        "pin",
        "pin_confirm",
        "new_pin",
        "pin_block",
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "secret",
        "password",
        "partner_secret",
    }
)
PAN_KEYS: Final = frozenset({"pan", "card_number", "cardnumber", "full_pan"})
DOCUMENT_KEYS: Final = frozenset({"document"})
# A digit run glued to other digits is part of a longer number, not a card number: next to a
# digit, or a number's decimal point (`91.3677273489163348`, `1234567890123452.5` — a float's
# fraction or whole part), or a dash joining it to more digits.
_NOT_AFTER = r"(?<!\d)(?<!\d\.)(?<!\d-)"
_NOT_BEFORE = r"(?!\d)(?![.-]\d)"
_DIGIT_RUN = re.compile(rf"{_NOT_AFTER}\d{{13,19}}{_NOT_BEFORE}")
# A card number typed with spaces or dashes: 4400 4312 3456 7890 (a dash after it is punctuation).
_SPACED_RUN = re.compile(rf"{_NOT_AFTER}\d{{4}}(?:[ -]\d{{2,6}}){{2,4}}{_NOT_BEFORE}")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_pan(pan: str) -> str:
    digits = "".join(ch for ch in pan if ch.isdigit())
    if len(digits) < 12:
        return "*" * len(digits)
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


def _mask_if_pan(match: re.Match[str]) -> str:
    text = match.group()
    digits = "".join(ch for ch in text if ch.isdigit())
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return mask_pan(digits)
    return text


def scrub_text(text: str) -> str:
    """Mask every 13–19 digit run (plain or grouped by spaces/dashes) that passes Luhn."""
    if len(text) < 13:
        return text
    text = _DIGIT_RUN.sub(_mask_if_pan, text)
    return _SPACED_RUN.sub(_mask_if_pan, text)


def scrub_optional(text: str | None) -> str | None:
    return scrub_text(text) if text else text


def document_size(value: Any) -> str:
    if not isinstance(value, str):
        return "<document>"
    text = "".join(value.split())
    size = len(text) * 3 // 4 - text[-2:].count("=")
    return f"<document: {size} bytes>"


def _redact(value: Any, key: str, path: str, secret_paths: frozenset[str]) -> Any:
    lowered = key.lower()
    if path in secret_paths or lowered in SECRET_KEYS:
        if lowered in PAN_KEYS and isinstance(value, (str, int)):
            return mask_pan(str(value))
        return REDACTED if value is not None else None
    if lowered in PAN_KEYS and isinstance(value, (str, int)):
        return mask_pan(str(value))
    if lowered in DOCUMENT_KEYS and value is not None:
        return document_size(value)
    if isinstance(value, Mapping):
        return {
            str(k): _redact(v, str(k), f"{path}.{k}" if path else str(k), secret_paths)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact(item, key, path, secret_paths) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def redact(body: Mapping[str, Any], secret_paths: Iterable[str] = ()) -> dict[str, Any]:
    """A redacted copy of a JSON object; the input is not changed."""
    paths = frozenset(secret_paths)
    return {str(k): _redact(v, str(k), str(k), paths) for k, v in body.items()}


def redact_json_text(text: str, secret_paths: Iterable[str] = ()) -> str:
    """Redact a JSON document given as text (falls back to scrubbing when it is not JSON)."""
    import json

    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return scrub_text(text)
    if isinstance(parsed, dict):
        return json.dumps(redact(parsed, secret_paths), ensure_ascii=False, separators=(",", ":"))
    return scrub_text(text)
