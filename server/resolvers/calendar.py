"""Resolvers of calendar feeds."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.schema.calendar.inputs import CreateCalendarFeedInput
from server.schema.calendar.payloads import (
    CalendarFeedCreated,
    CalendarFeedRevoked,
    CreateCalendarFeedResult,
    RevokeCalendarFeedResult,
)
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional, to_global_id
from server.schema.types.calendar import CalendarFeed
from server.services.calendar import feeds

Info = strawberry.Info[Context, None]


@result_union
async def create_calendar_feed(info: Info, input: CreateCalendarFeedInput) -> CreateCalendarFeedResult:
    principal = info.context.require_principal()
    created = await feeds.create_feed(
        info.context.uow,
        principal,
        info.context.settings.secret,
        resource_id=decode_optional(input.resource_id, "Resource"),
        project_id=decode_optional(input.project_id, "Project"),
        mine=bool(input.mine),
    )
    return CalendarFeedCreated(feed=CalendarFeed.from_model(created.feed, info.context.request, created.secret))


@result_union
async def revoke_calendar_feed(info: Info, id: strawberry.ID) -> RevokeCalendarFeedResult:
    principal = info.context.require_principal()
    pk = await feeds.revoke_feed(info.context.uow, principal, decode_id(id, "CalendarFeed", "calendar feed"))
    return CalendarFeedRevoked(id=strawberry.ID(to_global_id("CalendarFeed", pk)))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class CalendarMutation:
    create_calendar_feed = strawberry.mutation(
        resolver=create_calendar_feed, description="A calendar (.ics) URL of a resource, a project or your own calls."
    )
    revoke_calendar_feed = strawberry.mutation(
        resolver=revoke_calendar_feed, description="Revoke a calendar feed; its URL answers 404 from then on."
    )
