"""Payloads of client requests and their approval: success members and result unions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import (
    BudgetExceededError,
    ConflictError,
    ForbiddenError,
    IdempotencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from server.schema.scheduling.payloads import HoldQueued
from server.schema.types.scheduling import Booking


@strawberry.type(description="The request was recorded; it occupies nothing until approved.")
class BookingRequested:
    booking: Booking = strawberry.field(description="The REQUESTED booking.")


@strawberry.type(description="The request passed every check and now holds its resources.")
class BookingApproved:
    booking: Booking = strawberry.field(description="The booking, now HOLD or CONFIRMED.")
    warnings: list[str] = strawberry.field(default_factory=list, description="Crew rules that would be bent.")


@strawberry.type(description="The request was declined.")
class BookingDeclined:
    booking: Booking = strawberry.field(description="The DECLINED booking, with its reason.")


RequestBookingResult = Annotated[
    BookingRequested | ValidationError | NotFoundError | ForbiddenError | IdempotencyMismatchError,
    strawberry.union("RequestBookingResult"),
]
ApproveBookingResult = Annotated[
    BookingApproved
    | HoldQueued
    | ConflictError
    | BudgetExceededError
    | InvalidTransitionError
    | NotFoundError
    | ForbiddenError
    | ValidationError
    | StaleVersionError,
    strawberry.union("ApproveBookingResult"),
]
DeclineBookingResult = Annotated[
    BookingDeclined | InvalidTransitionError | NotFoundError | ForbiddenError | ValidationError | StaleVersionError,
    strawberry.union("DeclineBookingResult"),
]
