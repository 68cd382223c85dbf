"""Actuals: how a session really ran, from the session buttons or, failing those, from the cage.

- A session starts when `startSession` is pressed (the booking's `actual_start_at`), or else at
  the first check-out of its gear; it ends at `endSession` (`actual_end_at`), or else at the last
  return once all of its gear is back. A CONFIRMED booking whose gear went out has started.
- Rooms and crew are billed never less than booked: an allocation that starts with the booking
  starts at the earlier of its planned and real start, and one that ends with the booking ends at
  the later of its planned and real end, so overruns bill and crew overtime follows the real day.
  While a session runs past its planned end, it bills up to now.
- Equipment and stock bill their planned window; gear back after its due time (plus the studio's
  grace) adds the late-return fee of its rate for every started day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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


def session_window(booking: Booking, records: Sequence[CustodyRecord], now: datetime) -> SessionWindow:
    """When the session really started and until when it bills."""
    start = booking.actual_start_at
    if start is None and records:
        start = min(r.checked_out_at for r in records)
    end = booking.actual_end_at
    if end is None and records and all(r.returned_at is not None for r in records):
        end = max(r.returned_at for r in records if r.returned_at is not None)
    if end is None and booking.status != BookingStatus.COMPLETED and now > booking.end_at:
        end = now  # still running past its planned end
    return SessionWindow(start, end)


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
