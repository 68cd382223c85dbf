"""Payloads of the slots slice: the success members and result unions its mutations answer with."""

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
    ValidationError,
)
from server.schema.types.scheduling import Booking, Interval
from server.schema.types.slots import BookingSeries, SessionTemplate


@strawberry.type(description="The template was created.")
class SessionTemplateCreated:
    template: SessionTemplate = strawberry.field(description="The new template.")


@strawberry.type(description="The series was booked.")
class BookingSeriesCreated:
    series: BookingSeries = strawberry.field(description="The new series.")
    skipped: list[Interval] = strawberry.field(description="Occurrences left out by SKIP.")
    warnings: list[str] = strawberry.field(description="Crew rules the series bends (caps, rest).")


@strawberry.type(description="The series' occurrences from the given instant were cancelled.")
class BookingSeriesCancelled:
    series: BookingSeries = strawberry.field(description="The series.")
    cancelled: list[Booking] = strawberry.field(description="The occurrences cancelled now.")


CreateSessionTemplateResult = Annotated[
    SessionTemplateCreated | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("CreateSessionTemplateResult"),
]
CreateBookingSeriesResult = Annotated[
    BookingSeriesCreated
    | ConflictError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | BudgetExceededError
    | IdempotencyMismatchError,
    strawberry.union("CreateBookingSeriesResult"),
]
CancelBookingSeriesResult = Annotated[
    BookingSeriesCancelled | NotFoundError | ForbiddenError | ValidationError | InvalidTransitionError,
    strawberry.union("CancelBookingSeriesResult"),
]
