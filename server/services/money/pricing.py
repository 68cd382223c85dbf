"""Pricing one allocation window from a rate: pure functions, exact fractions, one rounding per line.

The rules (the README's Money section says the same for people):

- A *day* is each 24-hour period counted from the window's start, so an overnight session is one
  day and a three-day hire of 57 hours is three days. Day caps and overtime apply per day.
- HOUR: the exact hours (to the second) times the rate. A day cap of N hours means a day never
  bills more than N hours: hours beyond it bill as the day they belong to. Crew overtime: hours
  beyond N in a day bill at the overtime percentage of the rate, on a separate line. One rate has a
  day cap or overtime, never both.
- HALF_DAY: each day bills one half-day per started four hours, at most two (a whole day).
- DAY: each started day bills one day. Overtime (crew day rates): hours beyond N in a day bill at
  the overtime percentage of the rate divided by N.
- FLAT: one fee per allocation, whatever its length.
- Stock allocations multiply every line by their quantity.
- Late return: each started day past the due time (after the studio's grace) bills the rate's late
  fee per day.
- Amounts are kept as exact fractions of the minor unit and rounded half-up once, when a line is
  priced; the rate shown on a line is rounded the same way for display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Protocol, TypeVar

from db.models import RateUnit

DAY = timedelta(hours=24)
HALF_DAY_HOURS = 4
HALF_DAYS_PER_DAY = 2


class RateRow(Protocol):
    """What rate selection reads from a stored rate."""

    @property
    def resource_id(self) -> int | None: ...

    @property
    def category(self) -> str | None: ...

    @property
    def valid_from(self) -> datetime | None: ...

    @property
    def valid_until(self) -> datetime | None: ...


R = TypeVar("R", bound=RateRow)


@dataclass(frozen=True)
class RateTerms:
    """The parts of a rate that pricing needs; amounts in minor units of the studio's currency."""

    unit: RateUnit
    bill_minor: int
    cost_minor: int
    day_cap_hours: int | None = None
    overtime_after_hours: int | None = None
    overtime_percent: int | None = None
    late_fee_per_day_minor: int | None = None


@dataclass(frozen=True)
class PricedLine:
    """One priced line: `quantity` units of `unit` at a rate, bill and cost side by side."""

    kind: str  # "base", "overtime" or "late"
    quantity: Fraction
    unit: str  # a RateUnit value, or "HOUR" for overtime, "DAY" for late days
    bill_rate: Fraction  # minor units per unit, exact
    cost_rate: Fraction
    bill_minor: int  # rounded half-up once, here
    cost_minor: int

    @property
    def bill_rate_minor(self) -> int:
        return round_half_up(self.bill_rate)

    @property
    def cost_rate_minor(self) -> int:
        return round_half_up(self.cost_rate)


def round_half_up(value: Fraction) -> int:
    """The nearest integer, halves away from zero (money is never negative here, but be exact anyway)."""
    if value < 0:
        return -round_half_up(-value)
    return math.floor(value + Fraction(1, 2))


def hours(delta: timedelta) -> Fraction:
    """A duration in hours, exact to the microsecond."""
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Fraction(micro, 3_600_000_000)


def day_hours(start: datetime, end: datetime) -> list[Fraction]:
    """The hours in each day (24-hour period from `start`) of a half-open window."""
    # Real elapsed time: aware datetimes sharing a zone would otherwise subtract as wall clocks.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise ValueError("a priced window must have its end after its start")
    out: list[Fraction] = []
    cursor = start
    while cursor < end:
        step = min(end, cursor + DAY)
        out.append(hours(step - cursor))
        cursor = step
    return out


def quantity_decimal(quantity: Fraction, places: int = 4) -> Decimal:
    """A line quantity for display: at most `places` decimals, no trailing zeros."""
    scaled = round_half_up(quantity * 10**places)
    value = Decimal(scaled).scaleb(-places)
    normal = value.normalize()
    # normalize() turns 10 into 1E+1; keep integers in plain notation.
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _line(kind: str, quantity: Fraction, unit: str, bill: Fraction, cost: Fraction, units: int) -> PricedLine:
    return PricedLine(
        kind=kind,
        quantity=quantity * units,
        unit=unit,
        bill_rate=bill,
        cost_rate=cost,
        bill_minor=round_half_up(quantity * bill * units),
        cost_minor=round_half_up(quantity * cost * units),
    )


def price_window(terms: RateTerms, start: datetime, end: datetime, quantity: int = 1) -> list[PricedLine]:
    """The lines of one allocation window: the base line, and an overtime line where one applies."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    days = day_hours(start, end)
    bill, cost = Fraction(terms.bill_minor), Fraction(terms.cost_minor)
    unit = terms.unit
    if unit == RateUnit.FLAT:
        return [_line("base", Fraction(1), unit.value, bill, cost, quantity)]
    if unit == RateUnit.HALF_DAY:
        halves = sum(min(math.ceil(h / HALF_DAY_HOURS), HALF_DAYS_PER_DAY) for h in days)
        return [_line("base", Fraction(halves), unit.value, bill, cost, quantity)]
    overtime = _overtime_hours(terms, days)
    if unit == RateUnit.DAY:
        lines = [_line("base", Fraction(len(days)), unit.value, bill, cost, quantity)]
        if overtime:
            after = Fraction(terms.overtime_after_hours or 1)
            factor = Fraction(terms.overtime_percent or 100, 100)
            lines.append(_line("overtime", overtime, "HOUR", bill / after * factor, cost / after * factor, quantity))
        return lines
    # HOUR
    total = sum(days, Fraction(0))
    if terms.day_cap_hours is not None:
        cap = Fraction(terms.day_cap_hours)
        total = sum((min(h, cap) for h in days), Fraction(0))
    lines = [_line("base", total - overtime, unit.value, bill, cost, quantity)]
    if overtime:
        factor = Fraction(terms.overtime_percent or 100, 100)
        lines.append(_line("overtime", overtime, "HOUR", bill * factor, cost * factor, quantity))
    return lines


def _overtime_hours(terms: RateTerms, days: list[Fraction]) -> Fraction:
    """Hours beyond the overtime threshold, summed over the days (zero without overtime terms)."""
    if terms.overtime_after_hours is None or terms.overtime_percent is None:
        return Fraction(0)
    after = Fraction(terms.overtime_after_hours)
    return sum((max(h - after, Fraction(0)) for h in days), Fraction(0))


def days_late(due_at: datetime, returned_at: datetime, grace: timedelta = timedelta(0)) -> int:
    """Started days past the due time, or 0 when back within the grace period."""
    late = returned_at.astimezone(UTC) - due_at.astimezone(UTC)
    if late <= grace:
        return 0
    return math.ceil(hours(late) / 24)


def price_late_return(
    terms: RateTerms, due_at: datetime, returned_at: datetime, grace: timedelta = timedelta(0)
) -> PricedLine | None:
    """The late-return fee line of one custody, if the rate has a fee and the item came back late."""
    fee = terms.late_fee_per_day_minor
    late = days_late(due_at, returned_at, grace)
    if not fee or late == 0:
        return None
    # The fee is a charge to the client with no matching cost to the studio.
    return _line("late", Fraction(late), "DAY", Fraction(fee), Fraction(0), 1)


def periods_overlap(
    a_from: datetime | None, a_until: datetime | None, b_from: datetime | None, b_until: datetime | None
) -> bool:
    """Whether two half-open validity periods share an instant (None is unbounded)."""
    a_starts_before_b_ends = b_until is None or a_from is None or a_from < b_until
    b_starts_before_a_ends = a_until is None or b_from is None or b_from < a_until
    return a_starts_before_b_ends and b_starts_before_a_ends


def valid_at(rate: RateRow, at: datetime) -> bool:
    """Whether a rate's half-open validity covers an instant."""
    return (rate.valid_from is None or rate.valid_from <= at) and (rate.valid_until is None or at < rate.valid_until)


def pick_rate(rates: list[R], resource_id: int, category: str | None, at: datetime) -> R | None:
    """The rate that prices a resource at an instant: its own rate, else its category's (case-blind)."""
    own = [r for r in rates if r.resource_id == resource_id and valid_at(r, at)]
    if own:
        return own[0]
    if category is None:
        return None
    key = category.casefold()
    shared = [r for r in rates if r.resource_id is None and (r.category or "").casefold() == key and valid_at(r, at)]
    return shared[0] if shared else None
