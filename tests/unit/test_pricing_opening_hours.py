"""Opening hours: the format, its validation, and bookable hours across weeks and clock changes."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from server.services.errors import Invalid
from server.services.money.opening_hours import open_intervals, parse_opening_hours
from server.services.money.pricing import hours

LONDON = ZoneInfo("Europe/London")


def total(intervals: list[tuple[datetime, datetime]]) -> Fraction:
    return sum((hours(b - a) for a, b in intervals), Fraction(0))


def test_default_is_nine_to_seven_monday_to_friday() -> None:
    default = parse_opening_hours({})
    # Monday 2 March to Monday 9 March 2026 (GMT): five days of ten hours.
    start, end = datetime(2026, 3, 2, tzinfo=LONDON), datetime(2026, 3, 9, tzinfo=LONDON)
    spans = open_intervals(default, LONDON, start, end)
    assert total(spans) == 50
    assert spans[0] == (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 19, tzinfo=UTC))


def test_summer_time_shifts_the_utc_hours_not_the_local_ones() -> None:
    default = parse_opening_hours(None)
    monday = datetime(2026, 6, 1, tzinfo=LONDON)
    spans = open_intervals(default, LONDON, monday, datetime(2026, 6, 2, tzinfo=LONDON))
    assert spans == [(datetime(2026, 6, 1, 8, tzinfo=UTC), datetime(2026, 6, 1, 18, tzinfo=UTC))]


def test_a_period_clips_the_opening_hours() -> None:
    default = parse_opening_hours({})
    spans = open_intervals(
        default, LONDON, datetime(2026, 3, 2, 12, tzinfo=UTC), datetime(2026, 3, 3, 10, 30, tzinfo=UTC)
    )
    assert total(spans) == Fraction(8.5)


def test_round_the_clock_day_of_the_spring_clock_change_has_23_hours() -> None:
    always = parse_opening_hours({day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    spans = open_intervals(always, LONDON, datetime(2026, 3, 29, tzinfo=LONDON), datetime(2026, 3, 30, tzinfo=LONDON))
    assert total(spans) == 23


def test_custom_week_with_split_days_and_closed_days() -> None:
    custom = parse_opening_hours({"sat": ["10:00-13:00", "14:00-16:00"], "mon": ["08:30-20:00"]})
    week = open_intervals(custom, LONDON, datetime(2026, 3, 2, tzinfo=LONDON), datetime(2026, 3, 9, tzinfo=LONDON))
    assert total(week) == Fraction(23, 2) + 5


@pytest.mark.parametrize(
    "raw",
    [
        {"monday": ["09:00-19:00"]},
        {"mon": "09:00-19:00"},
        {"mon": ["9-19"]},
        {"mon": ["19:00-09:00"]},
        {"mon": ["09:00-09:00"]},
        {"mon": ["09:00-24:30"]},
        {"mon": ["09:00-13:00", "12:00-15:00"]},
        {"mon": [9]},
    ],
)
def test_bad_opening_hours_are_refused(raw: dict) -> None:
    with pytest.raises(Invalid) as caught:
        parse_opening_hours(raw)
    assert caught.value.field == "openingHours"
