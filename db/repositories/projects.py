"""Clients and projects, with the producer/crew visibility rules applied in the statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Client, Project, Resource, Studio
from db.repositories.scoping import RoleScope, Scope, readable, scoped


def visible(scope: RoleScope | None) -> Select[Project]:
    """Projects the caller may read (the read scope of `scoping`)."""
    return readable(Project, scope)


async def page(
    session: AsyncSession, scope: RoleScope | None, *, first: int, after_id: int | None
) -> tuple[list[Project], bool]:
    stmt = visible(scope)
    if after_id is not None:
        stmt = stmt.where(Project.id > after_id)
    rows = list((await session.scalars(stmt.order_by(Project.id).limit(first + 1))).all())
    return rows[:first], len(rows) > first


async def get(session: AsyncSession, scope: RoleScope | None, project_id: int) -> Project | None:
    return await session.scalar(visible(scope).where(Project.id == project_id))


async def get_in_studio(session: AsyncSession, scope: Scope | None, project_id: int) -> Project | None:
    """A project of the caller's studio regardless of role (services then check ownership)."""
    return await session.scalar(scoped(Project, scope).where(Project.id == project_id))


async def get_with_studio_and_resources(
    session: AsyncSession, scope: Scope | None, project_id: int, resource_ids: Sequence[int]
) -> tuple[Project, Studio, list[Resource]] | None:
    """A project of the scope's studio, the studio row, and the studio's resources among
    `resource_ids` (as `resources.by_ids` reads them), in one round trip: every lookup is by primary
    key, so the plan is the same however large the tables grow."""
    if scope is None:
        return None
    params = {"studio_id": scope.studio_id, "project_id": project_id, "ids": list(resource_ids)}
    rows = (await session.execute(_PROJECT_STUDIO_RESOURCES, params)).all()
    if not rows:
        return None
    return rows[0][0], rows[0][1], [row[2] for row in rows if row[2] is not None]


# Built once (every createBooking runs it); the studio filter is the one `scoped` would add.
_PROJECT_STUDIO_RESOURCES = (
    select(Project, Studio, Resource)
    .join(Studio, Studio.id == Project.studio_id)
    .outerjoin(
        Resource,
        and_(Resource.studio_id == Project.studio_id, Resource.id.in_(bindparam("ids", expanding=True))),
    )
    .where(Project.studio_id == bindparam("studio_id"), Project.id == bindparam("project_id"))
)


async def by_ids(session: AsyncSession, scope: RoleScope | None, ids: list[int]) -> list[Project]:
    return list((await session.scalars(visible(scope).where(Project.id.in_(ids)))).all())


async def name_taken(session: AsyncSession, studio_id: int, name: str) -> bool:
    stmt = select(Project.id).where(Project.studio_id == studio_id, Project.name == name)
    return (await session.scalar(stmt.limit(1))) is not None


async def client_named(session: AsyncSession, studio_id: int, name: str) -> Client | None:
    return await session.scalar(select(Client).where(Client.studio_id == studio_id, Client.name == name))


async def clients_by_ids(session: AsyncSession, scope: RoleScope | None, ids: list[int]) -> list[Client]:
    """Clients the caller may read (see `scoping`)."""
    return list((await session.scalars(readable(Client, scope).where(Client.id.in_(ids)))).all())


async def client_in_studio(session: AsyncSession, scope: Scope | None, client_id: int) -> Client | None:
    """A client of the caller's studio regardless of role (services then check permissions)."""
    return await session.scalar(scoped(Client, scope).where(Client.id == client_id))


async def in_studio_by_ids(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Project]:
    """Projects by id within the studio, for showing the project of a booking the caller may see."""
    return list((await session.scalars(scoped(Project, scope).where(Project.id.in_(ids)))).all())


async def by_name(session: AsyncSession, studio_id: int, name: str) -> Project | None:
    return await session.scalar(select(Project).where(Project.studio_id == studio_id, Project.name == name))
