"""Card numbers in bulk output: only masks, ever.

The masked PAN comes from card.info's `card_mask`. Should a server (or a future change) hand
back a full card number there, it is masked here before it reaches the state database or the
result CSV, which are files people copy around. Error texts get the API's usual scrubbing.
"""

from __future__ import annotations

import re
from typing import Final

from fpconsole.api.redaction import luhn_ok, mask_pan, scrub_text

_DIGIT_RUN: Final = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def safe_mask(card_mask: str | None) -> str | None:
    """card.info's mask, with any unmasked run of card-number length masked (Luhn or not:
    in this field every such run is a card number)."""
    if card_mask is None:
        return None
    return _DIGIT_RUN.sub(lambda match: mask_pan(match.group()), card_mask)


def safe_text(text: str | None) -> str | None:
    """Free text (an error description) with anything that looks like a card number masked."""
    return scrub_text(text) if text else text


def full_pans(text: str) -> list[str]:
    """Luhn-valid runs of 13–19 digits: what must never appear in a bulk output file."""
    return [found for found in _DIGIT_RUN.findall(text) if luhn_ok(found)]
