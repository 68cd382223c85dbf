"""The event table: append in the caller's transaction, read back for catching up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from db.types import utcnow


async def append(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """Insert events in the open transaction; their `seq` is known once this returns.

    One multi-row INSERT ... RETURNING outside the ORM's unit of work (every write appends its
    events, so the flush machinery was a fixed cost of each); the returned `Event`s are detached."""
    if not rows:
        return []
    at = utcnow()
    params = [
        {
            "studio_id": row["studio_id"],
            "topic": row["topic"],
            "type": row["type"],
            "payload": row.get("payload") or {},
            "actor": row.get("actor"),
            "token_id": row.get("token_id"),
            "entity": row.get("entity"),
            "at": row.get("at") or at,
        }
        for row in rows
    ]
    connection = await session.connection()
    seqs = (await connection.execute(_APPEND, params)).scalars().all()
    return [Event(seq=seq, **p) for seq, p in zip(seqs, params, strict=True)]


_EVENTS = Event.__table__
_APPEND = insert(_EVENTS).returning(_EVENTS.c.seq, sort_by_parameter_order=True)  # type: ignore[arg-type]


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
