"""Rows of any model by id, within what the caller may read (the `node` lookup)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories.scoping import RoleScope, readable

T = TypeVar("T")


async def readable_by_ids(
    session: AsyncSession, scope: RoleScope | None, model: type[T], ids: Sequence[int]
) -> list[T]:
    """The rows that exist and that the caller may read (others are simply absent)."""
    if not ids:
        return []
    column: Any = model.id  # type: ignore[attr-defined]
    return list((await session.scalars(readable(model, scope).where(column.in_(list(ids))))).all())
