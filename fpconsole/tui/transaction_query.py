"""The Transactions filter: `/` text such as `card:7001234 status:cleared since:2026-05-01 ORD-77`.

Tokens with a known prefix become exact filters; every other word must appear in the
transaction id, order id, card id or status (any part, case-insensitive), as in other lists.

| token | meaning |
|---|---|
| `card:7001234` | that card's transactions |
| `status:cleared` | that status exactly (new, success, error, cleared, refunded) |
| `since:2026-05-01` | created on or after that day (local midnight) |
| `until:2026-05-31` | created on or before that day (to its end) |
| `since:7d` / `since:today` | the last 7 days / since local midnight |

Pure (no widgets, no database): parsing is tested on its own and the SQL lives in `tui.data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from fpconsole.api.dictionaries import TRANSACTION_STATUSES

_DAYS_AGO: Final = re.compile(r"([0-9]{1,4})d")  # \d would read other scripts' digits


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    text: str = ""
    card_id: str | None = None
    status: str | None = None
    since: datetime | None = None  # inclusive, tz-aware
    until: datetime | None = None  # exclusive, tz-aware
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.card_id or self.status or self.since or self.until)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def _day(value: str, now: datetime) -> date | None:
    if value == "today":
        return now.astimezone().date()
    if value == "yesterday":
        return now.astimezone().date() - timedelta(days=1)
    found = _DAYS_AGO.fullmatch(value)
    if found:
        return now.astimezone().date() - timedelta(days=int(found.group(1)))
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_query(text: str, *, now: Callable[[], datetime] | None = None) -> TransactionQuery:
    """Split the filter text into exact filters and free words; bad tokens are reported, not
    silently dropped, so the user sees why a filter matches nothing."""
    clock = now or (lambda: datetime.now(UTC))
    words: list[str] = []
    card_id: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    problems: list[str] = []
    for token in text.split():
        prefix, colon, value = token.partition(":")
        prefix = prefix.lower()
        if not colon or prefix not in ("card", "status", "since", "until"):
            words.append(token)
            continue
        if not value:
            continue  # still typing
        if prefix == "card":
            card_id = value
        elif prefix == "status":
            if value.lower() in TRANSACTION_STATUSES:
                status = value.lower()
            else:
                problems.append(f"status: one of {', '.join(TRANSACTION_STATUSES)}")
        else:
            day = _day(value.lower(), clock())
            try:
                if day is not None and prefix == "since":
                    since = _local_midnight(day)
                elif day is not None:
                    until = _local_midnight(day + timedelta(days=1))
            except (OverflowError, ValueError):  # 9999-12-31 has no next day; 0001-01-01 no local midnight
                day = None
            if day is None:
                problems.append(f"{prefix}: a date (2026-05-01), 7d or today")
    return TransactionQuery(" ".join(words), card_id, status, since, until, tuple(problems))
