"""What the journal says about one card, for its detail in Cards: the last state changes made
from this console (block, unblock, close, set PIN, …) and why the card is blocked or closed.

The API's card.info may carry its own reason (`status_reason`, as the sandbox's does); when it
does not, the reason typed in the last block or close that succeeded is the one shown. Only this
console's own requests are in the journal: a change made elsewhere shows as the card's status,
without a line here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from fpconsole.api.names import MethodName
from fpconsole.tui.display_time import shown, zone_label

if TYPE_CHECKING:
    from fpconsole.store.journal import Journal, JournalEntry

SHOWN: Final = 5  # the detail panel is short: the newest few, the rest are in Requests
SCANNED: Final = 200  # journal rows matching the id looked at (a longer id may contain it)
REASONED: Final = frozenset(
    {MethodName.CARD_BLOCK, MethodName.CARD_CLOSE}
)  # what leaves a card blocked or closed


@dataclass(frozen=True, slots=True)
class CardChange:
    at: datetime
    method: str  # "card.block"
    outcome: str  # "success", "error", "process", …
    reason: str  # what was typed as the reason (`description`), "" when none

    @property
    def when(self) -> str:
        """In the console's zone (changes_title says which), with the year (an old change must
        not read as this year's)."""
        return shown(self.at)

    @property
    def what(self) -> str:
        words = [self.method.removeprefix("card."), self.outcome]
        if self.reason:
            words.append(f"“{self.reason}”")
        return " · ".join(words)


def changes_title() -> str:
    """The detail's section of these changes, with the zone their times are in."""
    return f"Last changes ({zone_label()})"


def _change(entry: JournalEntry) -> CardChange:
    request: Mapping[str, Any] = entry.request or {}
    reason = request.get("description")
    return CardChange(entry.sent_at, entry.method, entry.outcome, str(reason) if reason else "")


def card_changes(journal: Journal | None, card_id: str, *, shown: int = SHOWN) -> list[CardChange]:
    """The newest state-changing requests this console made about the card, newest first."""
    if journal is None or not card_id:
        return []
    found: list[CardChange] = []
    for entry in journal.entries(query=card_id, changes_only=True, limit=SCANNED):
        if str(entry.target_ids.get("card_id") or "") != card_id:
            continue  # another card whose id contains this one, or a client's request
        found.append(_change(entry))
        if len(found) >= shown:
            break
    return found


def status_reason(status: str, info: Mapping[str, Any], changes: Sequence[CardChange]) -> str:
    """Why a blocked or closed card is so: the API's word, else the reason of the last block or
    close this console made that succeeded; "" for other states or when nobody said."""
    if status not in ("blocked", "closed"):
        return ""
    given = info.get("status_reason") or info.get("block_reason")
    if given:
        return str(given)
    method = MethodName.CARD_BLOCK if status == "blocked" else MethodName.CARD_CLOSE
    for change in changes:
        if change.method == method and change.outcome == "success":
            return change.reason
    return ""
