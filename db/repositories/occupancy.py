"""The occupancy ledger: buffered claims on unit resources, and the stock sweep inputs.

Writes happen only inside the allocation service's write transaction. On PostgreSQL a claim is
inserted with `INSERT ... ON CONFLICT DO NOTHING RETURNING` against the exclusion constraint: a
claim that comes back without a row lost to an overlapping one (committed by a racing transaction,
which the insert waited for). On SQLite the whole transaction holds the write lock (`BEGIN
IMMEDIATE`), so the service's check inside it is already decisive and a plain insert suffices.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, insert, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BLOCKING_STATUSES, Allocation, Booking, BookingStatus, Occupancy, Resource
from db.models.scheduling import hold_lapsed, hold_lapsed_sql, hold_live_sql


@dataclass(frozen=True)
class ClaimRow:
    """A buffered claim to write: one allocation or one block of a unit resource."""

    studio_id: int
    resource_id: int
    start: datetime
    end: datetime
    allocation_id: int | None = None
    block_id: int | None = None


@dataclass(frozen=True)
class Holder:
    """An existing active claim overlapping a window, with what holds it."""

    occupancy_id: int
    resource_id: int
    start: datetime
    end: datetime
    booking_id: int | None
    block_id: int | None
    booking_status: BookingStatus | None
    hold_expires_at: datetime | None

    def lapsed(self, now: datetime) -> bool:
        """A HOLD past its expiry no longer blocks, whether or not the sweeper has run yet."""
        return hold_lapsed(self.booking_status, self.hold_expires_at, now)


async def holders(
    session: AsyncSession,
    studio_id: int,
    wanted: Iterable[tuple[int, datetime, datetime]],
    *,
    exclude_booking_id: int | None = None,
    exclude_block_id: int | None = None,
) -> list[Holder]:
    """Active claims overlapping any of the (resource, buffered start, buffered end) windows."""
    windows = list(wanted)
    if not windows:
        return []
    params: dict[str, object] = {"studio_id": studio_id}
    for i, (rid, start, end) in enumerate(windows):
        params.update({f"r{i}": rid, f"s{i}": start, f"e{i}": end})
    if exclude_booking_id is not None:
        params["exclude_booking_id"] = exclude_booking_id
    if exclude_block_id is not None:
        params["exclude_block_id"] = exclude_block_id
    stmt = _holders_stmt(len(windows), exclude_booking_id is not None, exclude_block_id is not None)
    rows = await session.execute(stmt, params)
    return [Holder(*row) for row in rows]


@functools.lru_cache(maxsize=256)
def _holders_stmt(count: int, exclude_booking: bool, exclude_block: bool) -> Select[*tuple[Any, ...]]:
    """The holders query for `count` windows, built once per shape: every booking change runs it,
    and building a statement and its cache key costs more than running it from the cache."""
    windows = [
        and_(
            Occupancy.resource_id == bindparam(f"r{i}"),
            Occupancy.start_at < bindparam(f"e{i}"),
            Occupancy.end_at > bindparam(f"s{i}"),
        )
        for i in range(count)
    ]
    stmt = (
        select(
            Occupancy.id,
            Occupancy.resource_id,
            Occupancy.start_at,
            Occupancy.end_at,
            Allocation.booking_id,
            Occupancy.block_id,
            Booking.status,
            Booking.hold_expires_at,
        )
        .outerjoin(Allocation, Allocation.id == Occupancy.allocation_id)
        .outerjoin(Booking, Booking.id == Allocation.booking_id)
        .where(Occupancy.studio_id == bindparam("studio_id"), Occupancy.active.is_(True), or_(*windows))
        .order_by(Occupancy.resource_id, Occupancy.start_at)
    )
    if exclude_booking:
        stmt = stmt.where(
            or_(Allocation.booking_id.is_(None), Allocation.booking_id != bindparam("exclude_booking_id"))
        )
    if exclude_block:
        stmt = stmt.where(or_(Occupancy.block_id.is_(None), Occupancy.block_id != bindparam("exclude_block_id")))
    return stmt


async def claim(session: AsyncSession, rows: Sequence[ClaimRow], *, postgres: bool) -> list[ClaimRow]:
    """Write claims; returns those that were refused because an overlapping claim exists (PostgreSQL).

    Rows are written in resource order so that two transactions claiming the same resources wait
    on each other in the same order instead of deadlocking.
    """
    ordered = sorted(rows, key=lambda r: (r.resource_id, r.start))
    if not ordered:
        return []
    values = [
        {
            "studio_id": r.studio_id,
            "resource_id": r.resource_id,
            "allocation_id": r.allocation_id,
            "block_id": r.block_id,
            "start_at": r.start,
            "end_at": r.end,
            "active": True,
        }
        for r in ordered
    ]
    if not postgres:
        await session.execute(insert(Occupancy), values)
        return []
    stmt = (
        pg_insert(Occupancy)
        .values(values)
        .on_conflict_do_nothing()
        .returning(Occupancy.allocation_id, Occupancy.block_id)
    )
    written = {(a, b) for a, b in (await session.execute(stmt)).all()}
    return [r for r in ordered if (r.allocation_id, r.block_id) not in written]


async def release_booking(session: AsyncSession, booking_id: int) -> None:
    """Stop every allocation of a booking from blocking."""
    ids = select(Allocation.id).where(Allocation.booking_id == booking_id)
    await session.execute(update(Occupancy).where(Occupancy.allocation_id.in_(ids)).values(active=False))


async def release_bookings(session: AsyncSession, booking_ids: Sequence[int]) -> None:
    if booking_ids:
        ids = select(Allocation.id).where(Allocation.booking_id.in_(booking_ids))
        await session.execute(update(Occupancy).where(Occupancy.allocation_id.in_(ids)).values(active=False))


async def forget_allocations(session: AsyncSession, allocation_ids: Sequence[int]) -> None:
    """Delete the claims of these allocations (before re-claiming them in a new window)."""
    if allocation_ids:
        await session.execute(delete(Occupancy).where(Occupancy.allocation_id.in_(allocation_ids)))


async def release_block(session: AsyncSession, block_id: int) -> None:
    await session.execute(update(Occupancy).where(Occupancy.block_id == block_id).values(active=False))


async def lock_pools(session: AsyncSession, studio_id: int, resource_ids: Sequence[int]) -> None:
    """Lock stock pool rows in id order until the transaction ends (SQLite: the write lock does it)."""
    if resource_ids:
        await session.execute(
            select(Resource.id)
            .where(Resource.studio_id == studio_id, Resource.id.in_(sorted(resource_ids)))
            .order_by(Resource.id)
            .with_for_update()
        )


@dataclass(frozen=True)
class PoolUse:
    resource_id: int
    booking_id: int
    allocation_id: int
    quantity: int
    start: datetime
    end: datetime


async def pool_uses(
    session: AsyncSession,
    studio_id: int,
    wanted: Iterable[tuple[int, datetime, datetime]],
    now: datetime,
    *,
    exclude_booking_id: int | None = None,
) -> list[PoolUse]:
    """Allocations of blocking, unlapsed bookings on these pools that overlap the (unbuffered) windows."""
    windows = [
        and_(Allocation.resource_id == rid, Allocation.start_at < end, Allocation.end_at > start)
        for rid, start, end in wanted
    ]
    if not windows:
        return []
    stmt = (
        select(
            Allocation.resource_id,
            Allocation.booking_id,
            Allocation.id,
            Allocation.quantity,
            Allocation.start_at,
            Allocation.end_at,
        )
        .join(Booking, Booking.id == Allocation.booking_id)
        .where(
            Allocation.studio_id == studio_id,
            Booking.status.in_(BLOCKING_STATUSES),
            Booking.queue_seq.is_(None),  # a queued hold uses nothing yet
            hold_live_sql(now),
            or_(*windows),
        )
    )
    if exclude_booking_id is not None:
        stmt = stmt.where(Allocation.booking_id != exclude_booking_id)
    return [PoolUse(*row) for row in await session.execute(stmt)]


async def lapsed_holds(session: AsyncSession, studio_id: int | None, now: datetime, limit: int = 500) -> list[int]:
    """Ids of HOLD bookings past their expiry, oldest first (all studios when studio_id is None)."""
    stmt = select(Booking.id).where(hold_lapsed_sql(now))
    if studio_id is not None:
        stmt = stmt.where(Booking.studio_id == studio_id)
    stmt = stmt.order_by(Booking.hold_expires_at, Booking.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def overlapping_pairs(session: AsyncSession, studio_id: int | None = None) -> int:
    """Active claims on one resource whose windows overlap (must always be 0): a self-join audit."""
    a, b = Occupancy.__table__.alias("a"), Occupancy.__table__.alias("b")
    stmt: Select[tuple[int]] = (
        select(literal_column("count(*)"))
        .select_from(a.join(b, and_(a.c.resource_id == b.c.resource_id, a.c.id < b.c.id)))
        .where(a.c.active, b.c.active, a.c.start_at < b.c.end_at, b.c.start_at < a.c.end_at)
    )
    if studio_id is not None:
        stmt = stmt.where(a.c.studio_id == studio_id)
    return int(await session.scalar(stmt) or 0)
