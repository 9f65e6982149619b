"""Cardholder validation: how well a name and phone match the owner of a card token.

score = 35% first-name similarity + 35% last-name similarity + 30% exact phone match, with
difflib's ratio for the names (case-insensitive). `fishy` is 1 below 50%. The real API's formula
and the meaning of `fishy` are undocumented (SPEC §3.24); these are the sandbox's. INFERRED.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any, Final

from fpconsole.sandbox.engine import cards, clients
from fpconsole.sandbox.engine.context import Ctx

FIRST_NAME_WEIGHT: Final = 0.35
LAST_NAME_WEIGHT: Final = 0.35
PHONE_WEIGHT: Final = 0.30
FISHY_BELOW: Final = 50.0


def _similarity(given: str, registered: str) -> float:
    return SequenceMatcher(None, given.strip().upper(), registered.strip().upper()).ratio()


def score(
    *, first_name: str, last_name: str, phone: str, owner_first: str, owner_last: str, owner_phone: str
) -> float:
    return 100 * (
        FIRST_NAME_WEIGHT * _similarity(first_name, owner_first)
        + LAST_NAME_WEIGHT * _similarity(last_name, owner_last)
        + PHONE_WEIGHT * (1.0 if phone.strip() == owner_phone.strip() else 0.0)
    )


def validate(
    ctx: Ctx, *, card_token: str, user_phone: str, first_name: str, last_name: str
) -> dict[str, Any]:
    card = cards.find_by_token(ctx, card_token)
    value = 0.0  # a card nobody owns yet matches nobody
    if card["client_id"] is not None:
        owner = clients.find_client(ctx, card["client_id"])
        value = score(
            first_name=first_name,
            last_name=last_name,
            phone=user_phone,
            owner_first=owner["first_name"],
            owner_last=owner["last_name"],
            owner_phone=str(owner["phone"]),
        )
    return {"score": f"{value:.2f}%", "fishy": 1 if value < FISHY_BELOW else 0}
