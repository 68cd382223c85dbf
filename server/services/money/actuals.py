"""Actuals: how a session really ran, from the session buttons or, failing those, from the cage.

- A session has started once `startSession` was pressed, or once its gear left the cage (a
  CONFIRMED booking whose gear is out has started). It ended at `endSession`, or else at the last
  return once all of its gear is back, counting only returns within their due time plus the
  studio's grace (a later return is a late return, billed by its fee, not a longer session).
  While an IN_PROGRESS session runs past its planned end without either, it bills up to now.
- Rooms and crew are billed never less than booked: an allocation that ends with the booking ends
  at the later of its planned and real end, so overruns bill and crew overtime follows the real
  day. An allocation that starts with the booking starts earlier only when `startSession` recorded
  an earlier start: gear is often collected before a session, so a check-out alone bills no room.
- Equipment and stock bill their planned window; gear back after its due time (plus the grace)
  adds the late-return fee of its rate for every started day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import Allocation, Booking, BookingStatus, CustodyRecord, ResourceKind

EXTENDS_WITH_SESSION = (ResourceKind.ROOM, ResourceKind.CREW)


@dataclass(frozen=True)
class SessionWindow:
    """The real start and the end to bill up to (None: as planned)."""

    start: datetime | None
    end: datetime | None


def has_started(booking: Booking, records: Sequence[CustodyRecord]) -> bool:
    """Started by the button, or by its gear leaving the cage."""
    if booking.status in (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED):
        return True
    return booking.status == BookingStatus.CONFIRMED and bool(records)


def session_window(
    booking: Booking, records: Sequence[CustodyRecord], now: datetime, grace: timedelta = timedelta(0)
) -> SessionWindow:
    """The earlier start to bill from (None: as planned) and the end to bill up to (None: as planned)."""
    end = booking.actual_end_at
    if end is None and records and all(r.returned_at is not None for r in records):
        on_time = [
            r.returned_at
            for r in records
            if r.returned_at is not None and (r.due_at is None or r.returned_at <= r.due_at + grace)
        ]
        end = max(on_time, default=None)
    if end is None and booking.status == BookingStatus.IN_PROGRESS and now > booking.end_at:
        end = now  # still running past its planned end
    return SessionWindow(booking.actual_start_at, end)


def billable_window(
    booking: Booking, allocation: Allocation, kind: ResourceKind, session: SessionWindow
) -> tuple[datetime, datetime]:
    """The window an allocation of a started booking bills for."""
    start, end = allocation.start_at, allocation.end_at
    if kind not in EXTENDS_WITH_SESSION:
        return start, end
    if session.start is not None and start == booking.start_at and session.start < start:
        start = session.start
    if session.end is not None and end == booking.end_at and session.end > end:
        end = session.end
    return start, end
