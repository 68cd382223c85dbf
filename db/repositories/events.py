"""The event table: append in the caller's transaction, read back for catching up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event


async def append(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """Insert events in the open transaction; their `seq` is known once this returns."""
    events = [Event(**row) for row in rows]
    session.add_all(events)
    await session.flush()
    return events


async def latest_seq(session: AsyncSession, studio_id: int) -> int:
    """The newest event seq of a studio (0 when it has none)."""
    value = await session.scalar(select(func.max(Event.seq)).where(Event.studio_id == studio_id))
    return int(value or 0)


async def since(session: AsyncSession, studio_id: int, topics: Sequence[str], after_seq: int) -> list[Event]:
    """Events of the given topics after a seq, oldest first."""
    stmt = (
        select(Event)
        .where(Event.studio_id == studio_id, Event.topic.in_(topics), Event.seq > after_seq)
        .order_by(Event.seq)
    )
    return list((await session.scalars(stmt)).all())
