"""Pricing rules with exact amounts: units, day caps, overtime, late fees, stock quantities and rounding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from db.models import RateUnit
from server.services.money.pricing import (
    RateTerms,
    day_hours,
    days_late,
    periods_overlap,
    pick_rate,
    price_late_return,
    price_window,
    quantity_decimal,
    round_half_up,
)

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def amounts(lines: list) -> list[tuple[str, Decimal, int, int]]:
    """(kind, quantity, bill, cost) of each line, for exact comparison."""
    return [(ln.kind, quantity_decimal(ln.quantity), ln.bill_minor, ln.cost_minor) for ln in lines]


HOURLY = RateTerms(RateUnit.HOUR, bill_minor=4500, cost_minor=2000)


def test_hourly_bills_exact_hours() -> None:
    lines = price_window(HOURLY, at(2, 10), at(2, 12, 30))
    assert amounts(lines) == [("base", Decimal("2.5"), 11250, 5000)]
    assert (lines[0].unit, lines[0].bill_rate_minor, lines[0].cost_rate_minor) == ("HOUR", 4500, 2000)


def test_hourly_day_cap_bills_a_long_day_as_the_cap() -> None:
    capped = RateTerms(RateUnit.HOUR, bill_minor=4500, cost_minor=2000, day_cap_hours=8)
    assert amounts(price_window(capped, at(2, 9), at(2, 15))) == [("base", Decimal(6), 27000, 12000)]
    assert amounts(price_window(capped, at(2, 9), at(2, 19))) == [("base", Decimal(8), 36000, 16000)]
    # 30 hours are a full day (capped at 8) and a second day of 6 hours.
    assert amounts(price_window(capped, at(2, 9), at(3, 15))) == [("base", Decimal(14), 63000, 28000)]


def test_half_day_counts_started_four_hour_blocks_at_most_two_a_day() -> None:
    half = RateTerms(RateUnit.HALF_DAY, bill_minor=25000, cost_minor=9000)
    assert amounts(price_window(half, at(2, 9), at(2, 12))) == [("base", Decimal(1), 25000, 9000)]
    assert amounts(price_window(half, at(2, 9), at(2, 13))) == [("base", Decimal(1), 25000, 9000)]
    assert amounts(price_window(half, at(2, 9), at(2, 13, 1))) == [("base", Decimal(2), 50000, 18000)]
    assert amounts(price_window(half, at(2, 9), at(2, 21))) == [("base", Decimal(2), 50000, 18000)]
    # A day and six hours: two half-days, then two more.
    assert amounts(price_window(half, at(2, 9), at(3, 15))) == [("base", Decimal(4), 100000, 36000)]


def test_day_rate_bills_each_started_day() -> None:
    daily = RateTerms(RateUnit.DAY, bill_minor=40000, cost_minor=25000)
    assert amounts(price_window(daily, at(2, 9), at(2, 19))) == [("base", Decimal(1), 40000, 25000)]
    assert amounts(price_window(daily, at(2, 9), at(3, 9))) == [("base", Decimal(1), 40000, 25000)]
    assert amounts(price_window(daily, at(2, 9), at(3, 10))) == [("base", Decimal(2), 80000, 50000)]
    # An overnight session is one day, not two calendar days.
    assert amounts(price_window(daily, at(2, 20), at(3, 4))) == [("base", Decimal(1), 40000, 25000)]


def test_hourly_crew_overtime_after_n_hours_in_a_day() -> None:
    crew = RateTerms(RateUnit.HOUR, bill_minor=3500, cost_minor=2200, overtime_after_hours=8, overtime_percent=150)
    assert amounts(price_window(crew, at(2, 9), at(2, 17))) == [("base", Decimal(8), 28000, 17600)]
    lines = price_window(crew, at(2, 9), at(2, 19, 30))
    assert amounts(lines) == [("base", Decimal(8), 28000, 17600), ("overtime", Decimal("2.5"), 13125, 8250)]
    assert (lines[1].unit, lines[1].bill_rate_minor, lines[1].cost_rate_minor) == ("HOUR", 5250, 3300)


def test_day_rate_overtime_is_the_hourly_equivalent_times_the_multiplier() -> None:
    crew = RateTerms(RateUnit.DAY, bill_minor=40000, cost_minor=30000, overtime_after_hours=10, overtime_percent=150)
    lines = price_window(crew, at(2, 8), at(2, 20))
    # 400.00 / 10 h x 1.5 = 60.00 an hour of overtime; 300.00 / 10 x 1.5 = 45.00 of cost.
    assert amounts(lines) == [("base", Decimal(1), 40000, 30000), ("overtime", Decimal(2), 12000, 9000)]


def test_overtime_is_counted_per_day() -> None:
    crew = RateTerms(RateUnit.HOUR, bill_minor=1000, cost_minor=1000, overtime_after_hours=10, overtime_percent=200)
    # Day one: 24 h (14 over); day two: 11 h (1 over).
    lines = price_window(crew, at(2, 8), at(3, 19))
    assert amounts(lines) == [("base", Decimal(20), 20000, 20000), ("overtime", Decimal(15), 30000, 30000)]


def test_flat_fee_ignores_the_length() -> None:
    flat = RateTerms(RateUnit.FLAT, bill_minor=15000, cost_minor=0)
    assert amounts(price_window(flat, at(2, 9), at(2, 9, 1))) == [("base", Decimal(1), 15000, 0)]
    assert amounts(price_window(flat, at(2, 9), at(9, 9))) == [("base", Decimal(1), 15000, 0)]


def test_stock_quantity_multiplies_the_line() -> None:
    cables = RateTerms(RateUnit.DAY, bill_minor=250, cost_minor=40)
    assert amounts(price_window(cables, at(2, 9), at(3, 17), quantity=6)) == [("base", Decimal(12), 3000, 480)]
    flat = RateTerms(RateUnit.FLAT, bill_minor=15000, cost_minor=0)
    assert amounts(price_window(flat, at(2, 9), at(2, 10), quantity=3)) == [("base", Decimal(3), 45000, 0)]


def test_rounding_is_half_up_once_per_line() -> None:
    # 45.53 for half an hour is 22.765: half-up gives 22.77 (banker's rounding would give 22.76).
    odd = RateTerms(RateUnit.HOUR, bill_minor=4553, cost_minor=3333)
    assert amounts(price_window(odd, at(2, 9), at(2, 9, 30))) == [("base", Decimal("0.5"), 2277, 1667)]
    # 50 minutes of 33.33 is 27.775 exactly: 27.78.
    third = RateTerms(RateUnit.HOUR, bill_minor=3333, cost_minor=1)
    assert amounts(price_window(third, at(2, 9), at(2, 9, 50))) == [("base", Decimal("0.8333"), 2778, 1)]
    # Twenty minutes three days running are priced as one line of 1 h, never three rounded thirds.
    assert round_half_up(Fraction(3333, 3)) * 3 == 3333
    assert amounts(price_window(third, at(2, 9), at(2, 9, 20))) == [("base", Decimal("0.3333"), 1111, 0)]


def test_round_half_up_boundaries() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5, -1, -3)] == [1, 2, 3, -1, -2]
    assert round_half_up(Fraction(49999, 100000)) == 0


def test_hours_are_real_elapsed_time_across_a_clock_change() -> None:
    # 29 March 2026: London springs forward at 01:00, so 00:00-12:00 local is 11 real hours.
    start = datetime(2026, 3, 29, 0, 0, tzinfo=LONDON)
    end = datetime(2026, 3, 29, 12, 0, tzinfo=LONDON)
    assert day_hours(start, end) == [Fraction(11)]
    assert amounts(price_window(HOURLY, start, end)) == [("base", Decimal(11), 49500, 22000)]


def test_late_return_fee_per_started_day_after_the_grace() -> None:
    gear = RateTerms(RateUnit.DAY, bill_minor=6000, cost_minor=1000, late_fee_per_day_minor=2500)
    due = at(2, 18)
    grace = timedelta(minutes=30)
    assert price_late_return(gear, due, at(2, 18, 20), grace) is None
    assert days_late(due, at(2, 18, 31), grace) == 1
    one = price_late_return(gear, due, at(3, 9), grace)
    assert one is not None and amounts([one]) == [("late", Decimal(1), 2500, 0)]
    three = price_late_return(gear, due, at(4, 18, 1), grace)
    assert three is not None and amounts([three]) == [("late", Decimal(3), 7500, 0)]
    no_fee = RateTerms(RateUnit.DAY, bill_minor=6000, cost_minor=1000)
    assert price_late_return(no_fee, due, at(5, 9), grace) is None


def test_bad_windows_and_quantities_are_refused() -> None:
    with pytest.raises(ValueError):
        price_window(HOURLY, at(2, 10), at(2, 10))
    with pytest.raises(ValueError):
        price_window(HOURLY, at(2, 10), at(2, 11), quantity=0)


@dataclass
class FakeRate:
    name: str
    resource_id: int | None = None
    category: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def test_resource_rate_wins_over_category_rate() -> None:
    rates = [FakeRate("mics", category="Microphone"), FakeRate("mic 7", resource_id=7)]
    assert pick_rate(rates, 7, "microphone", at(2, 9)).name == "mic 7"  # type: ignore[union-attr]
    assert pick_rate(rates, 8, "microphone", at(2, 9)).name == "mics"  # type: ignore[union-attr]
    assert pick_rate(rates, 8, None, at(2, 9)) is None
    assert pick_rate(rates, 8, "camera", at(2, 9)) is None


def test_category_fallback_when_the_resource_rate_is_not_valid_yet() -> None:
    rates = [FakeRate("mics", category="microphone"), FakeRate("mic 7 from April", 7, valid_from=at(1, 0, month=4))]
    assert pick_rate(rates, 7, "microphone", at(31, 23)).name == "mics"  # type: ignore[union-attr]
    assert pick_rate(rates, 7, "microphone", at(1, 0, month=4)).name == "mic 7 from April"  # type: ignore[union-attr]


def test_validity_is_half_open() -> None:
    old = FakeRate("old", category="camera", valid_until=at(1, 0, month=4))
    new = FakeRate("new", category="camera", valid_from=at(1, 0, month=4))
    assert pick_rate([old, new], 1, "camera", at(31, 23, month=3)).name == "old"  # type: ignore[union-attr]
    assert pick_rate([old, new], 1, "camera", at(1, 0, month=4)).name == "new"  # type: ignore[union-attr]
    assert not periods_overlap(old.valid_from, old.valid_until, new.valid_from, new.valid_until)
    assert periods_overlap(None, None, new.valid_from, None)
    assert periods_overlap(at(1, 0), at(3, 0), at(2, 0), at(4, 0))
    assert not periods_overlap(at(1, 0), at(2, 0), at(2, 0), at(4, 0))


def test_quantity_display() -> None:
    assert [str(quantity_decimal(q)) for q in (Fraction(10), Fraction(5, 2), Fraction(1, 3), Fraction(3, 2))] == [
        "10",
        "2.5",
        "0.3333",
        "1.5",
    ]
