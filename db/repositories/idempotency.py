"""Stored first results of keyed mutations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyRecord


async def get(session: AsyncSession, studio_id: int, key: str) -> IdempotencyRecord | None:
    return await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.studio_id == studio_id, IdempotencyRecord.key == key)
    )


async def put(
    session: AsyncSession, studio_id: int, key: str, operation: str, request_hash: str, result: dict[str, Any]
) -> None:
    """Record a result; a concurrent writer of the same key fails on the primary key."""
    session.add(
        IdempotencyRecord(studio_id=studio_id, key=key, operation=operation, request_hash=request_hash, result=result)
    )
    await session.flush()
