"""Field qualifiers in a list's `/` filter: `status:blocked product:1000 since:7d client:CL-100045`
next to free words (`ivanov 1234`). Every list says which qualifiers it takes; a qualifier it
does not take, or a value that is not valid, is reported by name with the accepted ones, never
dropped in silence (a filter that quietly matches everything is worse than an error).

| qualifier | meaning |
|---|---|
| `status:blocked` | that status exactly (each list has its own statuses) |
| `product:1000` | that product (1000, 2000, 3000) |
| `since:7d`, `since:2h`, `since:30m`, `since:today`, `since:2026-05-01` | that recent |
| `until:2026-05-31` | up to the end of that day |
| `client:CL-100045` | that client's |
| `card:7001234` | that card's |
| `method:card.block` | requests of that method |

Pure (no widgets, no database): the screens parse with it, the CLI checks saved views with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from fpconsole.api.dictionaries import CARD_STATUSES, PRODUCTS, TRANSACTION_STATUSES

# A word before a colon, in ASCII letters: `12:30` or `2026-05-01T10:00` stay free text.
_QUALIFIER: Final = re.compile(r"([A-Za-z_]+):(.*)")
_AGO: Final = re.compile(r"([0-9]{1,5})([mhdw])")  # \d would read other scripts' digits
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# The journal's outcomes: what the Requests list's status column ends with.
REQUEST_OUTCOMES: Final = ("success", "error", "process", "unknown", "failed", "sent")

WHEN_HELP: Final = "7d, 2h, 30m, today, yesterday or a date (2026-05-01)"


@dataclass(frozen=True, slots=True)
class ListFilter:
    """One `/` filter, parsed. `problems` names what was not understood (and was not applied)."""

    text: str = ""
    status: str | None = None
    product: int | None = None
    since: datetime | None = None  # inclusive, tz-aware
    until: datetime | None = None  # exclusive, tz-aware
    client: str | None = None
    card: str | None = None
    method: str | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.text,
                self.status,
                self.product,
                self.since,
                self.until,
                self.client,
                self.card,
                self.method,
            )
        )


@dataclass(frozen=True, slots=True)
class Qualifiers:
    """What one list accepts: qualifier names, and the statuses its `status:` takes."""

    names: tuple[str, ...]
    statuses: tuple[str, ...] = ()

    def hint(self) -> str:
        return " ".join(f"{name}:" for name in self.names)


# Per list (the sections' names, as in `:clients`): what its rows have.
LIST_QUALIFIERS: Final[Mapping[str, Qualifiers]] = {
    "clients": Qualifiers(("product", "client", "since")),
    "cards": Qualifiers(("status", "product", "client", "since"), CARD_STATUSES),
    "transactions": Qualifiers(("status", "card", "client", "since", "until"), TRANSACTION_STATUSES),
    "requests": Qualifiers(("status", "method", "client", "card", "since"), REQUEST_OUTCOMES),
}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


def parse_when(value: str, now: datetime) -> datetime | None:
    """`7d` / `2h` / `30m` / `1w` ago, `today`, `yesterday` (local midnight) or a date (its local
    midnight) or a date-time; None when it is none of these."""
    value = value.strip().lower()
    local = now.astimezone()
    if value == "today":
        return _local_midnight(local.date())
    if value == "yesterday":
        return _local_midnight(local.date() - timedelta(days=1))
    found = _AGO.fullmatch(value)
    try:
        if found:
            amount, unit = int(found.group(1)), found.group(2)
            if unit == "d":  # whole days: "since 7d" reads as "since the day a week ago"
                return _local_midnight(local.date() - timedelta(days=amount))
            return now - timedelta(**{_UNITS[unit]: amount})
        if len(value) == 10:
            return _local_midnight(date.fromisoformat(value))
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except (OverflowError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def parse_filter(text: str, accepted: Qualifiers, *, now: Callable[[], datetime] | None = None) -> ListFilter:
    """Split `text` into qualifiers and free words. A qualifier still being typed (`status:`)
    is left out quietly; anything else not understood goes into `problems`."""
    clock = now or (lambda: datetime.now(UTC))
    words: list[str] = []
    found: dict[str, object] = {}
    problems: list[str] = []
    for token in text.split():
        match = _QUALIFIER.fullmatch(token)
        if match is None:
            words.append(token)
            continue
        name, value = match.group(1).lower(), match.group(2)
        if name not in accepted.names:
            problems.append(f"unknown qualifier {name}: (this list takes {accepted.hint()})")
            continue
        if not value:
            continue  # still typing
        problem = _apply(name, value, accepted, found, clock)
        if problem:
            problems.append(problem)
    return ListFilter(
        text=" ".join(words),
        status=_str(found.get("status")),
        product=_int(found.get("product")),
        since=_moment(found.get("since")),
        until=_moment(found.get("until")),
        client=_str(found.get("client")),
        card=_str(found.get("card")),
        method=_str(found.get("method")),
        problems=tuple(problems),
    )


def _apply(
    name: str, value: str, accepted: Qualifiers, found: dict[str, object], clock: Callable[[], datetime]
) -> str:
    """Put one qualifier's value into `found`; a problem's text when the value is not valid."""
    if name == "status":
        if value.lower() not in accepted.statuses:
            return f"status:{value} is not a status here; one of {', '.join(accepted.statuses)}"
        found[name] = value.lower()
    elif name == "product":
        if not (value.isascii() and value.isdigit() and int(value) in PRODUCTS):
            return f"product:{value} is not a product; one of {', '.join(map(str, PRODUCTS))}"
        found[name] = int(value)
    elif name in ("since", "until"):
        moment = parse_when(value, clock())
        if moment is not None and name == "until" and len(value) == 10:
            moment += timedelta(days=1)  # until a day: to its end
        if moment is None:
            return f"{name}:{value} is not a time; use {WHEN_HELP}"
        found[name] = moment
    elif name == "method":
        from fpconsole.api.methods import REGISTRY

        try:
            found[name] = REGISTRY.resolve(value).name
        except KeyError:
            return f"method:{value} is not a Card API method (fpconsole methods lists them)"
    else:  # client, card: ids as typed
        found[name] = value
    return ""


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def problems_text(problems: Sequence[str]) -> str:
    return "; ".join(problems)
