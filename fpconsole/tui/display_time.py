"""Times as the console shows them: in one zone, the console's local one (the machine's, as
`astimezone()` reads it, so TZ=Asia/Almaty or TZ=UTC on a jump host decides), and said where the
time is shown (a heading, a column header, a suffix).

The API's `dt` and `datetime` fields are RFC 3339 with the server's offset (the sandbox answers
in +05:00); the journal and the cache keep UTC. Neither is shown as it is stored: a time is
converted here first, so the same moment reads the same on every screen. Stored data is never
changed, only what is drawn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

MINUTES: Final = "%Y-%m-%d %H:%M"  # with the year: an old event must not read as this year's
SECONDS: Final = "%Y-%m-%d %H:%M:%S"


def parse_time(value: object) -> datetime | None:
    """An aware datetime from a datetime or RFC 3339 text (`Z` or an offset); one without an
    offset is taken as local. None for anything else."""
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, str) and value:
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return found if found.tzinfo is not None else found.astimezone()


def local(at: datetime) -> datetime:
    """The moment in the console's zone."""
    return at.astimezone()


def shown(value: object, fmt: str = MINUTES) -> str:
    """A time as the console draws it, in its zone; "" when there is none, the text itself when
    it is not a time (a server's odd value is shown, not hidden)."""
    found = parse_time(value)
    if found is None:
        return value if isinstance(value, str) else ""
    return local(found).strftime(fmt)


def zone_label(at: datetime | None = None, *, short: bool = False) -> str:
    """The zone of `at` as given (a time already shown in the console's zone), or the console's
    zone now (an offset may change with daylight saving): `UTC+05:00`, or `CET (UTC+01:00)` when
    the zone has a name of its own (`short`: the offset only, for a column header)."""
    moment = at if at is not None and at.tzinfo is not None else datetime.now().astimezone()
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    label = f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    name = moment.tzname() or ""
    if short or not name or not name[0].isalpha() or name.startswith("UTC"):
        return label
    return f"{name} ({label})"


def with_zone(value: object, fmt: str = SECONDS) -> str:
    """`2026-12-06 15:20:03 UTC+05:00`: a time shown alone, with its zone."""
    found = parse_time(value)
    if found is None:
        return shown(value, fmt)
    moment = local(found)
    return f"{moment.strftime(fmt)} {zone_label(moment)}"


def header(title: str) -> str:
    """A column of times says its zone: `When (UTC+05:00)`."""
    return f"{title} ({zone_label(short=True)})"
