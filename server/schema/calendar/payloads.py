"""Payloads of calendar feeds: the success members and result unions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, ValidationError
from server.schema.types.calendar import CalendarFeed


@strawberry.type(description="The feed was created; its `url` carries the secret this once.")
class CalendarFeedCreated:
    feed: CalendarFeed = strawberry.field(description="The new feed, with its full URL.")


@strawberry.type(description="The feed was revoked; its URL answers 404 from now on.")
class CalendarFeedRevoked:
    id: strawberry.ID = strawberry.field(description="The revoked feed.")


CreateCalendarFeedResult = Annotated[
    CalendarFeedCreated | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("CreateCalendarFeedResult"),
]

RevokeCalendarFeedResult = Annotated[
    CalendarFeedRevoked | NotFoundError | ForbiddenError, strawberry.union("RevokeCalendarFeedResult")
]
