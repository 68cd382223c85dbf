"""Reads behind `availability` and `nextFreeWindows`: candidate resources and what keeps them busy.

The busy scan asks the occupancy ledger for active, unlapsed claims overlapping one window. On
PostgreSQL it is phrased on the generated `period` column so the exclusion constraint's GiST index
(range first) answers it; elsewhere it uses the plain start/end columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Allocation, Booking, CustodyRecord, CustodyState, Occupancy, Resource, ResourceKind
from db.repositories.occupancy import _not_lapsed
from db.repositories.scoping import Scope, scoped


@dataclass(frozen=True)
class CandidateFilter:
    kind: ResourceKind | None = None
    category: str | None = None
    location_id: int | None = None
    exclude_ids: tuple[int, ...] = ()
    min_capacity: int | None = None


def candidates_stmt(scope: Scope | None, flt: CandidateFilter) -> Select[Resource]:
    stmt = scoped(Resource, scope).where(Resource.retired_at.is_(None))
    if flt.kind is not None:
        stmt = stmt.where(Resource.kind == flt.kind)
    if flt.category is not None:
        stmt = stmt.where(func.lower(Resource.category) == flt.category.lower())
    if flt.location_id is not None:
        stmt = stmt.where(Resource.location_id == flt.location_id)
    if flt.exclude_ids:
        stmt = stmt.where(Resource.id.not_in(flt.exclude_ids))
    if flt.min_capacity is not None:
        stmt = stmt.where(or_(Resource.capacity.is_(None), Resource.capacity >= flt.min_capacity))
    return stmt.order_by(Resource.kind, Resource.name, Resource.id)


async def candidates(session: AsyncSession, scope: Scope | None, flt: CandidateFilter, limit: int) -> list[Resource]:
    """Resources in service matching the filter, by kind then name."""
    return list((await session.scalars(candidates_stmt(scope, flt).limit(limit))).all())


async def busy(
    session: AsyncSession,
    studio_id: int,
    resource_ids: Sequence[int],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    postgres: bool,
) -> list[tuple[int, datetime, datetime]]:
    """(resource, start, end) of active, unlapsed claims on these resources overlapping [start, end)."""
    if not resource_ids:
        return []
    overlap: ColumnElement[bool]
    if postgres:
        overlap = literal_column("occupancies.period").op("&&")(func.tstzrange(start, end, "[)"))
    else:
        overlap = and_(Occupancy.start_at < end, Occupancy.end_at > start)
    stmt = (
        select(Occupancy.resource_id, Occupancy.start_at, Occupancy.end_at)
        .outerjoin(Allocation, Allocation.id == Occupancy.allocation_id)
        .outerjoin(Booking, Booking.id == Allocation.booking_id)
        .where(
            Occupancy.studio_id == studio_id,
            Occupancy.active.is_(True),
            Occupancy.resource_id.in_(list(resource_ids)),
            overlap,
            _not_lapsed(now),
        )
        .order_by(Occupancy.resource_id, Occupancy.start_at)
    )
    return [(r, s, e) for r, s, e in await session.execute(stmt)]


async def out_of_service(
    session: AsyncSession, studio_id: int, resource_ids: Sequence[int]
) -> dict[int, tuple[CustodyState | None, datetime | None]]:
    """Items that are not in the cage: custody state and, for check-outs, when they are due back."""
    if not resource_ids:
        return {}
    stmt = (
        select(Resource.id, Resource.custody, CustodyRecord.due_at)
        .outerjoin(
            CustodyRecord,
            and_(CustodyRecord.resource_id == Resource.id, CustodyRecord.returned_at.is_(None)),
        )
        .where(
            Resource.studio_id == studio_id,
            Resource.id.in_(list(resource_ids)),
            Resource.kind == ResourceKind.EQUIPMENT,
            Resource.custody != CustodyState.IN_CAGE,
        )
    )
    return {rid: (state, due) for rid, state, due in await session.execute(stmt)}
