"""The booking state machine of DESIGN §3.

HOLD -> CONFIRMED -> IN_PROGRESS -> COMPLETED; HOLD, CONFIRMED, IN_PROGRESS -> CANCELLED;
HOLD past its expiry -> EXPIRED. A client's REQUESTED booking -> HOLD or CONFIRMED (approved, see
`requests`), DECLINED, or CANCELLED (withdrawn). Anything else is an InvalidTransition.
"""

from __future__ import annotations

from datetime import datetime

from db.models import BLOCKING_STATUSES, Booking, BookingStatus
from db.models.scheduling import hold_lapsed
from db.repositories import occupancy
from server.services.allocation import access, challenges, events, holds
from server.services.allocation import queue as hold_queue
from server.services.allocation.budget import BudgetPolicy
from server.services.errors import InvalidTransition
from server.services.plan import bookings as plan
from server.services.principal import Principal
from server.services.uow import Tx

S = BookingStatus
ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.HOLD: frozenset({S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.CONFIRMED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    # Approval is not a plain move: it claims the resources (`requests.approve_booking`).
    S.REQUESTED: frozenset({S.DECLINED, S.CANCELLED}),
    S.DECLINED: frozenset(),
}


def can(current: BookingStatus, target: BookingStatus) -> bool:
    return target in ALLOWED[current]


def require_transition(booking: Booking, target: BookingStatus) -> None:
    if not can(booking.status, target):
        raise InvalidTransition(
            f"A {booking.status.value} booking cannot become {target.value}.",
        )


async def _lapsed_guard(tx: Tx, booking: Booking, now: datetime) -> None:
    """A hold past its expiry is expired now, and the change that found it is refused."""
    if hold_lapsed(booking.status, booking.hold_expires_at, now):
        await holds.expire(tx, [booking.id], now)
        raise InvalidTransition("The hold has expired.")


async def _move_to(tx: Tx, booking: Booking, target: BookingStatus, now: datetime, event: str) -> Booking:
    require_transition(booking, target)
    booking.status = target
    booking.updated_at = now
    if target not in BLOCKING_STATUSES:
        await occupancy.release_booking(tx.session, booking.id)
    await tx.session.flush()
    await events.booking_changed(tx, booking, event)
    return booking


async def confirm_booking(
    tx: Tx, principal: Principal, booking_id: int, expected_version: int | None, now: datetime
) -> Booking:
    """HOLD -> CONFIRMED (producers: their own projects' holds)."""
    booking = await access.booking_for_change(tx, principal, booking_id, expected_version)
    await _lapsed_guard(tx, booking, now)
    hold_queue.refuse_if_queued(booking, "confirmed")
    challenges.answer(booking, now)
    booking.hold_expires_at = None if booking.status == S.HOLD else booking.hold_expires_at
    return await _move_to(tx, booking, S.CONFIRMED, now, "BookingConfirmed")


async def cancel_booking(
    tx: Tx, principal: Principal, booking_id: int, expected_version: int | None, now: datetime, budget: BudgetPolicy
) -> Booking:
    """Any blocking status -> CANCELLED; its claims stop blocking at once."""
    booking = await access.booking_for_change(tx, principal, booking_id, expected_version)
    await _lapsed_guard(tx, booking, now)
    await budget.begin(tx, principal, booking.project_id, "cancelBooking", booking.id)
    # Only a booking that held its claims frees a slot; a queued hold just leaves the line.
    held = booking.status in BLOCKING_STATUSES and booking.queue_seq is None
    cancelled = await _move_to(tx, booking, S.CANCELLED, now, "BookingCancelled")
    await plan.booking_cancelled(tx, cancelled)
    await budget.guard(tx, principal, cancelled, allow_over_budget=False)
    if held:
        await hold_queue.promote_released(tx, booking.studio_id, [booking.id], now, budget)
    return cancelled


async def start_booking(
    tx: Tx, principal: Principal, booking_id: int, expected_version: int | None, at: datetime
) -> Booking:
    """CONFIRMED -> IN_PROGRESS, recording when the session really started."""
    booking = await access.booking_for_change(tx, principal, booking_id, expected_version)
    require_transition(booking, S.IN_PROGRESS)
    booking.actual_start_at = at
    return await _move_to(tx, booking, S.IN_PROGRESS, at, "BookingStarted")


async def complete_booking(
    tx: Tx,
    principal: Principal,
    booking_id: int,
    expected_version: int | None,
    at: datetime,
    now: datetime,
    budget: BudgetPolicy,
) -> Booking:
    """IN_PROGRESS -> COMPLETED, recording the real end; its claims stop blocking, and a session
    that ended early gives the rest of its slot to the holds queued behind it there."""
    booking = await access.booking_for_change(tx, principal, booking_id, expected_version)
    require_transition(booking, S.COMPLETED)
    if booking.actual_start_at is not None and at < booking.actual_start_at:
        raise InvalidTransition("A session cannot end before it started.")
    held = await hold_queue.released_spans(tx, booking)
    booking.actual_end_at = at
    completed = await _move_to(tx, booking, S.COMPLETED, at, "BookingCompleted")
    # What is already over is no one's to take: only the time left from now (or a later end) is.
    await hold_queue.promote_behind(tx, booking.studio_id, hold_queue.from_time(held, max(at, now)), now, budget)
    return completed
