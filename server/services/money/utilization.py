"""Utilization: which rooms, gear and people earn their keep over a period.

- Bookable hours: the studio's opening hours inside the period (see `opening_hours.py`), times the
  pool size for stock; a resource retired during the period is bookable until it was retired.
- Booked hours: allocations of CONFIRMED, IN_PROGRESS and COMPLETED bookings (holds are tentative
  and do not count) clipped to the period, times the quantity; they may fall outside opening hours,
  so utilization can pass 100%.
- Revenue and cost: each allocation's lines (as it really ran for started bookings, as planned
  otherwise; late-return fees included), shared out by the part of each line's window inside the
  period and rounded half-up per resource.
- Idle: resources with no booked hours in the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import POOL_KINDS, BookingStatus, Resource, ResourceKind
from db.repositories import money as rows
from db.repositories import tenancy
from server.services import validation as v
from server.services.errors import Invalid, NotFound
from server.services.money import actuals, estimates
from server.services.money.opening_hours import open_intervals, parse_opening_hours
from server.services.money.pricing import hours, round_half_up
from server.services.permissions import Action, allowed
from server.services.principal import Principal

BOOKED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class UtilizationQuery:
    start: datetime
    end: datetime
    kind: ResourceKind | None = None
    category: str | None = None
    location_id: int | None = None


@dataclass
class Use:
    """Hours and money of one resource, or summed over a category or the whole report."""

    bookable: Fraction = Fraction(0)
    booked: Fraction = Fraction(0)
    revenue: Fraction = Fraction(0)
    cost: Fraction = Fraction(0)

    def add(self, other: Use) -> None:
        self.bookable += other.bookable
        self.booked += other.booked
        self.revenue += other.revenue
        self.cost += other.cost

    @property
    def percent(self) -> Decimal | None:
        """Booked over bookable hours, in percent to one decimal (None when nothing was bookable)."""
        if self.bookable == 0:
            return None
        return Decimal(round_half_up(self.booked / self.bookable * 1000)).scaleb(-1)

    @property
    def revenue_minor(self) -> int:
        return round_half_up(self.revenue)

    @property
    def cost_minor(self) -> int:
        return round_half_up(self.cost)


@dataclass
class ResourceUse:
    resource: Resource
    use: Use


@dataclass
class CategoryUse:
    kind: ResourceKind
    category: str | None
    resources: int
    use: Use


@dataclass
class Report:
    start: datetime
    end: datetime
    currency: str
    resources: list[ResourceUse] = field(default_factory=list)
    categories: list[CategoryUse] = field(default_factory=list)
    total: Use = field(default_factory=Use)

    @property
    def idle(self) -> list[Resource]:
        return [r.resource for r in self.resources if r.use.booked == 0]


def overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> Fraction:
    """Hours two half-open windows share."""
    lo, hi = max(a_start, b_start), min(a_end, b_end)
    return hours(hi - lo) if hi > lo else Fraction(0)


async def utilization(
    session: AsyncSession, principal: Principal | None, query: UtilizationQuery, now: datetime
) -> Report | None:
    """The report, or None for roles that may not see revenue and cost (everyone but staff)."""
    if principal is None or not allowed(principal, Action.MANAGE_MONEY):
        return None
    v.window(query.start, query.end)
    if query.end - query.start > MAX_PERIOD:
        raise Invalid("A utilization period may be at most 366 days.", field="end")
    studio = await tenancy.studio(session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    opening = parse_opening_hours(studio.opening_hours)
    open_spans = open_intervals(opening, ZoneInfo(studio.timezone), query.start, query.end)
    resources = await rows.resources_for_utilization(
        session,
        principal,
        kind=query.kind,
        category=query.category,
        location_id=query.location_id,
        period_start=query.start,
    )
    uses = {r.id: Use(bookable=_bookable(r, open_spans)) for r in resources}
    pairs = await rows.allocations_in_period(session, principal, list(uses), query.start, query.end, BOOKED_STATUSES)
    for allocation, _ in pairs:
        clipped = overlap(allocation.start_at, allocation.end_at, query.start, query.end)
        uses[allocation.resource_id].booked += clipped * allocation.quantity
    bookings = list({b.id: b for _, b in pairs}.values())
    book = await estimates.load_book(session, principal, bookings, with_custody=True)
    for booking in bookings:
        started = actuals.has_started(booking, book.custody.get(booking.id, []))
        lines = estimates.actual_lines(book, booking, now) if started else estimates.planned_lines(book, booking)
        for line in lines:
            if line.resource_id not in uses:
                continue
            span = hours(line.end - line.start)
            share = overlap(line.start, line.end, query.start, query.end) / span if span else Fraction(0)
            uses[line.resource_id].revenue += line.bill_minor * share
            uses[line.resource_id].cost += line.cost_minor * share
    report = Report(query.start, query.end, studio.currency)
    report.resources = [ResourceUse(r, uses[r.id]) for r in resources]
    report.categories = _by_category(report.resources)
    for ru in report.resources:
        report.total.add(ru.use)
    return report


def _bookable(resource: Resource, spans: Iterable[tuple[datetime, datetime]]) -> Fraction:
    until = resource.retired_at
    out = Fraction(0)
    for start, end in spans:
        if until is not None:
            end = min(end, until)
        if end > start:
            out += hours(end - start)
    return out * (resource.quantity if resource.kind in POOL_KINDS else 1)


def _by_category(uses: list[ResourceUse]) -> list[CategoryUse]:
    groups: dict[tuple[ResourceKind, str | None], CategoryUse] = {}
    for ru in uses:
        category = ru.resource.category.casefold() if ru.resource.category else None
        key = (ru.resource.kind, category)
        if key not in groups:
            groups[key] = CategoryUse(ru.resource.kind, ru.resource.category, 0, Use())
        groups[key].resources += 1
        groups[key].use.add(ru.use)
    return sorted(groups.values(), key=lambda c: (c.kind.value, (c.category or "").casefold()))
