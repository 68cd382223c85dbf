"""Inputs, payloads and result unions of the scheduling operations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.schema.errors import (
    BudgetExceededError,
    Conflict,
    ConflictError,
    ForbiddenError,
    IdempotencyMismatchError,
    InvalidTransitionError,
    Money,
    NotFoundError,
    ValidationError,
)
from server.schema.ids import decode_id, decode_optional
from server.schema.types.catalogue import Resource, ResourceKind
from server.schema.types.scheduling import Allocation, Block, Booking, BookingStatus
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
        )


@strawberry.input(description="Changes to a booking's title or hold expiry; omitted fields stay.")
class UpdateBookingInput:
    id: strawberry.ID = strawberry.field(description="The booking.")
    title: str | None = strawberry.field(default=None, description="New title.")
    hold_expires_at: datetime | None = strawberry.field(default=None, description="New expiry of a HOLD.")
    clear_hold_expiry: bool | None = strawberry.field(default=False, description="Let the HOLD stand until changed.")

    def to_command(self) -> commands.UpdateBooking:
        return commands.UpdateBooking(
            booking_id=decode_id(self.id, "Booking"),
            title=self.title,
            hold_expires_at=self.hold_expires_at,
            clear_hold_expiry=bool(self.clear_hold_expiry),
        )


@strawberry.input(description="More allocations for an existing booking; all land or none does.")
class AddAllocationsInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    allocations: list[AllocationInput] = strawberry.field(description="What to add.")
    idempotency_key: str | None = strawberry.field(default=None, description="Replays return the first result.")
    allow_over_budget: bool | None = strawberry.field(default=False, description="Approve an overrun.")

    def to_command(self) -> commands.AddAllocations:
        return commands.AddAllocations(
            booking_id=decode_id(self.booking_id, "Booking"),
            allocations=tuple(a.to_request() for a in self.allocations),
            idempotency_key=self.idempotency_key,
            allow_over_budget=bool(self.allow_over_budget),
        )


@strawberry.input(description="A new window for a booking; its allocations move with it.")
class MoveBookingInput:
    id: strawberry.ID = strawberry.field(description="The booking.")
    start: datetime = strawberry.field(description="New start.")
    end: datetime = strawberry.field(description="New end.")
    dry_run: bool | None = strawberry.field(default=False, description="Only report the impact; change nothing.")
    allow_over_budget: bool | None = strawberry.field(default=False, description="Approve an overrun.")

    def to_command(self) -> commands.MoveBooking:
        return commands.MoveBooking(
            booking_id=decode_id(self.id, "Booking"),
            start=self.start,
            end=self.end,
            dry_run=bool(self.dry_run),
            allow_over_budget=bool(self.allow_over_budget),
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


# Payloads


@strawberry.type(description="The booking was created.")
class BookingCreated:
    booking: Booking = strawberry.field(description="The new booking.")
    warnings: list[str] = strawberry.field(description="Crew rules the booking bends (caps, rest).")


@strawberry.type(description="The booking was updated.")
class BookingUpdated:
    booking: Booking = strawberry.field(description="The booking as it is now.")


@strawberry.type(description="Allocations were added.")
class AllocationsAdded:
    booking: Booking = strawberry.field(description="The booking as it is now.")
    allocation_ids: strawberry.Private[list[int]]
    warnings: list[str] = strawberry.field(description="Crew rules the change bends (caps, rest).")

    @strawberry.field(description="The allocations just added.")
    async def allocations(self, info: strawberry.Info) -> list[Allocation]:
        rows = await info.context.loaders.allocations_by_booking.load(self.booking.pk)
        wanted = set(self.allocation_ids)
        return [Allocation.from_model(r) for r in rows if r.id in wanted]


@strawberry.type(description="The allocation was removed.")
class AllocationRemoved:
    booking: Booking = strawberry.field(description="The booking as it is now.")


@strawberry.type(description="The hold was confirmed.")
class BookingConfirmed:
    booking: Booking = strawberry.field(description="The confirmed booking.")


@strawberry.type(description="The booking was cancelled; its resources are free again.")
class BookingCancelled:
    booking: Booking = strawberry.field(description="The cancelled booking.")


@strawberry.type(description="The session started.")
class BookingStarted:
    booking: Booking = strawberry.field(description="The booking, now IN_PROGRESS.")


@strawberry.type(description="The session ended.")
class BookingCompleted:
    booking: Booking = strawberry.field(description="The booking, now COMPLETED.")


@strawberry.type(description="The booking moved to its new window.")
class BookingMoved:
    booking: Booking = strawberry.field(description="The booking as it is now.")
    warnings: list[str] = strawberry.field(description="Crew rules the move bends.")
    cost_change: Money | None = strawberry.field(description="Change of the estimate, once money prices it.")


@strawberry.type(description="An allocation's window after a move.")
class PlannedAllocation:
    allocation: Allocation = strawberry.field(description="The allocation as it is now.")
    start: datetime = strawberry.field(description="Its start after the move.")
    end: datetime = strawberry.field(description="Its end after the move.")


@strawberry.type(description="What a move would do; nothing was changed.")
class MoveImpact:
    booking: Booking = strawberry.field(description="The booking, unchanged.")
    start: datetime = strawberry.field(description="The asked start.")
    end: datetime = strawberry.field(description="The asked end.")
    allocations: list[PlannedAllocation] = strawberry.field(description="Where each allocation would go.")
    conflicts: list[Conflict] = strawberry.field(description="Clashes the move would hit (empty: it fits).")
    alternative_ids: strawberry.Private[list[int]]
    warnings: list[str] = strawberry.field(description="Crew rules the move would bend.")
    cost_change: Money | None = strawberry.field(description="Change of the estimate, once money prices it.")

    @strawberry.field(description="Free resources that could replace the clashing ones.")
    async def alternatives(self, info: strawberry.Info) -> list[Resource]:
        rows = await info.context.loaders.resources_by_id.load_many(self.alternative_ids)
        return [Resource.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="Whether the move fits without a clash.")
    def fits(self) -> bool:
        return not self.conflicts


@strawberry.type(description="The resource is blocked.")
class ResourceBlocked:
    block: Block = strawberry.field(description="The new block.")


@strawberry.type(description="The block was lifted.")
class ResourceUnblocked:
    block: Block = strawberry.field(description="The lifted block.")


CreateBookingResult = Annotated[
    BookingCreated
    | ConflictError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | BudgetExceededError
    | IdempotencyMismatchError,
    strawberry.union("CreateBookingResult"),
]
UpdateBookingResult = Annotated[
    BookingUpdated | ValidationError | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("UpdateBookingResult"),
]
AddAllocationsResult = Annotated[
    AllocationsAdded
    | ConflictError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | InvalidTransitionError
    | BudgetExceededError
    | IdempotencyMismatchError,
    strawberry.union("AddAllocationsResult"),
]
RemoveAllocationResult = Annotated[
    AllocationRemoved | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("RemoveAllocationResult"),
]
ConfirmBookingResult = Annotated[
    BookingConfirmed | NotFoundError | ForbiddenError | InvalidTransitionError | BudgetExceededError,
    strawberry.union("ConfirmBookingResult"),
]
CancelBookingResult = Annotated[
    BookingCancelled | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("CancelBookingResult"),
]
StartBookingResult = Annotated[
    BookingStarted | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("StartBookingResult"),
]
CompleteBookingResult = Annotated[
    BookingCompleted | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("CompleteBookingResult"),
]
MoveBookingResult = Annotated[
    BookingMoved
    | MoveImpact
    | ConflictError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | InvalidTransitionError
    | BudgetExceededError,
    strawberry.union("MoveBookingResult"),
]
BlockResourceResult = Annotated[
    ResourceBlocked | ConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("BlockResourceResult"),
]
UnblockResourceResult = Annotated[
    ResourceUnblocked | NotFoundError | ForbiddenError | InvalidTransitionError,
    strawberry.union("UnblockResourceResult"),
]
