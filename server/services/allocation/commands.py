"""What clients ask the allocation engine to do, as plain values (the schema builds these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db.models import Booking, BookingStatus
from db.repositories.bookings import BookingFilter

# The bookings list's filters, as plain values.
BookingQuery = BookingFilter


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class AllocationRequest:
    """One of resource_id / kit_id; the window defaults to the booking's."""

    resource_id: int | None = None
    kit_id: int | None = None
    quantity: int = 1
    start: datetime | None = None
    end: datetime | None = None
    role: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "resource": self.resource_id,
            "kit": self.kit_id,
            "quantity": self.quantity,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "role": self.role,
        }


@dataclass(frozen=True)
class CreateBooking:
    project_id: int
    title: str
    start: datetime
    end: datetime
    status: BookingStatus = BookingStatus.HOLD
    hold_expires_at: datetime | None = None
    allocations: tuple[AllocationRequest, ...] = ()
    idempotency_key: str | None = None
    allow_over_budget: bool = False
    queue_if_taken: bool = False
    # The session template whose tasks are created with the booking.
    template_id: int | None = None

    def canonical(self) -> dict[str, Any]:
        """The request as hashed for idempotency (the key itself excluded)."""
        out: dict[str, Any] = {
            "project": self.project_id,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "status": self.status.value,
            "holdExpiresAt": _iso(self.hold_expires_at),
            "allocations": [a.canonical() for a in self.allocations],
            "allowOverBudget": self.allow_over_budget,
        }
        # Only when asked (or given), so requests stored before queues and templates existed still match.
        if self.queue_if_taken:
            out["queueIfTaken"] = True
        if self.template_id is not None:
            out["template"] = self.template_id
        return out


@dataclass(frozen=True)
class UpdateBooking:
    booking_id: int
    title: str | None = None
    hold_expires_at: datetime | None = None
    clear_hold_expiry: bool = False
    expected_version: int | None = None


@dataclass(frozen=True)
class AddAllocations:
    booking_id: int
    allocations: tuple[AllocationRequest, ...] = ()
    idempotency_key: str | None = None
    allow_over_budget: bool = False
    expected_version: int | None = None

    def canonical(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "booking": self.booking_id,
            "allocations": [a.canonical() for a in self.allocations],
            "allowOverBudget": self.allow_over_budget,
        }
        # Only when sent, so the requests stored before expected versions existed still match.
        if self.expected_version is not None:
            out["expectedVersion"] = self.expected_version
        return out


@dataclass(frozen=True)
class MoveBooking:
    booking_id: int
    start: datetime
    end: datetime
    dry_run: bool = False
    allow_over_budget: bool = False
    expected_version: int | None = None


@dataclass(frozen=True)
class BlockResource:
    resource_id: int
    start: datetime
    end: datetime
    reason: str = ""


@dataclass
class Outcome:
    """A booking after a change, with the allocations it added and the soft warnings it raised."""

    booking: Booking
    allocation_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_result(self) -> dict[str, Any]:
        """The JSON form stored for idempotent replay."""
        return {"bookingId": self.booking.id, "allocationIds": self.allocation_ids, "warnings": self.warnings}


@dataclass(frozen=True)
class RequestBooking:
    """A client's request: a window, optionally the rooms it wants, and a note; it occupies nothing."""

    project_id: int
    title: str
    start: datetime
    end: datetime
    template_id: int | None = None
    allocations: tuple[AllocationRequest, ...] = ()
    note: str | None = None
    idempotency_key: str | None = None

    def canonical(self) -> dict[str, Any]:
        return {
            "project": self.project_id,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "template": self.template_id,
            "allocations": [a.canonical() for a in self.allocations],
            "note": self.note,
        }


@dataclass(frozen=True)
class ApproveBooking:
    booking_id: int
    status: BookingStatus = BookingStatus.HOLD
    allow_over_budget: bool = False
    expected_version: int | None = None
    queue_if_taken: bool = False


@dataclass(frozen=True)
class DeclineBooking:
    booking_id: int
    reason: str
    expected_version: int | None = None
