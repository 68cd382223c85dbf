"""One row of any model by id, within what the caller may read (the `node` lookup)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories.scoping import RoleScope, readable

T = TypeVar("T")


async def readable_by_id(session: AsyncSession, scope: RoleScope | None, model: type[T], pk: int) -> T | None:
    """The row, or None when it does not exist or the caller may not read it."""
    column: Any = model.id  # type: ignore[attr-defined]
    return await session.scalar(readable(model, scope).where(column == pk))
