"""Estimates and actuals: every allocation priced from the rate that applies, summed per booking and project.

- The estimate counts the bookings that reserve capacity or were delivered (HOLD, CONFIRMED,
  IN_PROGRESS, COMPLETED) at their planned windows.
- The actual counts the bookings that started (IN_PROGRESS, COMPLETED, or CONFIRMED with gear out)
  as they really ran: see `actuals.py` for the windows; equipment returned late adds its late-return fee.
- An allocation whose resource has no rate (own or category) at its start is listed unpriced,
  at zero, so a missing rate shows instead of hiding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from db.models import Allocation, Booking, BookingStatus, CustodyRecord, Project, Rate, Resource
from db.repositories import money as rows
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from db.repositories.scoping import Scope
from server.services.money import actuals
from server.services.money.pricing import PricedLine, RateTerms, hours, pick_rate, price_late_return, price_window

ESTIMATE_STATUSES = (BookingStatus.HOLD, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
STARTED_STATUSES = (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
_RATES = "money.rates"
KIND_SUFFIX = {"base": "", "overtime": " - overtime", "late": " - late return"}


@dataclass(frozen=True)
class Line:
    """One priced line of a booking: what, how much of it, at what rate, for how much."""

    source_key: str  # what is billed, e.g. "allocation:42", "allocation:42:overtime", "custody:7:late"
    project_id: int
    booking_id: int | None  # None on a quote
    resource_id: int
    allocation_id: int | None
    description: str
    kind: str
    quantity: Fraction
    unit: str | None  # None: no rate applies
    bill_rate_minor: int | None
    cost_rate_minor: int | None
    bill_minor: int
    cost_minor: int
    start: datetime
    end: datetime

    @property
    def priced(self) -> bool:
        return self.unit is not None


@dataclass
class PriceBook:
    """What pricing a set of bookings needs, loaded once."""

    rates: list[Rate]
    resources: dict[int, Resource]
    allocations: dict[int, list[Allocation]]
    custody: dict[int, list[CustodyRecord]]
    grace: timedelta

    def rate_for(self, resource: Resource, at: datetime) -> Rate | None:
        return pick_rate(self.rates, resource.id, resource.category, at)


async def load_book(
    session: AsyncSession, scope: Scope, bookings: Sequence[Booking], *, with_custody: bool, fresh: bool = False
) -> PriceBook:
    """Rates, allocations, resources (and custody, for actuals) of these bookings, in a few statements.

    `fresh` re-reads rows already in the session (a guard that just took its lock must not price
    from rows loaded before another transaction committed)."""
    booking_ids = [b.id for b in bookings]
    pairs = await rows.allocations_with_resources(session, scope, booking_ids, fresh=fresh)
    by_booking: dict[int, list[Allocation]] = {b: [] for b in booking_ids}
    resources = {r.id: r for _, r in pairs if r is not None}
    for a, _ in pairs:
        by_booking[a.booking_id].append(a)
    custody: dict[int, list[CustodyRecord]] = {b: [] for b in booking_ids}
    if with_custody:
        # A confirmed booking whose gear went out has started too (see actuals.py).
        started = [b.id for b in bookings if b.status in (BookingStatus.CONFIRMED, *STARTED_STATUSES)]
        for record in await rows.custody_of_bookings(session, scope, started):
            custody[record.booking_id or 0].append(record)
    missing = {r.resource_id for rs in custody.values() for r in rs} - resources.keys()
    resources.update({r.id: r for r in await resource_rows.by_ids(session, scope, sorted(missing))})
    grace = timedelta(0)
    if with_custody:
        studio = await tenancy.studio(session, scope)
        grace = timedelta(minutes=studio.overdue_grace_minutes if studio else 0)
    return PriceBook(await _rates(session, scope), resources, by_booking, custody, grace)


async def _rates(session: AsyncSession, scope: Scope) -> list[Rate]:
    """The rate card, read once per session (rates change in transactions of their own)."""
    cached: list[Rate] | None = session.info.get(_RATES)
    if cached is None:
        cached = await rows.rates(session, scope)
        session.info[_RATES] = cached
    return cached


def terms_of(rate: Rate) -> RateTerms:
    return RateTerms(
        unit=rate.unit,
        bill_minor=rate.bill_rate_minor,
        cost_minor=rate.cost_rate_minor,
        day_cap_hours=rate.day_cap_hours,
        overtime_after_hours=rate.overtime_after_hours,
        overtime_percent=rate.overtime_percent,
        late_fee_per_day_minor=rate.late_fee_per_day_minor,
    )


def describe(resource: Resource, allocation: Allocation | None) -> str:
    name = resource.name
    if allocation is not None and allocation.role:
        name = f"{name} ({allocation.role})"
    if allocation is not None and allocation.quantity > 1:
        name = f"{name} x {allocation.quantity}"
    return name


def allocation_lines(
    book: PriceBook,
    booking: Booking,
    allocation: Allocation,
    start: datetime,
    end: datetime,
    *,
    rate_at: datetime | None = None,
) -> list[Line]:
    """The lines of one allocation over a window, at the rate valid when it is planned to start."""
    resource = book.resources[allocation.resource_id]
    rate = book.rate_for(resource, rate_at or allocation.start_at)
    base_key = f"allocation:{allocation.id}"
    if rate is None:
        return [
            Line(
                base_key,
                booking.project_id,
                booking.id,
                resource.id,
                allocation.id,
                describe(resource, allocation),
                "base",
                hours(end - start) * allocation.quantity,
                None,
                None,
                None,
                0,
                0,
                start,
                end,
            )
        ]
    return [
        _line(base_key, booking, resource, allocation, priced, start, end)
        for priced in price_window(terms_of(rate), start, end, allocation.quantity)
    ]


def _line(
    base_key: str,
    booking: Booking,
    resource: Resource,
    allocation: Allocation | None,
    priced: PricedLine,
    start: datetime,
    end: datetime,
) -> Line:
    key = base_key if priced.kind == "base" else f"{base_key}:{priced.kind}"
    return Line(
        source_key=key,
        project_id=booking.project_id,
        booking_id=booking.id,
        resource_id=resource.id,
        allocation_id=allocation.id if allocation is not None else None,
        description=describe(resource, allocation) + KIND_SUFFIX[priced.kind],
        kind=priced.kind,
        quantity=priced.quantity,
        unit=priced.unit,
        bill_rate_minor=priced.bill_rate_minor,
        cost_rate_minor=priced.cost_rate_minor,
        bill_minor=priced.bill_minor,
        cost_minor=priced.cost_minor,
        start=start,
        end=end,
    )


def planned_lines(book: PriceBook, booking: Booking) -> list[Line]:
    """A booking's estimate lines, at the planned windows."""
    return [
        line
        for a in book.allocations.get(booking.id, [])
        for line in allocation_lines(book, booking, a, a.start_at, a.end_at)
    ]


def actual_lines(book: PriceBook, booking: Booking, now: datetime) -> list[Line]:
    """A started booking's lines as it really ran, late-return fees included."""
    records = book.custody.get(booking.id, [])
    session = actuals.session_window(booking, records, now, book.grace)
    out: list[Line] = []
    for a in book.allocations.get(booking.id, []):
        start, end = actuals.billable_window(booking, a, book.resources[a.resource_id].kind, session)
        out.extend(allocation_lines(book, booking, a, start, end))
    for record in records:
        resource = book.resources.get(record.resource_id)
        if resource is None or record.due_at is None:
            continue
        rate = book.rate_for(resource, record.checked_out_at)
        back = record.returned_at or now
        priced = price_late_return(terms_of(rate), record.due_at, back, book.grace) if rate else None
        if priced is not None:
            out.append(_line(f"custody:{record.id}", booking, resource, None, priced, record.due_at, back))
    return out


@dataclass
class ProjectMoney:
    """A project's money: approved budget, estimate and actual, with their lines."""

    project: Project
    estimate_lines: list[Line] = field(default_factory=list)
    actual_lines: list[Line] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.project.currency

    @property
    def approved_minor(self) -> int | None:
        return self.project.approved_budget_minor

    @property
    def estimate_minor(self) -> int:
        return total(self.estimate_lines)

    @property
    def actual_minor(self) -> int:
        return total(self.actual_lines)

    @property
    def remaining_minor(self) -> int | None:
        """Approved minus the larger of estimate and actual (overruns already incurred count)."""
        if self.approved_minor is None:
            return None
        return self.approved_minor - max(self.estimate_minor, self.actual_minor)


def total(lines: Iterable[Line]) -> int:
    return sum(line.bill_minor for line in lines)


async def project_money(
    session: AsyncSession, scope: Scope, projects: Sequence[Project], now: datetime
) -> dict[int, ProjectMoney]:
    """Estimate and actual of each project, in a constant number of statements."""
    if not projects:
        return {}
    bookings = await rows.bookings_of_projects(session, scope, [p.id for p in projects], ESTIMATE_STATUSES)
    book = await load_book(session, scope, bookings, with_custody=True)
    out = {p.id: ProjectMoney(p) for p in projects}
    for booking in bookings:
        money = out[booking.project_id]
        money.estimate_lines.extend(planned_lines(book, booking))
        if actuals.has_started(booking, book.custody.get(booking.id, [])):
            money.actual_lines.extend(actual_lines(book, booking, now))
    return out


async def booking_estimate(session: AsyncSession, scope: Scope, booking: Booking) -> int:
    """What one booking adds to its project's estimate now (0 once it no longer counts)."""
    if booking.status not in ESTIMATE_STATUSES or booking.queue_seq is not None:
        return 0
    book = await load_book(session, scope, [booking], with_custody=False, fresh=True)
    return total(planned_lines(book, booking))


async def created_booking_estimate(session: AsyncSession, scope: Scope, booking: Booking) -> int:
    """`booking_estimate` of a booking this transaction created, priced from the rows it just wrote:
    no other transaction can have given it allocations, so they are all in this session (falls back
    to reading them when a resource is not); a queued hold costs nothing yet."""
    if booking.status not in ESTIMATE_STATUSES or booking.queue_seq is not None:
        return 0
    identities = session.sync_session.identity_map
    written = sorted(
        (o for o in identities.values() if isinstance(o, Allocation) and o.booking_id == booking.id),
        key=lambda a: (a.start_at, a.id),
    )
    if not written:
        # Nothing held in the session (rows it no longer references are dropped): read them.
        return await booking_estimate(session, scope, booking)
    resources: dict[int, Resource] = {}
    for a in written:
        resource = identities.get(identity_key(Resource, a.resource_id))
        if not isinstance(resource, Resource):
            return await booking_estimate(session, scope, booking)
        resources[resource.id] = resource
    book = PriceBook(await _rates(session, scope), resources, {booking.id: written}, {booking.id: []}, timedelta(0))
    return total(planned_lines(book, booking))


async def project_estimate(session: AsyncSession, scope: Scope, project_id: int) -> int:
    """A project's estimate in minor units (planned lines only, for the budget guard)."""
    bookings = await rows.bookings_of_projects(session, scope, [project_id], ESTIMATE_STATUSES, fresh=True)
    book = await load_book(session, scope, bookings, with_custody=False, fresh=True)
    return sum(total(planned_lines(book, b)) for b in bookings)
