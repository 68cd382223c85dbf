"""Row versions: the compare-and-set statement that bumps `version` on the entities people edit.

`advance` is one `UPDATE … SET version = version + 1 WHERE id = :id AND studio_id = :studio
[AND version = :expected] RETURNING version`: the check and the increment cannot be split by a
concurrent writer, and the statement takes the row's write lock for the rest of the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Block, Booking, Invoice, Kit, MediaAsset, Milestone, Project, Rate, Resource, Task, Webhook

Versioned = Booking | Resource | Kit | Project | Rate | Invoice | Block | Webhook | Task | Milestone | MediaAsset


async def advance(
    session: AsyncSession,
    model: type[Versioned],
    studio_id: int,
    row_id: int,
    expected: int | None,
    **values: Any,
) -> int | None:
    """Bump the row's version (and set `values`) if it is at `expected`; the new version, or None."""
    stmt = update(model).where(model.id == row_id, model.studio_id == studio_id)
    if expected is not None:
        stmt = stmt.where(model.version == expected)
    stmt = stmt.values(version=model.version + 1, **values).returning(model.version)
    result = await session.execute(stmt, execution_options={"synchronize_session": "fetch"})
    return result.scalar_one_or_none()


async def advance_many(session: AsyncSession, model: type[Versioned], row_ids: list[int], **values: Any) -> None:
    """Bump the version of every given row (system changes: expiry, custody, closing a rate)."""
    if not row_ids:
        return
    stmt = update(model).where(model.id.in_(sorted(set(row_ids)))).values(version=model.version + 1, **values)
    await session.execute(stmt, execution_options={"synchronize_session": "fetch"})


async def current(session: AsyncSession, model: type[Versioned], studio_id: int, row_id: int) -> int | None:
    """The row's version now, or None if the studio has no such row."""
    stmt = select(model.version).where(model.id == row_id, model.studio_id == studio_id)
    return await session.scalar(stmt)
