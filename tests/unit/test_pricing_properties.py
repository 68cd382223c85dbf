"""Properties of pricing over random windows and rates: exact, never negative, capped, monotonic."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from db.models import RateUnit
from server.services.money.pricing import RateTerms, day_hours, hours, price_window, round_half_up

START = datetime(2031, 3, 3, 9, tzinfo=UTC)
minutes = st.integers(min_value=1, max_value=6 * 24 * 60)
rates = st.integers(min_value=0, max_value=500_000)


def total(lines: list) -> int:
    return sum(line.bill_minor for line in lines)


@settings(max_examples=300, deadline=None)
@given(length=minutes, rate=rates, quantity=st.integers(1, 20))
def test_plain_hourly_is_hours_times_rate_rounded_once(length: int, rate: int, quantity: int) -> None:
    end = START + timedelta(minutes=length)
    (line,) = price_window(RateTerms(RateUnit.HOUR, rate, rate), START, end, quantity)
    assert line.bill_minor == round_half_up(Fraction(length, 60) * rate * quantity)
    assert line.bill_minor >= 0 and line.quantity == Fraction(length, 60) * quantity


@settings(max_examples=300, deadline=None)
@given(length=minutes, rate=rates, cap=st.integers(1, 24))
def test_a_day_cap_never_bills_more_than_a_capped_day(length: int, rate: int, cap: int) -> None:
    end = START + timedelta(minutes=length)
    capped = total(price_window(RateTerms(RateUnit.HOUR, rate, 0, day_cap_hours=cap), START, end))
    plain = total(price_window(RateTerms(RateUnit.HOUR, rate, 0), START, end))
    days = len(day_hours(START, end))
    assert capped <= plain
    assert capped <= days * cap * rate


@settings(max_examples=300, deadline=None)
@given(length=minutes, rate=rates, after=st.integers(1, 24), percent=st.integers(100, 400))
def test_overtime_splits_hours_and_never_bills_less(length: int, rate: int, after: int, percent: int) -> None:
    end = START + timedelta(minutes=length)
    terms = RateTerms(RateUnit.HOUR, rate, 0, overtime_after_hours=after, overtime_percent=percent)
    lines = price_window(terms, START, end)
    assert sum((line.quantity for line in lines), Fraction(0)) == hours(end - START)
    assert lines[0].quantity <= len(day_hours(START, end)) * after
    assert total(lines) >= total(price_window(RateTerms(RateUnit.HOUR, rate, 0), START, end)) - len(lines)


@settings(max_examples=300, deadline=None)
@given(
    length=minutes,
    extra=st.integers(0, 24 * 60),
    rate=rates,
    unit=st.sampled_from(list(RateUnit)),
    cap=st.one_of(st.none(), st.integers(1, 24)),
)
def test_a_longer_window_never_costs_less(length: int, extra: int, rate: int, unit: RateUnit, cap: int | None) -> None:
    terms = RateTerms(unit, rate, 0, day_cap_hours=cap if unit == RateUnit.HOUR else None)
    short = total(price_window(terms, START, START + timedelta(minutes=length)))
    long = total(price_window(terms, START, START + timedelta(minutes=length + extra)))
    assert 0 <= short <= long


@settings(max_examples=200, deadline=None)
@given(length=minutes, rate=rates)
def test_half_days_and_days_count_started_blocks(length: int, rate: int) -> None:
    end = START + timedelta(minutes=length)
    days = len(day_hours(START, end))
    assert total(price_window(RateTerms(RateUnit.DAY, rate, 0), START, end)) == days * rate
    halves = total(price_window(RateTerms(RateUnit.HALF_DAY, rate, 0), START, end))
    last_day = length - (days - 1) * 24 * 60
    assert halves == (2 * (days - 1) + min(math.ceil(last_day / 240), 2)) * rate
