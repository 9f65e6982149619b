"""The last line of defence before anything is written to disk.

Events reach the store already redacted by the API layer; this is a second pass with its own,
stricter key policy (card-number keys are dropped, not masked), so that a redaction rule
forgotten in one place cannot put a card number, CVV, PIN or secret into the journal, the cache
or a draft. The digit primitives (Luhn, masking, free-text scrub) are the API layer's: one
tested implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fpconsole.api.redaction import PAN_KEYS, REDACTED, luhn_ok, mask_pan, scrub_text
from fpconsole.api.redaction import SECRET_KEYS as API_SECRET_KEYS

__all__ = ["DRAFT_SECRET_FIELDS", "REDACTED", "SECRET_KEYS", "luhn_ok", "mask_pan", "scrub_text"]

# Keys whose value is dropped wherever they appear in a stored JSON document: the API layer's
# secret keys, and card numbers too (dropped here, where the API layer masks them).
SECRET_KEYS: Final = API_SECRET_KEYS | PAN_KEYS
# Form fields never saved in a draft: the secrets above plus the ID document (a scan of a
# passport has no business in a draft file).
DRAFT_SECRET_FIELDS: Final = SECRET_KEYS | {"document"}
_SECRET_PARTS: Final = ("cvv", "cvc", "secret", "password")


def is_secret_key(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_KEYS or any(part in lowered for part in _SECRET_PARTS)


def is_secret_field(name: str) -> bool:
    """Whether a form field (possibly dotted: `client.document`) must never be saved."""
    leaf = name.rsplit(".", 1)[-1].lower()
    return (
        leaf in DRAFT_SECRET_FIELDS
        or leaf.startswith("pin_")
        or leaf.endswith("_pin")
        or any(part in leaf for part in _SECRET_PARTS)
    )


def scrub_json(value: Any) -> Any:
    """A copy of a JSON value with secret keys' values replaced and card numbers masked."""
    if isinstance(value, Mapping):
        return {
            str(key): (REDACTED if item is not None else None)
            if is_secret_key(str(key))
            else scrub_json(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**12:
        digits = str(value)
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return mask_pan(digits)
    return value


def safe_card_mask(value: Any) -> str | None:
    """A card mask we are willing to store: at most the first six and last four digits.

    Anything carrying more digits (a full PAN, a mask that leaks the middle) is re-masked."""
    if value is None:
        return None
    text = "".join(str(value).split())
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) > 10:
        if digits == text:
            return mask_pan(digits)
        # A mask that shows too much: keep its length, star everything but 6 + 4 digits.
        length = len(text) if 12 <= len(text) <= 19 else 16
        return f"{digits[:6]}{'*' * (length - 10)}{digits[-4:]}"
    return text


def last_four(mask: str | None) -> str | None:
    if not mask:
        return None
    digits = "".join(ch for ch in mask if ch.isdigit())
    return digits[-4:] if len(digits) >= 4 else None
