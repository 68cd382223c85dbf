"""Inputs of scheduling: what its mutations and queries take."""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.schema.ids import decode_id, decode_optional
from server.schema.types.catalogue import ResourceKind
from server.schema.types.scheduling import BookingStatus
from server.schema.versions import EXPECTED_VERSION
from server.services.allocation import commands


@strawberry.input(description="One resource, kit or stock quantity for one window inside a booking.")
class AllocationInput:
    resource_id: strawberry.ID | None = strawberry.field(default=None, description="One of resourceId / kitId.")
    kit_id: strawberry.ID | None = strawberry.field(default=None, description="A kit: every item is allocated.")
    quantity: int | None = strawberry.field(default=1, description="Units of a stock pool; 1 otherwise.")
    start: datetime | None = strawberry.field(default=None, description="Defaults to the booking's start.")
    end: datetime | None = strawberry.field(default=None, description="Defaults to the booking's end.")
    role: str | None = strawberry.field(default=None, description="CREW: the role filled, e.g. 'technical producer'.")

    def to_request(self) -> commands.AllocationRequest:
        return commands.AllocationRequest(
            resource_id=decode_optional(self.resource_id, "Resource"),
            kit_id=decode_optional(self.kit_id, "Kit"),
            quantity=1 if self.quantity is None else self.quantity,
            start=self.start,
            end=self.end,
            role=self.role,
        )


@strawberry.input(description="A new booking with its allocations; it lands whole or not at all.")
class CreateBookingInput:
    project_id: strawberry.ID = strawberry.field(description="The project it belongs to.")
    title: str = strawberry.field(description="What the session is.")
    start: datetime = strawberry.field(description="Start of the session.")
    end: datetime = strawberry.field(description="End of the session.")
    status: BookingStatus | None = strawberry.field(default=BookingStatus.HOLD, description="HOLD or CONFIRMED.")
    hold_expires_at: datetime | None = strawberry.field(default=None, description="When a HOLD lapses.")
    allocations: list[AllocationInput] = strawberry.field(description="What it holds.")
    idempotency_key: str | None = strawberry.field(default=None, description="Replays return the first result.")
    allow_over_budget: bool | None = strawberry.field(
        default=False, description="Roles that may approve overruns only."
    )
    queue_if_taken: bool | None = strawberry.field(
        default=False,
        description="HOLD only: if only other bookings hold the slot, join their queue (HoldQueued) "
        "instead of a ConflictError.",
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="A session template whose tasks are created with the booking."
    )

    def to_command(self) -> commands.CreateBooking:
        return commands.CreateBooking(
            project_id=decode_id(self.project_id, "Project"),
            title=self.title,
            start=self.start,
            end=self.end,
            status=self.status or BookingStatus.HOLD,
            hold_expires_at=self.hold_expires_at,
            allocations=tuple(a.to_request() for a in self.allocations),
            idempotency_key=self.idempotency_key,
            allow_over_budget=bool(self.allow_over_budget),
            queue_if_taken=bool(self.queue_if_taken),
            template_id=decode_optional(self.template_id, "SessionTemplate", "template"),
        )


@strawberry.input(description="Changes to a booking's title or hold expiry; omitted fields stay.")
class UpdateBookingInput:
    id: strawberry.ID = strawberry.field(description="The booking.")
    title: str | None = strawberry.field(default=None, description="New title.")
    hold_expires_at: datetime | None = strawberry.field(default=None, description="New expiry of a HOLD.")
    clear_hold_expiry: bool | None = strawberry.field(default=False, description="Let the HOLD stand until changed.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

    def to_command(self) -> commands.UpdateBooking:
        return commands.UpdateBooking(
            booking_id=decode_id(self.id, "Booking"),
            title=self.title,
            hold_expires_at=self.hold_expires_at,
            clear_hold_expiry=bool(self.clear_hold_expiry),
            expected_version=self.expected_version,
        )


@strawberry.input(description="More allocations for an existing booking; all land or none does.")
class AddAllocationsInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    allocations: list[AllocationInput] = strawberry.field(description="What to add.")
    idempotency_key: str | None = strawberry.field(default=None, description="Replays return the first result.")
    allow_over_budget: bool | None = strawberry.field(default=False, description="Approve an overrun.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

    def to_command(self) -> commands.AddAllocations:
        return commands.AddAllocations(
            booking_id=decode_id(self.booking_id, "Booking"),
            allocations=tuple(a.to_request() for a in self.allocations),
            idempotency_key=self.idempotency_key,
            allow_over_budget=bool(self.allow_over_budget),
            expected_version=self.expected_version,
        )


@strawberry.input(description="A new window for a booking; its allocations move with it.")
class MoveBookingInput:
    id: strawberry.ID = strawberry.field(description="The booking.")
    start: datetime = strawberry.field(description="New start.")
    end: datetime = strawberry.field(description="New end.")
    dry_run: bool | None = strawberry.field(default=False, description="Only report the impact; change nothing.")
    allow_over_budget: bool | None = strawberry.field(default=False, description="Approve an overrun.")
    expected_version: int | None = strawberry.field(
        default=None, description=EXPECTED_VERSION + " A dry run neither checks nor changes it."
    )

    def to_command(self) -> commands.MoveBooking:
        return commands.MoveBooking(
            booking_id=decode_id(self.id, "Booking"),
            start=self.start,
            end=self.end,
            dry_run=bool(self.dry_run),
            allow_over_budget=bool(self.allow_over_budget),
            expected_version=self.expected_version,
        )


@strawberry.input(description="Maintenance or time off for a room, item or crew member.")
class BlockResourceInput:
    resource_id: strawberry.ID = strawberry.field(description="The resource.")
    start: datetime = strawberry.field(description="Start of the block.")
    end: datetime = strawberry.field(description="End of the block.")
    reason: str | None = strawberry.field(default=None, description="Why, e.g. 'repair'.")

    def to_command(self) -> commands.BlockResource:
        return commands.BlockResource(
            resource_id=decode_id(self.resource_id, "Resource"),
            start=self.start,
            end=self.end,
            reason=self.reason or "",
        )


@strawberry.input(description="What to look for and when.")
class AvailabilityInput:
    start: datetime = strawberry.field(description="Start of the window.")
    end: datetime = strawberry.field(description="End of the window.")
    kind: ResourceKind | None = strawberry.field(default=None, description="Only this kind.")
    category: str | None = strawberry.field(default=None, description="Only this category (case-insensitive).")
    skills: list[str] | None = strawberry.field(default=None, description="CREW: every one of these skills.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Only at this location.")
    quantity: int | None = strawberry.field(default=1, description="At least this many units free.")


@strawberry.input(description="Filters of the bookings list; each is optional.")
class BookingFilter:
    start: datetime | None = strawberry.field(default=None, description="Bookings ending after this.")
    end: datetime | None = strawberry.field(default=None, description="Bookings starting before this.")
    resource_id: strawberry.ID | None = strawberry.field(default=None, description="Holding this resource.")
    project_id: strawberry.ID | None = strawberry.field(default=None, description="Of this project.")
    status: list[BookingStatus] | None = strawberry.field(default=None, description="In one of these statuses.")
    crew_member_id: strawberry.ID | None = strawberry.field(default=None, description="Calling this crew member.")
