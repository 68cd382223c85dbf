"""Bookings and allocations: reads narrowed to what the caller may see."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Allocation, Booking, Project, Resource, ResourceKind, Role
from db.repositories.scoping import Scope, scoped


class BookingScope(Scope, Protocol):
    @property
    def role(self) -> Role: ...

    @property
    def user_id(self) -> int | None: ...

    @property
    def location_id(self) -> int | None: ...


def visible(scope: BookingScope | None) -> Select[Booking]:
    """Bookings the caller may read: staff all; producers their projects'; crew their own calls;
    a display the sessions in its location's rooms; scanners the bookings with gear at their cage."""
    stmt = scoped(Booking, scope)
    if scope is None:
        return stmt
    if scope.role == Role.PRODUCER:
        own = select(Project.id).where(Project.studio_id == scope.studio_id, Project.producer_id == scope.user_id)
        return stmt.where(Booking.project_id.in_(own)) if scope.user_id else stmt.where(false())
    if scope.role == Role.CREW:
        calls = (
            select(Allocation.booking_id)
            .join(Resource, Resource.id == Allocation.resource_id)
            .where(Resource.user_id == scope.user_id, Allocation.studio_id == scope.studio_id)
        )
        return stmt.where(Booking.id.in_(calls)) if scope.user_id else stmt.where(false())
    if scope.role in (Role.DISPLAY, Role.SCANNER):
        kinds = (ResourceKind.ROOM,) if scope.role == Role.DISPLAY else (ResourceKind.EQUIPMENT, ResourceKind.STOCK)
        here = (
            select(Allocation.booking_id)
            .join(Resource, Resource.id == Allocation.resource_id)
            .where(
                Allocation.studio_id == scope.studio_id,
                Resource.location_id == scope.location_id,
                Resource.kind.in_(kinds),
            )
        )
        return stmt.where(Booking.id.in_(here))
    return stmt


async def visible_by_ids(session: AsyncSession, scope: BookingScope | None, ids: list[int]) -> list[Booking]:
    return list((await session.scalars(visible(scope).where(Booking.id.in_(ids)))).all())


async def allocations_of(session: AsyncSession, scope: Scope | None, booking_ids: list[int]) -> list[Allocation]:
    stmt = scoped(Allocation, scope).where(Allocation.booking_id.in_(booking_ids)).order_by(Allocation.id)
    return list((await session.scalars(stmt)).all())


async def allocation_by_id(session: AsyncSession, scope: Scope | None, allocation_id: int) -> Allocation | None:
    return await session.scalar(scoped(Allocation, scope).where(Allocation.id == allocation_id))
