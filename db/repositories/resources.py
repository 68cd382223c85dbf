"""Resources and kits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Kit, KitItem, Occupancy, Resource, ResourceKind
from db.repositories.scoping import RoleScope, Scope, readable, scoped


@dataclass(frozen=True)
class ResourceFilter:
    kind: ResourceKind | None = None
    category: str | None = None
    location_id: int | None = None
    text: str | None = None
    include_retired: bool = False


async def page(
    session: AsyncSession, scope: Scope | None, flt: ResourceFilter, *, first: int, after_id: int | None
) -> tuple[list[Resource], bool]:
    """One page of resources ordered by id (keyset pagination), and whether more follow."""
    stmt = scoped(Resource, scope)
    if flt.kind is not None:
        stmt = stmt.where(Resource.kind == flt.kind)
    if flt.category is not None:
        stmt = stmt.where(func.lower(Resource.category) == flt.category.lower())
    if flt.location_id is not None:
        stmt = stmt.where(Resource.location_id == flt.location_id)
    if flt.text:
        pattern = f"%{_escape_like(flt.text.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Resource.name).like(pattern, escape="\\"),
                func.lower(Resource.code).like(pattern, escape="\\"),
                func.lower(Resource.model).like(pattern, escape="\\"),
            )
        )
    if not flt.include_retired:
        stmt = stmt.where(Resource.retired_at.is_(None))
    if after_id is not None:
        stmt = stmt.where(Resource.id > after_id)
    rows = list((await session.scalars(stmt.order_by(Resource.id).limit(first + 1))).all())
    return rows[:first], len(rows) > first


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def get(session: AsyncSession, scope: Scope | None, resource_id: int) -> Resource | None:
    return await session.scalar(scoped(Resource, scope).where(Resource.id == resource_id))


async def get_for_update(session: AsyncSession, scope: Scope | None, resource_id: int) -> Resource | None:
    """The resource row, locked until the transaction ends (PostgreSQL; SQLite holds the write lock)."""
    return await session.scalar(scoped(Resource, scope).where(Resource.id == resource_id).with_for_update())


async def by_ids(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Resource]:
    if not ids or scope is None:
        return []
    params = {"studio_id": scope.studio_id, "ids": list(ids)}
    return list((await session.scalars(_BY_IDS, params)).all())


async def readable_by_ids(session: AsyncSession, scope: RoleScope | None, ids: list[int]) -> list[Resource]:
    """Resources by id within the caller's read scope (the client portal: rooms only)."""
    if not ids:
        return []
    return list((await session.scalars(readable(Resource, scope).where(Resource.id.in_(list(ids))))).all())


async def readable_kits_by_ids(session: AsyncSession, scope: RoleScope | None, ids: list[int]) -> list[Kit]:
    if not ids:
        return []
    return list((await session.scalars(readable(Kit, scope).where(Kit.id.in_(list(ids))))).all())


# Built once (every booking change resolves its resources); the studio filter is `scoped`'s.
_BY_IDS = select(Resource).where(
    Resource.studio_id == bindparam("studio_id"), Resource.id.in_(bindparam("ids", expanding=True))
)


async def by_code(session: AsyncSession, scope: Scope | None, code: str) -> Resource | None:
    return await session.scalar(scoped(Resource, scope).where(Resource.code == code))


async def code_taken(session: AsyncSession, studio_id: int, column: str, value: str, except_id: int | None) -> bool:
    """Whether another resource of the studio already uses this asset tag or EPC."""
    col = Resource.code if column == "code" else Resource.epc
    stmt = select(Resource.id).where(Resource.studio_id == studio_id, col == value)
    if except_id is not None:
        stmt = stmt.where(Resource.id != except_id)
    return (await session.scalar(stmt.limit(1))) is not None


async def active_claims_after(session: AsyncSession, resource_id: int, moment: datetime) -> int:
    """How many active claims (allocations or blocks) on a unit resource end after `moment`."""
    stmt = select(func.count()).where(
        Occupancy.resource_id == resource_id, Occupancy.active.is_(True), Occupancy.end_at > moment
    )
    return int(await session.scalar(stmt) or 0)


# Kits


async def kits(session: AsyncSession, scope: Scope | None, *, include_retired: bool = False) -> list[Kit]:
    stmt = scoped(Kit, scope)
    if not include_retired:
        stmt = stmt.where(Kit.retired_at.is_(None))
    return list((await session.scalars(stmt.order_by(Kit.name))).all())


async def kit(session: AsyncSession, scope: Scope | None, kit_id: int) -> Kit | None:
    return await session.scalar(scoped(Kit, scope).where(Kit.id == kit_id))


async def kits_by_ids(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Kit]:
    return list((await session.scalars(scoped(Kit, scope).where(Kit.id.in_(ids)))).all())


async def kit_item_ids(session: AsyncSession, kit_ids: list[int]) -> dict[int, list[int]]:
    """Component resource ids per kit, in kit order."""
    rows = await session.execute(
        select(KitItem.kit_id, KitItem.resource_id)
        .where(KitItem.kit_id.in_(kit_ids))
        .order_by(KitItem.kit_id, KitItem.position)
    )
    out: dict[int, list[int]] = {k: [] for k in kit_ids}
    for kit_id, resource_id in rows:
        out[kit_id].append(resource_id)
    return out


async def kit_of_items(session: AsyncSession, resource_ids: list[int]) -> dict[int, int]:
    """Which kit each of these items already belongs to."""
    rows = await session.execute(
        select(KitItem.resource_id, KitItem.kit_id).where(KitItem.resource_id.in_(resource_ids))
    )
    return {r: k for r, k in rows}


async def kit_name_taken(session: AsyncSession, studio_id: int, name: str, except_id: int | None) -> bool:
    stmt = select(Kit.id).where(Kit.studio_id == studio_id, Kit.name == name)
    if except_id is not None:
        stmt = stmt.where(Kit.id != except_id)
    return (await session.scalar(stmt.limit(1))) is not None


async def kit_code_taken(session: AsyncSession, studio_id: int, code: str, except_id: int | None) -> bool:
    stmt = select(Kit.id).where(Kit.studio_id == studio_id, Kit.code == code)
    if except_id is not None:
        stmt = stmt.where(Kit.id != except_id)
    return (await session.scalar(stmt.limit(1))) is not None


async def replace_kit_items(session: AsyncSession, kit_id: int, resource_ids: list[int]) -> None:
    """Set a kit's components, in order."""
    existing = (await session.scalars(select(KitItem).where(KitItem.kit_id == kit_id))).all()
    for item in existing:
        await session.delete(item)
    await session.flush()
    session.add_all(KitItem(kit_id=kit_id, resource_id=rid, position=i) for i, rid in enumerate(resource_ids))
    await session.flush()


async def by_name(session: AsyncSession, scope: Scope | None, kind: ResourceKind, name: str) -> Resource | None:
    return await session.scalar(scoped(Resource, scope).where(Resource.kind == kind, Resource.name == name))
