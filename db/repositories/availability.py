"""Reads behind `availability` and `nextFreeWindows`: candidate resources and what keeps them busy.

The busy scan asks the occupancy ledger for active, unlapsed claims overlapping one window. On
PostgreSQL it is phrased on the generated `period` column so the exclusion constraint's GiST index
(range first) answers it; elsewhere it uses the plain start/end columns.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Allocation, Booking, CustodyRecord, CustodyState, Occupancy, Resource, ResourceKind
from db.models.scheduling import hold_live_sql
from db.repositories.scoping import Scope, scoped


@dataclass(frozen=True)
class CandidateFilter:
    kind: ResourceKind | None = None
    category: str | None = None
    location_id: int | None = None
    exclude_ids: tuple[int, ...] = ()
    min_capacity: int | None = None


async def candidates(session: AsyncSession, scope: Scope | None, flt: CandidateFilter, limit: int) -> list[Resource]:
    """Resources in service matching the filter, by kind then name."""
    if scope is None:
        return []
    params: dict[str, object] = {"studio_id": scope.studio_id}
    if flt.kind is not None:
        params["kind"] = flt.kind
    if flt.category is not None:
        params["category"] = flt.category.lower()
    if flt.location_id is not None:
        params["location_id"] = flt.location_id
    if flt.exclude_ids:
        params["exclude_ids"] = list(flt.exclude_ids)
    if flt.min_capacity is not None:
        params["min_capacity"] = flt.min_capacity
    stmt = _candidates_stmt(tuple(sorted(params)), limit)
    return list((await session.scalars(stmt, params)).all())


@functools.lru_cache(maxsize=64)
def _candidates_stmt(filters: tuple[str, ...], limit: int) -> Select[Resource]:
    """`candidates_stmt` with bound parameters, built once per set of filters (alternatives run it on
    every refused booking; building a statement and its cache key costs more than running it)."""
    stmt = select(Resource).where(Resource.studio_id == bindparam("studio_id"), Resource.retired_at.is_(None))
    if "kind" in filters:
        stmt = stmt.where(Resource.kind == bindparam("kind"))
    if "category" in filters:
        stmt = stmt.where(func.lower(Resource.category) == bindparam("category"))
    if "location_id" in filters:
        stmt = stmt.where(Resource.location_id == bindparam("location_id"))
    if "exclude_ids" in filters:
        stmt = stmt.where(Resource.id.not_in(bindparam("exclude_ids", expanding=True)))
    if "min_capacity" in filters:
        stmt = stmt.where(or_(Resource.capacity.is_(None), Resource.capacity >= bindparam("min_capacity")))
    return stmt.order_by(Resource.kind, Resource.name, Resource.id).limit(limit)


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
    params = {"studio_id": studio_id, "resource_ids": list(resource_ids), "start": start, "end": end, "now": now}
    return [(r, s, e) for r, s, e in await session.execute(_busy_stmt(postgres), params)]


@functools.lru_cache(maxsize=2)
def _busy_stmt(postgres: bool) -> Select[int, datetime, datetime]:
    """The busy scan with bound parameters, built once per dialect (availability and alternatives
    run it on every ask)."""
    start = bindparam("start", type_=Occupancy.start_at.type)
    end = bindparam("end", type_=Occupancy.end_at.type)
    overlap: ColumnElement[bool]
    if postgres:
        overlap = literal_column("occupancies.period").op("&&")(func.tstzrange(start, end, "[)"))
    else:
        overlap = and_(Occupancy.start_at < end, Occupancy.end_at > start)
    return (
        select(Occupancy.resource_id, Occupancy.start_at, Occupancy.end_at)
        .outerjoin(Allocation, Allocation.id == Occupancy.allocation_id)
        .outerjoin(Booking, Booking.id == Allocation.booking_id)
        .where(
            Occupancy.studio_id == bindparam("studio_id"),
            Occupancy.active.is_(True),
            Occupancy.resource_id.in_(bindparam("resource_ids", expanding=True)),
            overlap,
            hold_live_sql(bindparam("now", type_=Booking.hold_expires_at.type)),
        )
        .order_by(Occupancy.resource_id, Occupancy.start_at)
    )


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
