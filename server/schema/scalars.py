"""Scalars: DateTime must carry an offset (naive times are refused); Decimal travels as a string."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

MIN_YEAR, MAX_YEAR = 1970, 2200


def parse_datetime(value: object) -> datetime:
    """ISO-8601 with an offset, within a sane range; anything else is a GraphQL input error."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("DateTime must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO-8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("DateTime must carry a UTC offset, e.g. 2026-03-02T10:00:00+01:00")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"DateTime must lie between {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def serialize_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


DateTime = strawberry.scalar(
    name="DateTime",
    description="An ISO-8601 date-time with an offset; returned in UTC.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)
