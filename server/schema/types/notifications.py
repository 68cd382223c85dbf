"""Notifications as the API shows them: the recipient's own."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.node import Node, PageInfo
from server.schema.types.scheduling import Booking


@strawberry.type(description="Something you must act on: a request, an approval, a challenge, a call change, gear due.")
class Notification(Node):
    kind: str = strawberry.field(
        description="BOOKING_REQUESTED, BOOKING_APPROVED, BOOKING_DECLINED, HOLD_CHALLENGED, HOLD_PROMOTED, "
        "HOLD_PROMOTION_REFUSED, HOLD_EXPIRING, CALL_CHANGED, GEAR_DUE, GEAR_OVERDUE or REVIEW_DECIDED."
    )
    title: str = strawberry.field(description="One line.")
    body: str = strawberry.field(description="What happened and what to do.")
    created_at: datetime = strawberry.field(description="When the change happened.")
    read_at: datetime | None = strawberry.field(description="When you marked it read.")
    booking_id: strawberry.Private[int | None]

    @strawberry.field(description="The booking it is about, where you may see it.")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        if self.booking_id is None:
            return None
        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)

    @classmethod
    def from_model(cls, row: models.Notification) -> Notification:
        return cls(
            id=strawberry.ID(to_global_id("Notification", row.id)),
            kind=row.kind,
            title=row.title,
            body=row.body,
            created_at=row.created_at,
            read_at=row.read_at,
            booking_id=row.booking_id,
        )


@strawberry.type(description="An edge of a notification page.")
class NotificationEdge:
    node: Notification = strawberry.field(description="The notification.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of your notifications, newest first.")
class NotificationConnection:
    edges: list[NotificationEdge] = strawberry.field(description="The notifications on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


@strawberry.type(description="Notifications were marked read.")
class NotificationsRead:
    count: int = strawberry.field(description="How many of yours changed (others' ids are ignored).")
