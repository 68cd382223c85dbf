"""Payloads of scheduling: the success members and result unions its mutations answer with."""

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
    Offer,
    StaleVersionError,
    ValidationError,
)
from server.schema.types.catalogue import Resource
from server.schema.types.plan import Milestone
from server.schema.types.scheduling import Allocation, Block, Booking


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
    offer: strawberry.Private[Offer]
    warnings: list[str] = strawberry.field(description="Crew rules the move would bend.")
    cost_change: Money | None = strawberry.field(description="Change of the estimate, once money prices it.")
    milestones_at_risk: list[Milestone] = strawberry.field(
        default_factory=list, description="The project's milestones the move would leave at risk, with why."
    )

    @strawberry.field(description="Free resources that could replace the clashing ones.")
    async def alternatives(self, info: strawberry.Info) -> list[Resource]:
        return await self.offer.resources(info)

    @strawberry.field(description="Whether the move fits without a clash.")
    def fits(self) -> bool:
        return not self.conflicts


@strawberry.type(description="The resource is blocked.")
class ResourceBlocked:
    block: Block = strawberry.field(description="The new block.")


@strawberry.type(description="The block was lifted.")
class ResourceUnblocked:
    block: Block = strawberry.field(description="The lifted block.")


@strawberry.type(description="The slot is taken: the hold waits in line (it occupies nothing until promoted).")
class HoldQueued:
    booking: Booking = strawberry.field(description="The queued hold.")
    rank: int = strawberry.field(description="1 + the bookings ahead of it on its most contested resource.")
    ahead: list[Booking] = strawberry.field(description="The bookings ahead of it that the caller may see.")


CreateBookingResult = Annotated[
    BookingCreated
    | HoldQueued
    | ConflictError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | BudgetExceededError
    | IdempotencyMismatchError,
    strawberry.union("CreateBookingResult"),
]


UpdateBookingResult = Annotated[
    BookingUpdated | ValidationError | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
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
    | IdempotencyMismatchError
    | StaleVersionError,
    strawberry.union("AddAllocationsResult"),
]


RemoveAllocationResult = Annotated[
    AllocationRemoved | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("RemoveAllocationResult"),
]


ConfirmBookingResult = Annotated[
    BookingConfirmed
    | NotFoundError
    | ForbiddenError
    | InvalidTransitionError
    | BudgetExceededError
    | StaleVersionError,
    strawberry.union("ConfirmBookingResult"),
]


CancelBookingResult = Annotated[
    BookingCancelled | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("CancelBookingResult"),
]


StartBookingResult = Annotated[
    BookingStarted | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("StartBookingResult"),
]


CompleteBookingResult = Annotated[
    BookingCompleted | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
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
    | BudgetExceededError
    | StaleVersionError,
    strawberry.union("MoveBookingResult"),
]


BlockResourceResult = Annotated[
    ResourceBlocked | ConflictError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("BlockResourceResult"),
]


UnblockResourceResult = Annotated[
    ResourceUnblocked | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("UnblockResourceResult"),
]
