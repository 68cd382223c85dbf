"""Bookings and allocations: reads narrowed to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, make_transient_to_detached

from db.models import (
    BLOCKING_STATUSES,
    Allocation,
    Block,
    Booking,
    BookingStatus,
    Resource,
    ResourceKind,
)
from db.repositories.scoping import RoleScope, Scope, allocations_shown, readable, scoped


def visible(scope: RoleScope | None) -> Select[Booking]:
    """Bookings the caller may read (the read scope of `scoping`)."""
    return readable(Booking, scope)


async def visible_by_ids(session: AsyncSession, scope: RoleScope | None, ids: list[int]) -> list[Booking]:
    return list((await session.scalars(visible(scope).where(Booking.id.in_(ids)))).all())


async def allocations_of(session: AsyncSession, scope: RoleScope | None, booking_ids: list[int]) -> list[Allocation]:
    stmt = allocations_shown(scope).where(Allocation.booking_id.in_(booking_ids)).order_by(Allocation.id)
    return list((await session.scalars(stmt)).all())


async def allocation_by_id(session: AsyncSession, scope: Scope | None, allocation_id: int) -> Allocation | None:
    return await session.scalar(scoped(Allocation, scope).where(Allocation.id == allocation_id))


# Writes and reads of the allocation service (inside its transaction).


@dataclass(frozen=True)
class BookingFilter:
    """Filters of the bookings list; every one is optional."""

    start: datetime | None = None
    end: datetime | None = None
    resource_id: int | None = None
    project_id: int | None = None
    statuses: tuple[BookingStatus, ...] = ()
    crew_member_id: int | None = None


async def get_visible(session: AsyncSession, scope: RoleScope | None, booking_id: int) -> Booking | None:
    return await session.scalar(visible(scope).where(Booking.id == booking_id))


async def lock(session: AsyncSession, studio_id: int, booking_id: int) -> Booking | None:
    """The booking row of this studio, locked until the transaction ends."""
    stmt = select(Booking).where(Booking.studio_id == studio_id, Booking.id == booking_id).with_for_update()
    return await session.scalar(stmt)


async def lock_many(session: AsyncSession, studio_id: int | None, booking_ids: list[int]) -> list[Booking]:
    """Booking rows locked in id order (the sweeper passes no studio)."""
    if not booking_ids:
        return []
    stmt = select(Booking).where(Booking.id.in_(sorted(booking_ids)))
    if studio_id is not None:
        stmt = stmt.where(Booking.studio_id == studio_id)
    return list((await session.scalars(stmt.order_by(Booking.id).with_for_update())).all())


async def add_booking(session: AsyncSession, booking: Booking) -> Booking:
    session.add(booking)
    await session.flush()
    return booking


async def add_allocations(session: AsyncSession, rows: list[Allocation]) -> list[Allocation]:
    session.add_all(rows)
    await session.flush()
    return rows


@dataclass(frozen=True)
class Written:
    """What `insert_with_claims` wrote: allocation ids in the given order, and which of those the
    occupancy ledger refused (an overlapping claim committed by a racing transaction)."""

    allocation_ids: list[int]
    refused: set[int]


async def insert_with_claims(
    session: AsyncSession,
    booking: Booking,
    allocations: list[Allocation],
    claims: list[tuple[datetime, datetime] | None],
) -> Written:
    """PostgreSQL: a new booking, its allocations and their occupancy claims in one statement.

    `claims[i]` is the buffered window allocation i claims (None: a pool, which claims nothing).
    The objects get their ids and join the session as if loaded (every column set, so nothing is
    lazily loaded later); the ORM's flush never sees them, so callers record the audit change.
    Claims are written in resource order (like `occupancy.claim`) so racing writers queue instead
    of deadlocking, and a claim the exclusion constraint refuses comes back in `refused`."""
    params = {
        "studio_id": booking.studio_id,
        "project_id": booking.project_id,
        "title": booking.title,
        "start_at": booking.start_at,
        "end_at": booking.end_at,
        "status": booking.status.value,
        "hold_expires_at": booking.hold_expires_at,
        "token_id": booking.created_by_token_id,
        "version": booking.version,
        "created_at": booking.created_at,
        "updated_at": booking.updated_at,
        "template_id": booking.template_id,
        "resource_ids": [a.resource_id for a in allocations],
        "kit_ids": [a.kit_id for a in allocations],
        "quantities": [a.quantity for a in allocations],
        "starts": [a.start_at for a in allocations],
        "ends": [a.end_at for a in allocations],
        "roles": [a.role for a in allocations],
        "claim_starts": [c[0] if c else None for c in claims],
        "claim_ends": [c[1] if c else None for c in claims],
    }
    connection = await session.connection()
    rows = (await connection.execute(_INSERT_WITH_CLAIMS, params)).all()
    booking.id = rows[0][0]
    by_resource = {resource_id: (allocation_id, claimed) for _b, allocation_id, resource_id, claimed in rows}
    refused: set[int] = set()
    for a, c in zip(allocations, claims, strict=True):
        a.booking_id = booking.id
        a.id, claimed = by_resource[a.resource_id]
        if c is not None and not claimed:
            refused.add(a.id)
    objs: list[Booking | Allocation] = [booking, *allocations]
    for obj in objs:
        _as_loaded(obj)
        session.add(obj)
    return Written([a.id for a in allocations], refused)


def _as_loaded(obj: Booking | Allocation) -> None:
    # Columns never set are NULL in the row just written (no server defaults on these tables).
    for attr in obj.__mapper__.column_attrs:
        if attr.key not in obj.__dict__:
            setattr(obj, attr.key, None)
    make_transient_to_detached(obj)


# One statement, one shape whatever the number of allocations (arrays, unnested in request order).
# Allocations are keyed back by resource: a request names each resource at most once.
_INSERT_WITH_CLAIMS = text(
    """
WITH b AS (
    INSERT INTO bookings (studio_id, project_id, title, start_at, end_at, status, hold_expires_at,
                          created_by_token_id, version, created_at, updated_at, template_id)
    VALUES (:studio_id, :project_id, :title, :start_at, :end_at, :status, :hold_expires_at,
            :token_id, :version, :created_at, :updated_at, :template_id)
    RETURNING id
), v AS (
    SELECT * FROM unnest(
        CAST(:resource_ids AS integer[]), CAST(:kit_ids AS integer[]), CAST(:quantities AS integer[]),
        CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]), CAST(:roles AS varchar[]),
        CAST(:claim_starts AS timestamptz[]), CAST(:claim_ends AS timestamptz[])
    ) WITH ORDINALITY AS v(resource_id, kit_id, quantity, start_at, end_at, role, claim_start, claim_end, ord)
), a AS (
    INSERT INTO allocations (studio_id, booking_id, resource_id, kit_id, quantity, start_at, end_at, role, created_at)
    SELECT :studio_id, b.id, v.resource_id, v.kit_id, v.quantity, v.start_at, v.end_at, v.role, :created_at
    FROM b CROSS JOIN v ORDER BY v.ord
    RETURNING id, resource_id
), o AS (
    INSERT INTO occupancies (studio_id, resource_id, allocation_id, start_at, end_at, active)
    SELECT :studio_id, a.resource_id, a.id, v.claim_start, v.claim_end, true
    FROM a JOIN v ON v.resource_id = a.resource_id
    WHERE v.claim_start IS NOT NULL
    ORDER BY a.resource_id, v.claim_start
    ON CONFLICT DO NOTHING
    RETURNING allocation_id
)
SELECT b.id, a.id, a.resource_id, EXISTS (SELECT 1 FROM o WHERE o.allocation_id = a.id)
FROM b LEFT JOIN a ON true
"""
)


async def delete_allocation(session: AsyncSession, allocation: Allocation) -> None:
    await session.delete(allocation)
    await session.flush()


async def allocations_for_update(session: AsyncSession, booking_id: int) -> list[Allocation]:
    stmt = select(Allocation).where(Allocation.booking_id == booking_id).order_by(Allocation.id)
    return list((await session.scalars(stmt)).all())


async def page(
    session: AsyncSession,
    scope: RoleScope | None,
    flt: BookingFilter,
    *,
    first: int,
    after: tuple[datetime, int] | None,
) -> tuple[list[Booking], bool]:
    """One page of visible bookings ordered by (start, id), and whether more follow."""
    stmt = visible(scope)
    if flt.start is not None:
        stmt = stmt.where(Booking.end_at > flt.start)
    if flt.end is not None:
        stmt = stmt.where(Booking.start_at < flt.end)
    if flt.project_id is not None:
        stmt = stmt.where(Booking.project_id == flt.project_id)
    if flt.statuses:
        stmt = stmt.where(Booking.status.in_(flt.statuses))
    for rid in (flt.resource_id, flt.crew_member_id):
        if rid is not None:
            stmt = stmt.where(Booking.id.in_(select(Allocation.booking_id).where(Allocation.resource_id == rid)))
    if after is not None:
        start, pk = after
        stmt = stmt.where(or_(Booking.start_at > start, and_(Booking.start_at == start, Booking.id > pk)))
    rows = list((await session.scalars(stmt.order_by(Booking.start_at, Booking.id).limit(first + 1))).all())
    return rows[:first], len(rows) > first


async def crew_calls(
    session: AsyncSession, studio_id: int, resource_ids: list[int], start: datetime, end: datetime
) -> list[tuple[int, int, datetime, datetime]]:
    """(resource, booking, start, end) of crew allocations in blocking bookings touching a window."""
    if not resource_ids:
        return []
    stmt = (
        select(Allocation.resource_id, Allocation.booking_id, Allocation.start_at, Allocation.end_at)
        .join(Booking, Booking.id == Allocation.booking_id)
        .where(
            Allocation.studio_id == studio_id,
            Allocation.resource_id.in_(resource_ids),
            Booking.status.in_(BLOCKING_STATUSES),
            Booking.queue_seq.is_(None),  # a queued hold is no call yet
            Allocation.start_at < end,
            Allocation.end_at > start,
        )
        .order_by(Allocation.start_at)
    )
    return [(r, b, s, e) for r, b, s, e in await session.execute(stmt)]


async def crew_call_rooms(
    session: AsyncSession, studio_id: int, resource_ids: list[int], start: datetime, end: datetime
) -> list[tuple[int, datetime, int]]:
    """(crew member, call start, room) for the rooms of their calls in blocking bookings touching a window."""
    if not resource_ids:
        return []
    crew = aliased(Allocation)
    stmt = (
        select(crew.resource_id, crew.start_at, Allocation.resource_id)
        .join(Booking, Booking.id == crew.booking_id)
        .join(Allocation, Allocation.booking_id == crew.booking_id)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(
            crew.studio_id == studio_id,
            crew.resource_id.in_(resource_ids),
            Booking.status.in_(BLOCKING_STATUSES),
            Booking.queue_seq.is_(None),  # a queued hold is no call yet
            crew.start_at < end,
            crew.end_at > start,
            Resource.kind == ResourceKind.ROOM,
        )
    )
    return [(c, s, r) for c, s, r in await session.execute(stmt)]


async def by_project_and_title(session: AsyncSession, studio_id: int, project_id: int, title: str) -> Booking | None:
    stmt = select(Booking).where(
        Booking.studio_id == studio_id, Booking.project_id == project_id, Booking.title == title
    )
    return await session.scalar(stmt.limit(1))


@dataclass(frozen=True)
class Touched:
    """A resource a booking holds, with what live views need to know to refresh."""

    booking_id: int
    resource_id: int
    kind: ResourceKind
    location_id: int | None


async def touched(session: AsyncSession, booking_ids: list[int]) -> list[Touched]:
    if not booking_ids:
        return []
    stmt = (
        select(Allocation.booking_id, Allocation.resource_id, Resource.kind, Resource.location_id)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Allocation.booking_id.in_(booking_ids))
    )
    return [Touched(*row) for row in await session.execute(stmt)]


async def in_studio(session: AsyncSession, scope: Scope | None, booking_id: int) -> Booking | None:
    """A booking of the caller's studio, whatever the caller's role (services check the rest)."""
    return await session.scalar(scoped(Booking, scope).where(Booking.id == booking_id))


async def block_for_update(session: AsyncSession, scope: Scope | None, block_id: int) -> Block | None:
    """A block of the caller's studio, locked until the transaction ends."""
    return await session.scalar(scoped(Block, scope).where(Block.id == block_id).with_for_update())
