"""Reads behind the room board: a location's rooms and the active claims around a moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BLOCKING_STATUSES, Allocation, Booking, Occupancy, Resource, ResourceKind
from db.repositories.claims import HeldClaim
from db.repositories.scoping import Scope, scoped


async def rooms(session: AsyncSession, scope: Scope | None, location_id: int) -> list[Resource]:
    """The location's rooms in service, by name."""
    stmt = scoped(Resource, scope).where(
        Resource.kind == ResourceKind.ROOM, Resource.location_id == location_id, Resource.retired_at.is_(None)
    )
    return list((await session.scalars(stmt.order_by(Resource.name, Resource.id))).all())


async def claims(
    session: AsyncSession, scope: Scope | None, room_ids: list[int], since: datetime, until: datetime
) -> tuple[list[HeldClaim], dict[int, Booking]]:
    """Active claims on these rooms whose buffered window meets [since, until), oldest first, and their bookings.

    The occupancy ledger holds the buffered window as it was reserved; the allocation holds the
    session itself. Bookings that no longer block (cancelled, completed, expired) are left out.
    """
    if not room_ids:
        return [], {}
    stmt = (
        scoped(Occupancy, scope)
        .add_columns(Allocation.start_at, Allocation.end_at, Booking)
        .outerjoin(Allocation, Allocation.id == Occupancy.allocation_id)
        .outerjoin(Booking, Booking.id == Allocation.booking_id)
        .where(
            Occupancy.resource_id.in_(room_ids),
            Occupancy.active.is_(True),
            Occupancy.end_at > since,
            Occupancy.start_at < until,
            (Occupancy.block_id.is_not(None)) | Booking.status.in_(BLOCKING_STATUSES),
        )
        .order_by(Occupancy.start_at, Occupancy.id)
    )
    out, bookings = [], {}
    for occupancy, start, end, booking in (await session.execute(stmt)).all():
        out.append(
            HeldClaim(
                buffered_start=occupancy.start_at,
                start=start if start is not None else occupancy.start_at,
                end=end if end is not None else occupancy.end_at,
                buffered_end=occupancy.end_at,
                resource_id=occupancy.resource_id,
                booking_id=booking.id if booking is not None else None,
                block_id=occupancy.block_id,
                status=booking.status if booking is not None else None,
                hold_expires_at=booking.hold_expires_at if booking is not None else None,
            )
        )
        if booking is not None:
            bookings[booking.id] = booking
    return out, bookings
