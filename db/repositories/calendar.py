"""Calendar feeds: their rows, and the bookings a feed shows, read with its owner's read scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Allocation,
    Booking,
    BookingStatus,
    CalendarFeed,
    Project,
    Resource,
    ResourceKind,
    Role,
    Studio,
    User,
)
from db.repositories.scoping import RoleScope, Scope, readable, scoped

GONE = (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.DECLINED)


@dataclass(frozen=True)
class FeedOwner:
    """The person a feed belongs to, as a read scope (a feed reads exactly what its owner may)."""

    studio_id: int
    role: Role
    user_id: int | None
    location_id: int | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class FoundFeed:
    feed: CalendarFeed
    owner: FeedOwner
    timezone: str


@dataclass(frozen=True)
class Claim:
    """One allocation of a booking with the resource it claims."""

    booking_id: int
    kind: ResourceKind
    name: str
    user_id: int | None
    role: str | None
    start_at: datetime
    end_at: datetime


async def by_secret_hash(session: AsyncSession, digest: str) -> FoundFeed | None:
    """The feed of a presented secret with its owner and studio time zone (no caller: the URL is the key)."""
    stmt = (
        select(CalendarFeed, User.role, Studio.timezone)
        .join(User, User.id == CalendarFeed.owner_id)
        .join(Studio, Studio.id == CalendarFeed.studio_id)
        .where(CalendarFeed.secret_hash == digest, User.studio_id == CalendarFeed.studio_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    feed, role, timezone = row
    return FoundFeed(feed, FeedOwner(feed.studio_id, Role(role), feed.owner_id), timezone)


async def feed(session: AsyncSession, scope: RoleScope | None, feed_id: int) -> CalendarFeed | None:
    """A feed the caller may read (its own; staff any of the studio's)."""
    return await session.scalar(readable(CalendarFeed, scope).where(CalendarFeed.id == feed_id))


async def active_feeds_of(session: AsyncSession, scope: Scope | None, owner_id: int) -> int:
    stmt = scoped(CalendarFeed, scope).where(CalendarFeed.owner_id == owner_id, CalendarFeed.revoked_at.is_(None))
    return int(await session.scalar(stmt.with_only_columns(func.count())) or 0)


async def readable_resource(session: AsyncSession, scope: RoleScope | None, resource_id: int) -> Resource | None:
    return await session.scalar(readable(Resource, scope).where(Resource.id == resource_id))


async def readable_project(session: AsyncSession, scope: RoleScope | None, project_id: int) -> Project | None:
    return await session.scalar(readable(Project, scope).where(Project.id == project_id))


async def bookings(
    session: AsyncSession,
    owner: RoleScope,
    feed: CalendarFeed,
    *,
    since: datetime,
    gone_since: datetime,
    limit: int,
) -> list[Booking]:
    """The feed's bookings its owner may read: ending after `since`; cancelled or expired ones only
    when that happened after `gone_since`."""
    stmt = readable(Booking, owner).where(
        Booking.end_at >= since,
        or_(Booking.status.not_in(GONE), Booking.updated_at >= gone_since),
    )
    if feed.resource_id is not None:
        on_resource = select(Allocation.booking_id).where(
            Allocation.studio_id == feed.studio_id, Allocation.resource_id == feed.resource_id
        )
        stmt = stmt.where(Booking.id.in_(on_resource))
    elif feed.project_id is not None:
        stmt = stmt.where(Booking.project_id == feed.project_id)
    else:
        called = (
            select(Allocation.booking_id)
            .join(Resource, Resource.id == Allocation.resource_id)
            .where(Allocation.studio_id == feed.studio_id, Resource.user_id == feed.owner_id)
        )
        produced = select(Project.id).where(Project.studio_id == feed.studio_id, Project.producer_id == feed.owner_id)
        stmt = stmt.where(or_(Booking.id.in_(called), Booking.project_id.in_(produced)))
    stmt = stmt.order_by(Booking.start_at, Booking.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def claims(session: AsyncSession, scope: Scope, booking_ids: list[int]) -> list[Claim]:
    """The allocations of the bookings with their resources' kind, name and person."""
    if not booking_ids:
        return []
    stmt = (
        select(
            Allocation.booking_id,
            Resource.kind,
            Resource.name,
            Resource.user_id,
            Allocation.role,
            Allocation.start_at,
            Allocation.end_at,
        )
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Allocation.studio_id == scope.studio_id, Allocation.booking_id.in_(booking_ids))
        .order_by(Allocation.booking_id, Allocation.id)
    )
    return [Claim(*row) for row in await session.execute(stmt)]


async def project_names(session: AsyncSession, scope: Scope, project_ids: list[int]) -> dict[int, str]:
    if not project_ids:
        return {}
    stmt = scoped(Project, scope).where(Project.id.in_(project_ids)).with_only_columns(Project.id, Project.name)
    return {pk: name for pk, name in await session.execute(stmt)}
