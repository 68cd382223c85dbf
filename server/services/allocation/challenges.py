"""Challenges (DESIGN §10): a queued hold makes each HOLD ahead of it confirm by a deadline; the
sweeper releases those that do not (EXPIRED, audit reason "challenge") and promotion runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingStatus
from db.repositories import bookings as booking_rows
from db.repositories import occupancy, versions
from db.repositories import queue as queue_rows
from server.services.allocation import access, events, queue
from server.services.allocation.budget import BudgetPolicy
from server.services.errors import Invalid, InvalidTransition
from server.services.principal import Principal
from server.services.uow import Tx

SweepRun = Callable[[Tx, datetime], Awaitable[list[int]]]

BATCH = 200
HOLD = BookingStatus.HOLD


async def challenge_hold(
    tx: Tx, principal: Principal, booking_id: int, respond_by: datetime, now: datetime
) -> tuple[Booking, list[Booking]]:
    """Make every other project's HOLD ahead of this queued hold confirm by `respond_by`."""
    challenger = await access.booking_for_change(tx, principal, booking_id, None, claim=False)
    if challenger.status != HOLD:
        raise InvalidTransition(f"Only a queued HOLD can challenge; this booking is {challenger.status.value}.")
    if challenger.queue_seq is None:
        raise InvalidTransition("This hold holds its slot (rank 1): there is nothing ahead to challenge.")
    if respond_by.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="respondBy")
    if respond_by <= now:
        raise Invalid("respondBy must be in the future.", field="respondBy")
    mine = await queue_rows.spans_of(tx.session, [challenger.id])
    others = await queue_rows.contenders(tx.session, challenger.studio_id, mine)
    ahead = sorted(
        {o.booking_id for s in mine for o in others if o.queue_seq is None and o.live(now) and o.overlaps(s)}
        - {challenger.id}
    )
    rows = await booking_rows.lock_many(tx.session, challenger.studio_id, ahead)
    holding = [b for b in rows if b.status == HOLD and b.queue_seq is None]
    if not holding:
        raise InvalidTransition("A CONFIRMED booking cannot be challenged, and nothing ahead is a HOLD.")
    challenged = [b for b in holding if b.project_id != challenger.project_id]
    if not challenged:
        raise Invalid("The holds ahead are this project's own: there is nobody to challenge.", field="bookingId")
    for b in challenged:
        if b.hold_expires_at is not None and respond_by > b.hold_expires_at:
            raise Invalid(
                f"respondBy is after the challenged hold's own expiry ({b.hold_expires_at.isoformat()}).",
                field="respondBy",
            )
    for b in challenged:
        # An earlier deadline already set stands: a second challenge cannot extend it.
        if b.challenge_respond_by is None or respond_by < b.challenge_respond_by:
            b.challenge_respond_by = respond_by
        b.version = b.version + 1
        b.updated_at = now
    await tx.session.flush()
    for b in challenged:
        await events.booking_changed(tx, b, "HoldChallenged")
    return challenger, challenged


def answer(booking: Booking, now: datetime) -> None:
    """Confirming answers a challenge; after its deadline the hold is the sweeper's to release."""
    if booking.status == HOLD and booking.challenge_respond_by is not None:
        if booking.challenge_respond_by <= now:
            raise InvalidTransition("The challenge's deadline has passed: the hold is released.")
        booking.challenge_respond_by = None


def resolve_job(budget: BudgetPolicy) -> SweepRun:
    """The sweep job releasing challenged holds past their deadline, then promoting behind them."""

    async def run(tx: Tx, now: datetime) -> list[int]:
        ids = await queue_rows.challenges_due(tx.session, now, BATCH)
        rows = await booking_rows.lock_many(tx.session, None, ids)
        due = [
            b for b in rows if b.status == HOLD and b.challenge_respond_by is not None and b.challenge_respond_by <= now
        ]
        if not due:
            return []
        released = [(b.studio_id, b.id) for b in due if b.queue_seq is None]
        await occupancy.release_bookings(tx.session, [b.id for b in due])
        for b in due:
            tx.audit(
                "holdExpired",
                f"Booking:{b.id}",
                {"status": HOLD.value, "challengeRespondBy": str(b.challenge_respond_by)},
                {"status": BookingStatus.EXPIRED.value, "reason": "challenge"},
                b.studio_id,
            )
        await versions.advance_many(
            tx.session, Booking, [b.id for b in due], status=BookingStatus.EXPIRED, updated_at=now
        )
        for b in due:
            await events.booking_changed(tx, b, "BookingExpired")
        await queue.promote_by_studio(tx, released, now, budget)
        return [b.id for b in due]

    return run


async def next_deadline(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next open challenge falls due (the sweeper wakes then)."""
    return await queue_rows.next_challenge(session, now)
