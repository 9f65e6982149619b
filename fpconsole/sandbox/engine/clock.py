"""Time in the sandbox: storage format, the API's RFC 3339 format, and limit periods.

The injected clock returns tz-aware UTC; nothing here reads the system time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

# Kazakhstan has used one zone, UTC+5, since 2024-03-01. Answers show this offset (as the
# SPEC's examples do) and day/month limit periods start at local midnight. INFERRED.
BUSINESS_TZ: Final = timezone(timedelta(hours=5))

_DB_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


def require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the sandbox clock must return a timezone-aware datetime")
    return now.astimezone(UTC)


def to_db(moment: datetime) -> str:
    """Fixed-width UTC text: sorts and compares correctly as a string."""
    return moment.astimezone(UTC).strftime(_DB_FORMAT)


def from_db(text: str) -> datetime:
    return datetime.strptime(text, _DB_FORMAT).replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """How the API writes a time: seconds precision, local offset, e.g. 2025-05-01T10:00:00+05:00."""
    return moment.astimezone(BUSINESS_TZ).isoformat(timespec="seconds")


def db_to_rfc3339(text: str) -> str:
    return rfc3339(from_db(text))


def parse_rfc3339(text: str) -> datetime:
    """Request times have already been checked by the models (offset or Z is required)."""
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(UTC)


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
