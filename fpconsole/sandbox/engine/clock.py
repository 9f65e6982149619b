"""Time in the sandbox: storage format, the API's RFC 3339 format, and limit periods.

The injected clock returns tz-aware UTC; nothing here reads the system time.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

# Kazakhstan has used one zone, UTC+5, since 2024-03-01. Answers show this offset (as the
# SPEC's examples do) and day/month limit periods start at local midnight. INFERRED.
BUSINESS_TZ: Final = timezone(timedelta(hours=5))

_DB_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
# The widest window a request can name. A date-time at the very edge of what datetime holds
# (0001-01-01T00:00:00+05:00) has no UTC equivalent; it is read as "as early (late) as can be".
EARLIEST: Final = datetime.min.replace(tzinfo=UTC)
LATEST: Final = datetime.max.replace(tzinfo=UTC)


def require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the sandbox clock must return a timezone-aware datetime")
    return now.astimezone(UTC)


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text: sorts and compares correctly as a string.

    Not strftime: its %Y does not pad years before 1000 ("999-01-01..."), which would sort
    after "2025-..." and turn a window starting in year 999 into an empty one."""
    # The engine's times are UTC already (require_aware): no conversion to pay for then.
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str) -> datetime:
    # fromisoformat reads to_db's fixed-width form ~10x faster than strptime, which was 7 % of a
    # served card/info (bench/sandbox_throughput.py); anything else still goes through strptime.
    if len(text) == 27 and text[-1] == "Z":
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    return datetime.strptime(text, _DB_FORMAT).replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """How the API writes a time: seconds precision, local offset, e.g. 2025-05-01T10:00:00+05:00."""
    return moment.astimezone(BUSINESS_TZ).isoformat(timespec="seconds")


def db_to_rfc3339(text: str) -> str:
    return rfc3339(from_db(text))


def parse_rfc3339(text: str) -> datetime:
    """Request times have already been checked by the models (offset or Z is required)."""
    given = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    try:
        return given.astimezone(UTC)
    except OverflowError:
        return EARLIEST if given.year == datetime.min.year else LATEST


def before(moment: datetime, span: timedelta) -> datetime:
    """moment - span, or EARLIEST when that is before what datetime can hold."""
    try:
        return moment - span
    except OverflowError:
        return EARLIEST


def period_start(period: str, now: datetime) -> datetime:
    """Start of the current limit period (local calendar day or month)."""
    local = now.astimezone(BUSINESS_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        midnight = midnight.replace(day=1)
    elif period != "day":
        raise ValueError(f"unknown limit period {period!r}")
    return midnight.astimezone(UTC)


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)
