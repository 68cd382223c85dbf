"""Reminders the sweeper raises when a deadline nears: HOLD_EXPIRING a day before a hold lapses,
GEAR_DUE two hours before gear is due back. Each is raised once per subject and deadline (a hold
whose expiry is moved is reminded again); the event it records becomes the notifications.

`next_*` tell the sweeper when a reminder next falls due, so it can wake for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Reminder
from db.repositories import notifications as rows
from server.events.types import DomainEvent
from server.services.notifications.kinds import REMINDERS
from server.services.uow import Tx

HOLD_NOTICE = timedelta(days=1)
GEAR_NOTICE = timedelta(hours=2)
BATCH = 200


async def hold_expiring(tx: Tx, now: datetime) -> list[int]:
    """Remind the makers of holds lapsing within a day; returns the booking ids reminded."""
    found = await rows.holds_expiring(tx.session, now, now + HOLD_NOTICE, BATCH)
    await rows.add_reminders(
        tx.session,
        [
            Reminder(studio_id=b.studio_id, kind="HOLD_EXPIRING", subject_id=b.id, deadline=b.hold_expires_at)
            for b in found
        ],
    )
    for b in found:
        assert b.hold_expires_at is not None
        payload = {"bookingId": b.id, "projectId": b.project_id, "expiresAt": b.hold_expires_at.isoformat()}
        tx.emit(DomainEvent(REMINDERS, "HoldExpiring", payload), b.studio_id)
    return [b.id for b in found]


async def gear_due(tx: Tx, now: datetime) -> list[int]:
    """Remind of gear due back within two hours; returns the custody record ids reminded."""
    found = await rows.gear_due(tx.session, now, now + GEAR_NOTICE, BATCH)
    await rows.add_reminders(
        tx.session,
        [Reminder(studio_id=c.studio_id, kind="GEAR_DUE", subject_id=c.id, deadline=c.due_at) for c in found],
    )
    for c in found:
        assert c.due_at is not None
        payload = {
            "custodyId": c.id,
            "resourceId": c.resource_id,
            "bookingId": c.booking_id,
            "dueAt": c.due_at.isoformat(),
        }
        tx.emit(DomainEvent(REMINDERS, "GearDue", payload), c.studio_id)
    return [c.id for c in found]


async def next_hold_expiring(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next HOLD_EXPIRING reminder falls due (now or earlier: it is due already)."""
    expiry = await rows.next_hold_expiry(session, now)
    return None if expiry is None else expiry - HOLD_NOTICE


async def next_gear_due(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next GEAR_DUE reminder falls due."""
    due = await rows.next_gear_due(session, now)
    return None if due is None else due - GEAR_NOTICE
