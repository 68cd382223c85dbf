"""Who may follow which live feed, and the snapshots the feeds start (and restart) from.

- Room boards: `roomboard.authorize` (READ_BOARD; a display only its own location).
- Asset custody: READ_CATALOGUE; a scanner only at its own location. Without a location, every
  location the caller may follow.
- A project's bookings: whoever may see the project; each booking is then filtered by
  `bookings.visible`, so crew see their own calls and producers their own projects.
- Availability: whoever may read the catalogue, exactly as the `availability` query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Resource, Role
from db.repositories import bookings as booking_rows
from db.repositories import events as event_rows
from db.repositories import feeds, projects, tenancy
from db.repositories.scoping import Scope, sees_every_booking
from db.types import utcnow
from server.services.allocation import availability
from server.services.allocation.availability import MAX_BUFFER, AvailabilityQuery
from server.services.allocation.windows import MAX_ALLOCATION_OFFSET
from server.services.errors import Forbidden, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import UnitOfWork

T = TypeVar("T")
SNAPSHOT_LIMIT = 500  # bookings in a project's snapshot; older and later ones are a query away
# An allocation may reach past its booking by MAX_ALLOCATION_OFFSET, and buffers by MAX_BUFFER.
AVAILABILITY_MARGIN = MAX_ALLOCATION_OFFSET + MAX_BUFFER


@dataclass(frozen=True)
class AssetState:
    asset: Resource
    booking: Booking | None


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    seq: int
    at: datetime
    items: list[T]


async def asset_locations(uow: UnitOfWork, principal: Principal | None, location_id: int | None) -> list[int]:
    """The locations whose custody changes the caller follows."""
    principal = require(principal, Action.READ_CATALOGUE)
    if principal.role == Role.SCANNER:
        if location_id is not None and location_id != principal.location_id:
            raise Forbidden("This scanner may only follow its own location.")
        location_id = principal.location_id
    async with uow.read() as session:
        if location_id is not None:
            if await tenancy.location(session, principal, location_id) is None:
                raise NotFound("No such location.")
            return [location_id]
        return [loc.id for loc in await tenancy.locations(session, principal)]


async def asset_snapshot(uow: UnitOfWork, principal: Principal, location_ids: list[int]) -> Snapshot[AssetState]:
    """Every item at the locations with its custody booking, as of the newest seq."""
    async with uow.read() as session:
        seq = await event_rows.latest_seq(session, principal.studio_id)
        assets = await feeds.assets_at(session, principal, location_ids)
        items = await _with_bookings(session, principal, assets)
    return Snapshot(seq, utcnow(), items)


async def assets_changed(
    uow: UnitOfWork, studio_id: int, location_ids: list[int], payload: dict[str, Any]
) -> list[AssetState]:
    """The items an event names, as they are now (those still at the followed locations), read
    once for every follower; who may see which booking is decided per viewer."""
    ids = _ids(payload, "resourceId", "resourceIds", "assetId", "assetIds")
    if not ids:
        return []
    scope = _Studio(studio_id)
    async with uow.read() as session:
        assets = [a for a in await feeds.assets_by_ids(session, scope, ids) if a.location_id in location_ids]
        return await _with_bookings(session, scope, sorted(assets, key=lambda a: a.id))


async def visible_booking_ids(uow: UnitOfWork, principal: Principal, ids: set[int]) -> set[int]:
    """Those of the bookings the principal may see (staff see every one without a query)."""
    if not ids or sees_every_booking(principal):
        return set(ids)
    async with uow.read() as session:
        return {b.id for b in await booking_rows.visible_by_ids(session, principal, sorted(ids))}


async def _with_bookings(session: AsyncSession, scope: Scope, assets: list[Resource]) -> list[AssetState]:
    booking_of = await feeds.open_custody_bookings(session, scope, [a.id for a in assets])
    rows = {b.id: b for b in await feeds.bookings_in_studio(session, scope, list(set(booking_of.values())))}
    return [AssetState(a, rows.get(booking_of.get(a.id, 0))) for a in assets]


@dataclass(frozen=True)
class _Studio:
    studio_id: int


async def project_for_feed(uow: UnitOfWork, principal: Principal | None, project_id: int) -> int:
    """The project, if the caller may see it."""
    principal = require(principal, Action.READ_PROJECTS)
    async with uow.read() as session:
        if await projects.get(session, principal, project_id) is None:
            raise NotFound("No such project.")
    return project_id


async def booking_snapshot(uow: UnitOfWork, principal: Principal, project_id: int) -> Snapshot[Booking]:
    """The project's visible bookings that have not ended, as of the newest seq."""
    async with uow.read() as session:
        seq = await event_rows.latest_seq(session, principal.studio_id)
        now = utcnow()
        rows = await feeds.open_bookings_of_project(session, principal, project_id, now, SNAPSHOT_LIMIT)
    return Snapshot(seq, now, rows)


async def booking_changed(uow: UnitOfWork, principal: Principal, booking_id: int) -> Booking | None:
    """The booking as it is now, if the caller may see it."""
    async with uow.read() as session:
        return await booking_rows.get_visible(session, principal, booking_id)


async def availability_snapshot(
    uow: UnitOfWork, principal: Principal, query: AvailabilityQuery
) -> Snapshot[tuple[Resource, int]]:
    """What is free for the query's window now, as of the newest seq."""
    async with uow.read() as session:
        seq = await event_rows.latest_seq(session, principal.studio_id)
        now = utcnow()
        rows = await availability.available(session, principal, query, now, postgres=uow.database.is_postgres)
    return Snapshot(seq, now, rows)


def availability_authorize(principal: Principal | None) -> Principal:
    """Following availability takes what reading it takes: the catalogue."""
    return require(principal, Action.READ_CATALOGUE)


def touches_window(payload: dict[str, Any], query: AvailabilityQuery) -> bool:
    """Whether an availability event may change the answer for the query's window.

    Booking events carry the booking's window; allocations may reach a week beyond it and buffers a
    day, so only events clearly outside that margin are skipped. Events without a window (a
    resource changed, gear checked out) always count.
    """
    try:
        start = datetime.fromisoformat(payload["start"])
        end = datetime.fromisoformat(payload["end"])
    except (KeyError, TypeError, ValueError):
        return True
    return start - AVAILABILITY_MARGIN < query.end and query.start < end + AVAILABILITY_MARGIN


def _ids(payload: dict[str, Any], *keys: str) -> list[int]:
    out: list[int] = []
    for key in keys:
        value = payload.get(key)
        if isinstance(value, int):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, int))
    return sorted(set(out))
