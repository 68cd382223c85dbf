"""Bookings and allocations as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Resource
from server.schema.types.node import Node
from server.schema.types.projects import Project

strawberry.enum(models.BookingStatus, description="Where a booking is in its life.")
BookingStatus = models.BookingStatus


@strawberry.type(description="One resource (or N units of a stock pool) for one window inside a booking.")
class Allocation(Node):
    quantity: int = strawberry.field(description="Units (1 for unit resources).")
    start: datetime = strawberry.field(description="Start of this allocation's window.")
    end: datetime = strawberry.field(description="End of this allocation's window.")
    role: str | None = strawberry.field(description="CREW: the role filled.")
    resource_id: strawberry.Private[int]

    @strawberry.field(description="What is allocated.")
    async def resource(self, info: strawberry.Info) -> Resource:
        return Resource.from_model(await info.context.loaders.resources_by_id.load(self.resource_id))

    @classmethod
    def from_model(cls, row: models.Allocation) -> Allocation:
        return cls(
            id=strawberry.ID(to_global_id("Allocation", row.id)),
            quantity=row.quantity,
            start=row.start_at,
            end=row.end_at,
            role=row.role,
            resource_id=row.resource_id,
        )


@strawberry.type(description="A session of a project.")
class Booking(Node):
    title: str = strawberry.field(description="What the session is.")
    status: BookingStatus = strawberry.field(
        description="HOLD, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED or EXPIRED."
    )
    start: datetime = strawberry.field(description="Start of the session.")
    end: datetime = strawberry.field(description="End of the session.")
    hold_expires_at: datetime | None = strawberry.field(description="When a HOLD lapses, if it does.")
    pk: strawberry.Private[int]
    project_id: strawberry.Private[int]

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: strawberry.Info) -> Project:
        row = await info.context.loaders.projects_in_studio_by_id.load(self.project_id)
        return Project.from_model(row)

    @strawberry.field(description="What it holds.")
    async def allocations(self, info: strawberry.Info) -> list[Allocation]:
        rows = await info.context.loaders.allocations_by_booking.load(self.pk)
        return [Allocation.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, row: models.Booking) -> Booking:
        return cls(
            id=strawberry.ID(to_global_id("Booking", row.id)),
            pk=row.id,
            title=row.title,
            status=row.status,
            start=row.start_at,
            end=row.end_at,
            hold_expires_at=row.hold_expires_at,
            project_id=row.project_id,
        )
