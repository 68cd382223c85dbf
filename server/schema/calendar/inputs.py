"""Inputs of calendar feeds."""

from __future__ import annotations

import strawberry


@strawberry.input(description="What a new feed follows: exactly one of resourceId, projectId or mine.")
class CreateCalendarFeedInput:
    resource_id: strawberry.ID | None = strawberry.field(
        default=None, description="A room's or any resource's bookings."
    )
    project_id: strawberry.ID | None = strawberry.field(default=None, description="A project's bookings.")
    mine: bool | None = strawberry.field(
        default=False, description="The caller's own calls (crew) and the bookings of the projects they produce."
    )
