"""A studio's opening hours: the hours a resource can be booked, for utilization.

Stored in `studios.opening_hours` as JSON, in the studio's time zone, one list of ranges per weekday:

    {"mon": ["09:00-19:00"], "tue": ["09:00-19:00"], ..., "sat": ["10:00-16:00"], "sun": []}

A weekday missing from a non-empty object is closed; ranges are `HH:MM-HH:MM` with the end after
the start (`24:00` closes at midnight) and do not overlap. An empty object means the default,
09:00-19:00 Monday to Friday.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.services.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OPENING_HOURS: dict[str, list[str]] = {
    **{day: ["09:00-19:00"] for day in WEEKDAYS[:5]},
    "sat": [],
    "sun": [],
}
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
MAX_RANGES_PER_DAY = 8


@dataclass(frozen=True)
class OpeningHours:
    """Per weekday (0 = Monday), the open ranges as minutes after local midnight."""

    days: tuple[tuple[tuple[int, int], ...], ...]


def parse_opening_hours(raw: Mapping[str, Any] | None) -> OpeningHours:
    """Validated opening hours; an empty or missing value means the default."""
    source: Mapping[str, Any] = raw or DEFAULT_OPENING_HOURS
    unknown = set(source) - set(WEEKDAYS)
    if unknown:
        raise Invalid(f"Unknown weekday {sorted(unknown)[0]!r}; use {', '.join(WEEKDAYS)}.", field="openingHours")
    days: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        ranges = source.get(day, [])
        if not isinstance(ranges, list) or len(ranges) > MAX_RANGES_PER_DAY:
            raise Invalid(f"{day}: a list of at most {MAX_RANGES_PER_DAY} ranges.", field="openingHours")
        parsed = sorted(_parse_range(day, r) for r in ranges)
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise Invalid(f"{day}: opening ranges overlap.", field="openingHours")
        days.append(tuple(parsed))
    return OpeningHours(tuple(days))


def _parse_range(day: str, value: object) -> tuple[int, int]:
    match = _RANGE.match(value) if isinstance(value, str) else None
    if match is None:
        raise Invalid(f"{day}: {value!r} is not a range like 09:00-19:00.", field="openingHours")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end > 24 * 60 or end <= start:
        raise Invalid(f"{day}: {value} must end after it starts, by 24:00.", field="openingHours")
    return start, end


def open_intervals(
    hours: OpeningHours, tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The open intervals (UTC, half-open) that fall inside `[start, end)`."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    out: list[tuple[datetime, datetime]] = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        for open_min, close_min in hours.days[day.weekday()]:
            lo = max(_local(day, open_min, tz), start)
            hi = min(_local(day, close_min, tz), end)
            if lo < hi:
                out.append((lo, hi))
        day += timedelta(days=1)
    return out


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time (minutes after midnight; 1440 is the next midnight)."""
    extra, minutes = divmod(minutes, 24 * 60)
    wall = datetime.combine(day + timedelta(days=extra), time(minutes // 60, minutes % 60), tzinfo=tz)
    return wall.astimezone(UTC)
