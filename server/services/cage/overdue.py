"""Overdue: an item still out past its due time plus the studio's grace is marked overdue.

`mark_overdue` is called by the background sweeper (one per deployment) inside its transaction. It
persists `overdue_at`, bumps the versions of the item and its booking (so a client holding an older
copy learns of it), publishes `AssetOverdue` on the item's asset board and on availability, and
changes nothing else: the item stays `CHECKED_OUT` and keeps occupying its availability until it
is returned (availability treats an item out past its due time as away, open-ended).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import Booking, Resource
from db.repositories import cage as repo
from server.events.types import AVAILABILITY, DomainEvent, assets_topic
from server.services import versions
from server.services.audit import plain
from server.services.uow import Tx

BATCH = 500


async def mark_overdue(tx: Tx, now: datetime) -> list[int]:
    """Mark every check-out (of every studio) now overdue; returns the custody record ids marked."""
    due = [
        d
        for d in await repo.due_custody(tx.session, now, BATCH)
        if d.due_at + timedelta(minutes=d.grace_minutes) <= now
    ]
    marked = await repo.set_overdue(tx.session, [d.custody_id for d in due], now)
    now_overdue = [d for d in due if d.custody_id in marked]
    await versions.bump(tx, Resource, [d.resource_id for d in now_overdue])
    await versions.bump(tx, Booking, [d.booking_id for d in now_overdue if d.booking_id is not None])
    for d in due:
        if d.custody_id not in marked:
            continue  # returned (or marked) by a concurrent transaction
        payload = {
            "resourceId": d.resource_id,
            "custody": "CHECKED_OUT",
            "bookingId": d.booking_id,
            "custodyId": d.custody_id,
            "dueAt": d.due_at.isoformat(),
            "overdue": True,
        }
        tx.audit(
            "assetOverdue",
            f"Resource:{d.resource_id}",
            {"overdue": False},
            {"overdue": True, "overdueAt": plain(now), "custodyId": d.custody_id},
            d.studio_id,
        )
        if d.location_id is not None:
            tx.emit(DomainEvent(assets_topic(d.location_id), "AssetOverdue", payload), d.studio_id)
        tx.emit(
            DomainEvent(AVAILABILITY, "AssetOverdue", {"resourceId": d.resource_id, "kind": "EQUIPMENT"}), d.studio_id
        )
    return [d.custody_id for d in due if d.custody_id in marked]
