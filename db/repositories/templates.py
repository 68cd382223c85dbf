"""Session templates and booking series: reads narrowed by the read scopes, writes of their services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingSeries, BookingStatus, SessionTemplate
from db.repositories.scoping import RoleScope, Scope, readable, scoped


async def templates(session: AsyncSession, scope: RoleScope | None) -> list[SessionTemplate]:
    """The templates the caller may read, by name."""
    stmt = readable(SessionTemplate, scope).order_by(SessionTemplate.name, SessionTemplate.id)
    return list((await session.scalars(stmt)).all())


async def template(session: AsyncSession, scope: RoleScope | None, template_id: int) -> SessionTemplate | None:
    return await session.scalar(readable(SessionTemplate, scope).where(SessionTemplate.id == template_id))


async def template_name_taken(session: AsyncSession, studio_id: int, name: str) -> bool:
    stmt = select(SessionTemplate.id).where(
        SessionTemplate.studio_id == studio_id, func.lower(SessionTemplate.name) == name.lower()
    )
    return await session.scalar(stmt) is not None


async def template_by_name(session: AsyncSession, scope: Scope | None, name: str) -> SessionTemplate | None:
    return await session.scalar(scoped(SessionTemplate, scope).where(SessionTemplate.name == name))


async def add(session: AsyncSession, row: SessionTemplate | BookingSeries) -> None:
    session.add(row)
    await session.flush()


async def series_by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[BookingSeries]:
    if not ids:
        return []
    return list((await session.scalars(readable(BookingSeries, scope).where(BookingSeries.id.in_(ids)))).all())


async def series_in_studio(session: AsyncSession, scope: Scope | None, series_id: int) -> BookingSeries | None:
    return await session.scalar(scoped(BookingSeries, scope).where(BookingSeries.id == series_id))


async def visible_bookings_of_series(
    session: AsyncSession, scope: RoleScope | None, series_ids: Sequence[int]
) -> list[Booking]:
    """The bookings of these series the caller may read, by start."""
    if not series_ids:
        return []
    stmt = readable(Booking, scope).where(Booking.series_id.in_(series_ids)).order_by(Booking.start_at, Booking.id)
    return list((await session.scalars(stmt)).all())


async def blocking_bookings_of_series_from(
    session: AsyncSession, studio_id: int, series_id: int, start: datetime
) -> list[int]:
    """Ids of the series' HOLD and CONFIRMED bookings starting at or after `start`, by start."""
    stmt = (
        select(Booking.id)
        .where(
            Booking.studio_id == studio_id,
            Booking.series_id == series_id,
            Booking.start_at >= start,
            Booking.status.in_([BookingStatus.HOLD, BookingStatus.CONFIRMED]),
        )
        .order_by(Booking.start_at, Booking.id)
    )
    return list((await session.scalars(stmt)).all())
