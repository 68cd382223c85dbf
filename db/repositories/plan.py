"""Tasks, dependencies and milestones: reads narrowed by the read scopes, the facts milestone risks
are computed from, and the writes of the plan's services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    BLOCKING_STATUSES,
    Allocation,
    Booking,
    MediaAsset,
    Milestone,
    Resource,
    ResourceKind,
    ReviewLink,
    Task,
    TaskDependency,
    TaskKind,
    TaskStatus,
)
from db.repositories.scoping import RoleScope, Scope, readable, scoped

# The room category that makes a booking's room an edit bay (the demo studio's and the templates').
EDIT_BAY = "edit bay"


async def tasks_by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[Task]:
    if not ids:
        return []
    return list((await session.scalars(readable(Task, scope).where(Task.id.in_(ids)))).all())


# The columns a task is shown with: lists read them as plain rows (hundreds per request, no entities).
TASK_COLUMNS = (
    Task.id,
    Task.project_id,
    Task.booking_id,
    Task.milestone_id,
    Task.assignee_id,
    Task.title,
    Task.kind,
    Task.status,
    Task.due_at,
    Task.completed_at,
    Task.version,
)


async def tasks_where(
    session: AsyncSession,
    scope: RoleScope | None,
    *,
    project_ids: Sequence[int] = (),
    booking_ids: Sequence[int] = (),
    milestone_ids: Sequence[int] = (),
) -> list[Row[Any]]:
    """The readable tasks of these projects, bookings or milestones (rows of `TASK_COLUMNS`), by due
    time (undated last), then id."""
    stmt = readable(Task, scope)
    if project_ids:
        stmt = stmt.where(Task.project_id.in_(project_ids))
    elif booking_ids:
        stmt = stmt.where(Task.booking_id.in_(booking_ids))
    elif milestone_ids:
        stmt = stmt.where(Task.milestone_id.in_(milestone_ids))
    else:
        return []
    shown = stmt.with_only_columns(*TASK_COLUMNS).order_by(Task.due_at.is_(None), Task.due_at, Task.id)
    result: Result[Any] = await session.execute(shown)
    return list(result.all())


async def task_in_studio(session: AsyncSession, scope: Scope | None, task_id: int) -> Task | None:
    """A task of the caller's studio regardless of role, locked for the change (services check ownership)."""
    return await session.scalar(scoped(Task, scope).where(Task.id == task_id).with_for_update())


async def tasks_in_studio(session: AsyncSession, scope: Scope | None, ids: Sequence[int]) -> list[Task]:
    if not ids:
        return []
    return list((await session.scalars(scoped(Task, scope).where(Task.id.in_(ids)))).all())


async def project_tasks(session: AsyncSession, studio_id: int, project_ids: Sequence[int]) -> list[Task]:
    """Every task of these projects (risk and cycle checks see the whole plan, whoever asks)."""
    if not project_ids:
        return []
    stmt = select(Task).where(Task.studio_id == studio_id, Task.project_id.in_(project_ids))
    return list((await session.scalars(stmt)).all())


async def project_task_columns(
    session: AsyncSession, studio_id: int, project_ids: Sequence[int]
) -> list[tuple[int, str, TaskKind, TaskStatus, int | None, int | None, int | None, datetime | None]]:
    """(id, title, kind, status, booking, milestone, assignee, due) of every task of these projects:
    plain rows, no entities (risks read hundreds of tasks per request)."""
    if not project_ids:
        return []
    stmt = select(
        Task.id, Task.title, Task.kind, Task.status, Task.booking_id, Task.milestone_id, Task.assignee_id, Task.due_at
    ).where(Task.studio_id == studio_id, Task.project_id.in_(project_ids))
    return [tuple(row) for row in await session.execute(stmt)]  # type: ignore[misc]


async def project_edges(session: AsyncSession, studio_id: int, project_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(task, depends on) for every dependency of these projects' tasks."""
    if not project_ids:
        return []
    stmt = (
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.studio_id == studio_id, Task.project_id.in_(project_ids))
    )
    return [(a, b) for a, b in await session.execute(stmt)]


async def edges_of(session: AsyncSession, task_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(task, depends on) for these tasks' own dependencies."""
    if not task_ids:
        return []
    stmt = select(TaskDependency.task_id, TaskDependency.depends_on_id).where(TaskDependency.task_id.in_(task_ids))
    return [(a, b) for a, b in await session.execute(stmt)]


async def dependents_of(session: AsyncSession, task_id: int) -> list[Task]:
    """The tasks that depend on this one."""
    stmt = (
        select(Task)
        .join(TaskDependency, TaskDependency.task_id == Task.id)
        .where(TaskDependency.depends_on_id == task_id)
    )
    return list((await session.scalars(stmt.order_by(Task.id))).all())


async def add_tasks(session: AsyncSession, rows: Sequence[Task]) -> None:
    session.add_all(rows)
    await session.flush()


async def add_edges(session: AsyncSession, edges: Sequence[tuple[int, int]]) -> None:
    session.add_all([TaskDependency(task_id=a, depends_on_id=b) for a, b in edges])
    await session.flush()


async def replace_edges(session: AsyncSession, task_id: int, depends_on: Sequence[int]) -> None:
    await session.execute(delete(TaskDependency).where(TaskDependency.task_id == task_id))
    await add_edges(session, [(task_id, d) for d in depends_on])


async def open_tasks_of_booking(session: AsyncSession, booking_id: int) -> list[Task]:
    """The booking's tasks that are not DONE, locked (a move shifts them, a cancellation removes them)."""
    stmt = (
        select(Task)
        .where(Task.booking_id == booking_id, Task.status != TaskStatus.DONE)
        .order_by(Task.id)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())


async def delete_tasks(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(Task).where(Task.id.in_(ids)), execution_options={"synchronize_session": False})


async def shift_due(session: AsyncSession, ids: Sequence[int], by_seconds: float) -> None:
    """Move these tasks' due times (those that have one) by a number of seconds."""
    if not ids:
        return
    rows = list((await session.scalars(select(Task).where(Task.id.in_(ids), Task.due_at.is_not(None)))).all())
    for row in rows:
        assert row.due_at is not None
        row.due_at = row.due_at + timedelta(seconds=by_seconds)
        row.version += 1
    await session.flush()


async def review_tasks_of_booking(session: AsyncSession, studio_id: int, booking_id: int) -> list[Task]:
    stmt = (
        select(Task)
        .where(Task.studio_id == studio_id, Task.booking_id == booking_id, Task.kind == "REVIEW")
        .order_by(Task.id)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())


# Milestones


async def milestones_by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[Milestone]:
    if not ids:
        return []
    return list((await session.scalars(readable(Milestone, scope).where(Milestone.id.in_(ids)))).all())


async def milestones_of_projects(
    session: AsyncSession, scope: RoleScope | None, project_ids: Sequence[int]
) -> list[Milestone]:
    if not project_ids:
        return []
    stmt = readable(Milestone, scope).where(Milestone.project_id.in_(project_ids))
    return list((await session.scalars(stmt.order_by(Milestone.due_at, Milestone.id))).all())


async def milestone_in_studio(session: AsyncSession, scope: Scope | None, milestone_id: int) -> Milestone | None:
    return await session.scalar(scoped(Milestone, scope).where(Milestone.id == milestone_id))


async def add_milestone(session: AsyncSession, row: Milestone) -> None:
    session.add(row)
    await session.flush()


async def undelivered_milestones_of_projects(
    session: AsyncSession, studio_id: int, project_ids: Sequence[int]
) -> list[Milestone]:
    if not project_ids:
        return []
    stmt = select(Milestone).where(
        Milestone.studio_id == studio_id, Milestone.project_id.in_(project_ids), Milestone.delivered_at.is_(None)
    )
    return list((await session.scalars(stmt.order_by(Milestone.due_at, Milestone.id))).all())


# The facts risks are computed from


async def edit_bay_ends(
    session: AsyncSession, studio_id: int, booking_ids: Sequence[int]
) -> list[tuple[int, int, str, datetime, datetime]]:
    """(booking, allocation, room name, start, end) of the edit-bay allocations of these live bookings."""
    if not booking_ids:
        return []
    stmt = (
        select(Allocation.booking_id, Allocation.id, Resource.name, Allocation.start_at, Allocation.end_at)
        .join(Resource, Resource.id == Allocation.resource_id)
        .join(Booking, Booking.id == Allocation.booking_id)
        .where(
            Allocation.studio_id == studio_id,
            Allocation.booking_id.in_(booking_ids),
            Booking.status.in_(BLOCKING_STATUSES),
            Resource.kind == ResourceKind.ROOM,
            func.lower(Resource.category) == EDIT_BAY,
        )
    )
    return [(b, a, n, s, e) for b, a, n, s, e in await session.execute(stmt)]


async def crew_of_bookings(
    session: AsyncSession, studio_id: int, booking_ids: Sequence[int]
) -> list[tuple[int, Allocation, Resource]]:
    """(booking, allocation, crew member) of these bookings' crew allocations."""
    if not booking_ids:
        return []
    stmt = (
        select(Allocation, Resource)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(
            Allocation.studio_id == studio_id,
            Allocation.booking_id.in_(booking_ids),
            Resource.kind == ResourceKind.CREW,
        )
        .order_by(Allocation.id)
    )
    return [(a.booking_id, a, r) for a, r in await session.execute(stmt)]


# Media on storage volumes, and review links


async def media_by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[MediaAsset]:
    if not ids:
        return []
    return list((await session.scalars(readable(MediaAsset, scope).where(MediaAsset.id.in_(ids)))).all())


async def media_of_projects(
    session: AsyncSession, scope: RoleScope | None, project_ids: Sequence[int]
) -> list[MediaAsset]:
    if not project_ids:
        return []
    stmt = readable(MediaAsset, scope).where(MediaAsset.project_id.in_(project_ids)).order_by(MediaAsset.id)
    return list((await session.scalars(stmt)).all())


async def media_in_studio(session: AsyncSession, scope: Scope | None, media_id: int) -> MediaAsset | None:
    return await session.scalar(scoped(MediaAsset, scope).where(MediaAsset.id == media_id))


async def used_megabytes(session: AsyncSession, storage_id: int, project_id: int | None = None) -> int:
    """Megabytes registered on a volume (by one project, if given)."""
    stmt = select(func.coalesce(func.sum(MediaAsset.size_megabytes), 0)).where(MediaAsset.storage_id == storage_id)
    if project_id is not None:
        stmt = stmt.where(MediaAsset.project_id == project_id)
    return int(await session.scalar(stmt) or 0)


async def allocated_gigabytes(session: AsyncSession, storage_id: int, project_id: int, at: datetime) -> int:
    """Gigabytes of a volume the project's live bookings hold at a moment."""
    stmt = (
        select(func.coalesce(func.sum(Allocation.quantity), 0))
        .join(Booking, Booking.id == Allocation.booking_id)
        .where(
            Allocation.resource_id == storage_id,
            Booking.project_id == project_id,
            Booking.status.in_(BLOCKING_STATUSES),
            Allocation.start_at <= at,
            Allocation.end_at > at,
        )
    )
    return int(await session.scalar(stmt) or 0)


async def add_media(session: AsyncSession, row: MediaAsset) -> None:
    session.add(row)
    await session.flush()


async def links_of_media(session: AsyncSession, media_ids: Sequence[int]) -> list[ReviewLink]:
    if not media_ids:
        return []
    stmt = select(ReviewLink).where(ReviewLink.media_asset_id.in_(media_ids)).order_by(ReviewLink.id)
    return list((await session.scalars(stmt)).all())


async def add_link(session: AsyncSession, row: ReviewLink) -> None:
    session.add(row)
    await session.flush()


async def link_by_hash(session: AsyncSession, token_hash: str, *, lock: bool = False) -> ReviewLink | None:
    stmt = select(ReviewLink).where(ReviewLink.token_hash == token_hash)
    return await session.scalar(stmt.with_for_update() if lock else stmt)


async def media_for_update(session: AsyncSession, media_id: int) -> MediaAsset | None:
    return await session.scalar(select(MediaAsset).where(MediaAsset.id == media_id).with_for_update())
