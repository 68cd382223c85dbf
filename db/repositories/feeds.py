"""Reads behind the live feeds: snapshots of a location's assets and a project's bookings, and
which tokens of open sockets may no longer be used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, Booking, CustodyRecord, Resource, ResourceKind
from db.repositories import bookings
from db.repositories.scoping import RoleScope, Scope, scoped


async def unusable_tokens(session: AsyncSession, studio_id: int, token_ids: list[int], now: datetime) -> list[int]:
    """Those of the tokens that are revoked, expired or gone."""
    if not token_ids:
        return []
    stmt = select(ApiToken.id).where(
        ApiToken.studio_id == studio_id,
        ApiToken.id.in_(token_ids),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
    )
    usable = set((await session.scalars(stmt)).all())
    return [t for t in token_ids if t not in usable]


async def assets_at(session: AsyncSession, scope: Scope | None, location_ids: list[int]) -> list[Resource]:
    """Equipment whose home is one of the locations (retired items included: their state is news)."""
    stmt = scoped(Resource, scope).where(
        Resource.kind == ResourceKind.EQUIPMENT, Resource.location_id.in_(location_ids)
    )
    return list((await session.scalars(stmt.order_by(Resource.id))).all())


async def assets_by_ids(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Resource]:
    stmt = scoped(Resource, scope).where(Resource.kind == ResourceKind.EQUIPMENT, Resource.id.in_(ids))
    return list((await session.scalars(stmt)).all())


async def open_custody_bookings(session: AsyncSession, scope: Scope | None, resource_ids: list[int]) -> dict[int, int]:
    """The booking each item is checked out for, where it is checked out for one."""
    if not resource_ids:
        return {}
    stmt = (
        scoped(CustodyRecord, scope)
        .where(
            CustodyRecord.resource_id.in_(resource_ids),
            CustodyRecord.returned_at.is_(None),
            CustodyRecord.booking_id.is_not(None),
        )
        .with_only_columns(CustodyRecord.resource_id, CustodyRecord.booking_id)
    )
    return {rid: bid for rid, bid in (await session.execute(stmt)).all() if bid is not None}


async def open_bookings_of_project(
    session: AsyncSession, scope: RoleScope | None, project_id: int, after: datetime, limit: int
) -> list[Booking]:
    """The project's visible bookings that end after `after`, by start."""
    stmt = bookings.visible(scope).where(Booking.project_id == project_id, Booking.end_at > after)
    return list((await session.scalars(stmt.order_by(Booking.start_at, Booking.id).limit(limit))).all())


async def bookings_in_studio(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Booking]:
    """Bookings by id within the studio (the viewer's visibility is checked where they are shown)."""
    if not ids:
        return []
    return list((await session.scalars(scoped(Booking, scope).where(Booking.id.in_(ids)))).all())
