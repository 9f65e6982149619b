"""What a successful request created that the console can show: the card a `card.issue` made,
the client a `client.add` made. The form offers to open it in its section (`o`), so the
operator goes on from the new card without copying its id into `:card`.

Pure: the method's name and its (redacted) answer in, a section and an id out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from fpconsole.api.names import MethodName


@dataclass(frozen=True, slots=True)
class Created:
    section: str  # the console's section (mode) that lists it: "cards", "clients"
    key: str  # its id there
    noun: str  # "card", "client": said on the button and in the footer

    @property
    def command(self) -> str:
        """The `:` command that opens it (the command line selects it, fetching it if new)."""
        return f"{self.noun} {self.key}"


_CARD_MAKERS: Final = frozenset({MethodName.CARD_ISSUE})
_CLIENT_MAKERS: Final = frozenset({MethodName.CLIENT_ADD})


def _card_ids(response: Mapping[str, Any]) -> list[str]:
    cards = response.get("cards")
    found = (
        [str(card["card_id"]) for card in cards if isinstance(card, Mapping) and card.get("card_id")]
        if isinstance(cards, list)
        else []
    )
    single = response.get("card_id")
    if single and str(single) not in found:
        found.insert(0, str(single))
    return found


def created_by(method: str, response: Mapping[str, Any]) -> Created | None:
    """The one thing this answer created, or None (nothing, or several: bulk issue's cards are
    shown in Cards as a list, not one by one)."""
    if method in _CARD_MAKERS:
        cards = _card_ids(response)
        return Created("cards", cards[0], "card") if len(cards) == 1 else None
    if method in _CLIENT_MAKERS and response.get("client_id"):
        return Created("clients", str(response["client_id"]), "client")
    return None
