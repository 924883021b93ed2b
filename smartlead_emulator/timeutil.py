"""Time helpers: one internal representation (naive UTC datetimes) and the API's string forms.

Everything inside the emulator is a naive datetime meaning UTC, so comparisons are cheap and
never mix aware/naive values. Only the edges (parsing query parameters, rendering JSON) deal
with offsets and the two string forms the API uses.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

UTC = timezone.utc

# "2024-05-01 10:00:00+00:00" arrives as "2024-05-01 10:00:00 00:00" when a client forgets to
# percent-encode "+" (query strings decode "+" as a space); repair that instead of failing.
_SPACE_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")
_FRACTION = re.compile(r"\.(\d+)")


def fmt_ms_z(dt: datetime | None) -> str | None:
    """`2023-03-13T07:44:12.978Z`: messages, statistics, sequences, analytics."""
    if dt is None:
        return None
    return dt.isoformat(timespec="milliseconds") + "Z"


def fmt_us_offset(dt: datetime | None) -> str | None:
    """`2022-05-26T03:47:31.448094+00:00`: campaign, lead-map and email-account timestamps."""
    if dt is None:
        return None
    return dt.isoformat(timespec="microseconds") + "+00:00"


def fmt_now(dt: datetime) -> str:
    """The emulator clock as reported by the control API (full precision, explicit offset)."""
    return dt.isoformat() + "+00:00"


def to_naive_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601 (and Smartlead's `2023-10-16 10:33:02.000Z`) into naive UTC.

    Raises ValueError for anything malformed. Naive input is taken as UTC. Python 3.10's
    fromisoformat needs exactly 3 or 6 fraction digits and no `Z`, so normalise first.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty timestamp")
    value = _SPACE_OFFSET.sub(r"\1+\2", value)
    if value[-1] in "Zz":
        value = value[:-1] + "+00:00"
    match = _FRACTION.search(value)
    if match:
        digits = (match.group(1) + "000000")[:6]
        value = value[: match.start()] + "." + digits + value[match.end():]
    return to_naive_utc(datetime.fromisoformat(value))


def parse_day(text: str) -> date:
    """A strict `YYYY-MM-DD` date."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)


def floor_ms(dt: datetime) -> datetime:
    """Event times are whole milliseconds so the `...Z` strings round-trip exactly in filters."""
    return dt.replace(microsecond=dt.microsecond - dt.microsecond % 1000)


def ms(n: int) -> timedelta:
    return timedelta(milliseconds=n)


DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
