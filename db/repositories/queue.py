"""Queued holds (pencils): their place in line, what stands ahead of them, and the deadlines the
sweeper acts on. A queued hold is a HOLD with `queue_seq` set; it has allocations but no claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BLOCKING_STATUSES, Allocation, ApiToken, Booking, BookingStatus, Resource, ResourceKind
from db.models.scheduling import hold_lapsed


async def lock_resources(session: AsyncSession, studio_id: int, resource_ids: Sequence[int]) -> None:
    """Lock the resources' rows in id order: joining a queue and promoting from it take turns per
    resource (SQLite writers already hold the database lock)."""
    if resource_ids:
        await session.execute(
            select(Resource.id)
            .where(Resource.studio_id == studio_id, Resource.id.in_(sorted(set(resource_ids))))
            .order_by(Resource.id)
            .with_for_update()
        )


async def next_seq(session: AsyncSession, studio_id: int) -> int:
    """The next place in line of the studio (taken under the resource locks, so it orders joiners)."""
    top = await session.scalar(select(func.max(Booking.queue_seq)).where(Booking.studio_id == studio_id))
    return int(top or 0) + 1


@dataclass(frozen=True)
class Span:
    """One allocation of a booking, with its buffered window and what the booking is now."""

    booking_id: int
    resource_id: int
    kind: ResourceKind
    start: datetime
    end: datetime
    status: BookingStatus
    queue_seq: int | None
    hold_expires_at: datetime | None
    project_id: int

    def overlaps(self, other: Span) -> bool:
        return self.resource_id == other.resource_id and self.start < other.end and other.start < self.end

    def live(self, now: datetime) -> bool:
        return self.status in BLOCKING_STATUSES and not hold_lapsed(self.status, self.hold_expires_at, now)


def _spans() -> Select[*tuple[Any, ...]]:
    """Allocations with their resource's buffers and their booking's state."""
    return (
        select(
            Allocation.booking_id,
            Allocation.resource_id,
            Resource.kind,
            Resource.setup_minutes,
            Resource.teardown_minutes,
            Allocation.start_at,
            Allocation.end_at,
            Booking.status,
            Booking.queue_seq,
            Booking.hold_expires_at,
            Booking.project_id,
        )
        .join(Resource, Resource.id == Allocation.resource_id)
        .join(Booking, Booking.id == Allocation.booking_id)
    )


def _span(row: Row[*tuple[Any, ...]]) -> Span:
    bid, rid, kind, setup, teardown, start, end, status, seq, expires, project = row
    return Span(
        bid,
        rid,
        kind,
        start - timedelta(minutes=setup),
        end + timedelta(minutes=teardown),
        status,
        seq,
        expires,
        project,
    )


async def spans_of(session: AsyncSession, booking_ids: Sequence[int]) -> list[Span]:
    """Every allocation of these bookings, buffered."""
    if not booking_ids:
        return []
    stmt = (
        _spans()
        .where(Allocation.booking_id.in_(sorted(set(booking_ids))))
        .order_by(Allocation.booking_id, Allocation.id)
    )
    return [_span(row) for row in await session.execute(stmt)]


async def contenders(session: AsyncSession, studio_id: int, spans: Sequence[Span]) -> list[Span]:
    """Allocations of blocking bookings (queued ones too) on the spans' resources that may overlap them."""
    if not spans:
        return []
    # Allocation windows are stored without buffers: widen the search by a day of setup and teardown
    # and let `Span.overlaps` decide on the buffered windows.
    pad = timedelta(days=1)
    lo = min(s.start for s in spans) - pad
    hi = max(s.end for s in spans) + pad
    stmt = _spans().where(
        Allocation.studio_id == studio_id,
        Allocation.resource_id.in_(sorted({s.resource_id for s in spans})),
        Allocation.start_at < hi,
        Allocation.end_at > lo,
        Booking.status.in_(BLOCKING_STATUSES),
    )
    return [_span(row) for row in await session.execute(stmt)]


async def waiting(session: AsyncSession, studio_id: int, booking_ids: Sequence[int]) -> list[Booking]:
    """Those of these bookings that still wait in a queue, in queue order."""
    if not booking_ids:
        return []
    stmt = (
        select(Booking)
        .where(
            Booking.studio_id == studio_id,
            Booking.id.in_(sorted(set(booking_ids))),
            Booking.status == BookingStatus.HOLD,
            Booking.queue_seq.is_not(None),
        )
        .order_by(Booking.queue_seq, Booking.id)
    )
    return list((await session.scalars(stmt)).all())


async def lock_waiting(session: AsyncSession, booking_id: int) -> Booking | None:
    """The queued hold, locked, unless another transaction holds it (it is being cancelled or
    promoted there: skipping it keeps promotions from waiting on each other in a cycle)."""
    stmt = (
        select(Booking)
        .where(Booking.id == booking_id, Booking.status == BookingStatus.HOLD, Booking.queue_seq.is_not(None))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def creator(session: AsyncSession, token_id: int | None) -> ApiToken | None:
    if token_id is None:
        return None
    return await session.get(ApiToken, token_id)


async def challenges_due(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """HOLDs whose challenge deadline has passed, earliest first (every studio)."""
    stmt = (
        select(Booking.id)
        .where(
            Booking.status == BookingStatus.HOLD,
            Booking.challenge_respond_by.is_not(None),
            Booking.challenge_respond_by <= now,
        )
        .order_by(Booking.challenge_respond_by, Booking.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def next_challenge(session: AsyncSession, after: datetime) -> datetime | None:
    """The earliest open challenge deadline still ahead of `after`."""
    stmt = select(func.min(Booking.challenge_respond_by)).where(
        Booking.status == BookingStatus.HOLD, Booking.challenge_respond_by > after
    )
    return await session.scalar(stmt)


async def next_hold_expiry(session: AsyncSession, after: datetime) -> datetime | None:
    """The earliest expiry of a HOLD still ahead of `after`."""
    stmt = select(func.min(Booking.hold_expires_at)).where(
        Booking.status == BookingStatus.HOLD, Booking.hold_expires_at > after
    )
    return await session.scalar(stmt)
