"""The audit log: the event table's `audit` rows of one studio, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from db.repositories.scoping import Scope, scoped

AUDIT_TOPIC = "audit"


@dataclass(frozen=True)
class AuditFilter:
    entity: str | None = None  # `Type:id`
    actor: str | None = None  # a person's or token's name, or the stored `role:name`
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


async def page(
    session: AsyncSession, scope: Scope, flt: AuditFilter, *, first: int, before_seq: int | None
) -> tuple[list[Event], bool]:
    """Up to `first` entries older than `before_seq`, newest first, and whether more follow."""
    stmt = scoped(Event, scope).where(Event.topic == AUDIT_TOPIC)
    if flt.entity is not None:
        stmt = stmt.where(Event.entity == flt.entity)
    if flt.actor is not None:
        stmt = stmt.where(or_(Event.actor == flt.actor, Event.actor.endswith(":" + flt.actor, autoescape=True)))
    if flt.action is not None:
        stmt = stmt.where(Event.type == flt.action)
    if flt.since is not None:
        stmt = stmt.where(Event.at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(Event.at < flt.until)
    if before_seq is not None:
        stmt = stmt.where(Event.seq < before_seq)
    found = list((await session.scalars(stmt.order_by(Event.seq.desc()).limit(first + 1))).all())
    return found[:first], len(found) > first


async def count(session: AsyncSession, studio_id: int) -> int:
    """How many entries a studio has (tests and diagnostics)."""
    rows = await session.scalars(select(Event.seq).where(Event.studio_id == studio_id, Event.topic == AUDIT_TOPIC))
    return len(rows.all())
