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


# Events an outbox adds to the transaction it runs in (the unit of work publishes them with the rest).
_FOLLOW_UPS = "callsheet.follow_up_events"


async def append_follow_ups(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """`append`, and keep the rows on the session for `take_follow_ups`."""
    events = await append(session, rows)
    session.info.setdefault(_FOLLOW_UPS, []).extend(events)
    return events


def take_follow_ups(session: AsyncSession) -> list[Event]:
    """The events outboxes appended in this session since the last call."""
    return list(session.info.pop(_FOLLOW_UPS, []))


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
