"""Inputs of client requests and their approval: what the mutations take."""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.schema.ids import decode_id, decode_optional
from server.schema.scheduling.inputs import AllocationInput
from server.schema.types.scheduling import BookingStatus
from server.schema.versions import EXPECTED_VERSION
from server.services.allocation import commands


@strawberry.input(description="A client's request for a session; it occupies nothing until approved.")
class RequestBookingInput:
    project_id: strawberry.ID = strawberry.field(description="The project (a client: one of its client's).")
    title: str = strawberry.field(description="What the session is.")
    start: datetime = strawberry.field(description="Start of the session.")
    end: datetime = strawberry.field(description="End of the session.")
    template_id: strawberry.ID | None = strawberry.field(default=None, description="The package asked for, if any.")
    allocations: list[AllocationInput] | None = strawberry.field(
        default=None, description="The rooms (and, for staff, anything else) asked for."
    )
    note: str | None = strawberry.field(default=None, description="Anything the studio should know.")
    idempotency_key: str | None = strawberry.field(default=None, description="Replays return the first result.")

    def to_command(self) -> commands.RequestBooking:
        return commands.RequestBooking(
            project_id=decode_id(self.project_id, "Project"),
            title=self.title,
            start=self.start,
            end=self.end,
            template_id=decode_optional(self.template_id, "SessionTemplate", "template"),
            allocations=tuple(a.to_request() for a in self.allocations or ()),
            note=self.note,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input(description="Approve a REQUESTED booking: every check of createBooking runs.")
class ApproveBookingInput:
    id: strawberry.ID = strawberry.field(description="The requested booking.")
    status: BookingStatus | None = strawberry.field(
        default=BookingStatus.HOLD, description="HOLD or CONFIRMED (producers: HOLD)."
    )
    allow_over_budget: bool | None = strawberry.field(
        default=False, description="Roles that may approve overruns only."
    )
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)
    queue_if_taken: bool | None = strawberry.field(
        default=False,
        description="HOLD only: if only other bookings hold the slot, approve into their queue (HoldQueued) "
        "instead of answering ConflictError.",
    )

    def to_command(self) -> commands.ApproveBooking:
        return commands.ApproveBooking(
            booking_id=decode_id(self.id, "Booking"),
            status=self.status or BookingStatus.HOLD,
            allow_over_budget=bool(self.allow_over_budget),
            expected_version=self.expected_version,
            queue_if_taken=bool(self.queue_if_taken),
        )


@strawberry.input(description="Decline a REQUESTED booking, saying why.")
class DeclineBookingInput:
    id: strawberry.ID = strawberry.field(description="The requested booking.")
    reason: str = strawberry.field(description="Why; the client reads it.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

    def to_command(self) -> commands.DeclineBooking:
        return commands.DeclineBooking(
            booking_id=decode_id(self.id, "Booking"), reason=self.reason, expected_version=self.expected_version
        )
