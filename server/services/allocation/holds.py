"""Hold expiry: a HOLD past its `holdExpiresAt` stops blocking.

Two paths persist it: the periodic sweeper (`expire_holds`, one per deployment) and any write that
needs the slot (`expire`, called inside that write's transaction). Reads never wait for either: the
conflict and availability queries already ignore lapsed holds.
"""

from __future__ import annotations

from datetime import datetime

from db.models import Booking, BookingStatus
from db.models.scheduling import hold_lapsed
from db.repositories import bookings as booking_rows
from db.repositories import occupancy, versions
from server.services.allocation import events
from server.services.uow import Tx

SWEEP_BATCH = 500


async def expire(tx: Tx, booking_ids: list[int], now: datetime) -> list[int]:
    """Expire these bookings if they are still lapsed holds (rows locked first); returns those expired."""
    rows = await booking_rows.lock_many(tx.session, None, booking_ids)
    lapsed = [b for b in rows if _lapsed(b, now)]
    if not lapsed:
        return []
    await occupancy.release_bookings(tx.session, [b.id for b in lapsed])
    for booking in lapsed:
        tx.audit(
            "holdExpired",
            f"Booking:{booking.id}",
            {"status": booking.status.value},
            {"status": BookingStatus.EXPIRED.value},
            booking.studio_id,
        )
    await versions.advance_many(
        tx.session, Booking, [b.id for b in lapsed], status=BookingStatus.EXPIRED, updated_at=now
    )
    for booking in lapsed:
        await events.booking_changed(tx, booking, "BookingExpired")
    return [b.id for b in lapsed]


async def expire_holds(tx: Tx, now: datetime) -> list[int]:
    """Sweep every studio's lapsed holds (at most one batch per call); returns the expired booking ids."""
    ids = await occupancy.lapsed_holds(tx.session, None, now, limit=SWEEP_BATCH)
    return await expire(tx, ids, now)


def _lapsed(booking: Booking, now: datetime) -> bool:
    return hold_lapsed(booking.status, booking.hold_expires_at, now)
