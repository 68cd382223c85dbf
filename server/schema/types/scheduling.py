"""Bookings and allocations as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Kit, Resource
from server.schema.types.node import Node, PageInfo
from server.schema.types.projects import Project

if TYPE_CHECKING:
    from server.schema.types.plan import Task
    from server.schema.types.slots import BookingSeries

strawberry.enum(models.BookingStatus, description="Where a booking is in its life.")
BookingStatus = models.BookingStatus


@strawberry.type(description="One resource (or N units of a stock pool) for one window inside a booking.")
class Allocation(Node):
    quantity: int = strawberry.field(description="Units (1 for unit resources).")
    start: datetime = strawberry.field(description="Start of this allocation's window.")
    end: datetime = strawberry.field(description="End of this allocation's window.")
    role: str | None = strawberry.field(description="CREW: the role filled.")
    resource_id: strawberry.Private[int]
    kit_id: strawberry.Private[int | None] = None

    @strawberry.field(description="What is allocated.")
    async def resource(self, info: strawberry.Info) -> Resource:
        return Resource.from_model(await info.context.loaders.resources_by_id.load(self.resource_id))

    @strawberry.field(description="The kit this item was allocated as part of, if any.")
    async def kit(self, info: strawberry.Info) -> Kit | None:
        if self.kit_id is None:
            return None
        row = await info.context.loaders.kits_by_id.load(self.kit_id)
        return None if row is None else Kit.from_model(row)

    @classmethod
    def from_model(cls, row: models.Allocation) -> Allocation:
        return cls(
            id=strawberry.ID(to_global_id("Allocation", row.id)),
            quantity=row.quantity,
            start=row.start_at,
            end=row.end_at,
            role=row.role,
            resource_id=row.resource_id,
            kit_id=row.kit_id,
        )


@strawberry.type(description="A session of a project.")
class Booking(Node):
    title: str = strawberry.field(description="What the session is.")
    status: BookingStatus = strawberry.field(
        description="HOLD, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED or EXPIRED; a client's request is "
        "REQUESTED until approved, or DECLINED."
    )
    start: datetime = strawberry.field(description="Start of the session.")
    end: datetime = strawberry.field(description="End of the session.")
    hold_expires_at: datetime | None = strawberry.field(description="When a HOLD lapses, if it does.")
    actual_start: datetime | None = strawberry.field(default=None, description="When the session really started.")
    actual_end: datetime | None = strawberry.field(default=None, description="When the session really ended.")
    version: int = strawberry.field(
        default=1,
        description="Grows by one with every change, the system's too (expiry, cage); send it as `expectedVersion`.",
    )
    challenge_respond_by: datetime | None = strawberry.field(
        default=None, description="A challenged HOLD must be confirmed by then, or it is released."
    )
    request_note: str | None = strawberry.field(default=None, description="What the client wrote with a request.")
    decline_reason: str | None = strawberry.field(
        default=None, description="Why a request was declined (the client reads it)."
    )
    pk: strawberry.Private[int]
    project_id: strawberry.Private[int]
    series_id: strawberry.Private[int | None] = None
    queue_seq: strawberry.Private[int | None] = None

    @strawberry.field(
        description="HOLD: 1 holds its slot; 2.. waits behind that many bookings on its most contested resource; "
        "null otherwise."
    )
    async def rank(self, info: strawberry.Info) -> int | None:
        if self.status != models.BookingStatus.HOLD:
            return None
        if self.queue_seq is None:
            return 1
        rank, _ahead = await info.context.loaders.queue_positions_by_booking.load(self.pk)
        return rank

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: strawberry.Info) -> Project:
        row = await info.context.loaders.projects_in_studio_by_id.load(self.project_id)
        return Project.from_model(row)

    @strawberry.field(description="The code a cage scanner reads to check gear out to this booking (CS:BOOKING:...).")
    def pick_list_code(self) -> str:
        return f"CS:BOOKING:{self.id}"

    @strawberry.field(description="What it holds.")
    async def allocations(self, info: strawberry.Info) -> list[Allocation]:
        rows = await info.context.loaders.allocations_by_booking.load(self.pk)
        return [Allocation.from_model(r) for r in rows]

    @strawberry.field(description="The recurring series this booking is an occurrence of, if any.")
    async def series(
        self, info: strawberry.Info
    ) -> Annotated[BookingSeries, strawberry.lazy("server.schema.types.slots")] | None:
        if self.series_id is None:
            return None
        from server.schema.types.slots import BookingSeries

        row = await info.context.loaders.series_by_id.load(self.series_id)
        return None if row is None else BookingSeries.from_model(row)

    @strawberry.field(description="The tasks that follow from this session (those the caller may read).")
    async def tasks(self, info: strawberry.Info) -> list[Annotated[Task, strawberry.lazy("server.schema.types.plan")]]:
        from server.schema.types.plan import Task

        return [Task.from_model(t) for t in await info.context.loaders.tasks_by_booking.load(self.pk)]

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
            actual_start=row.actual_start_at,
            actual_end=row.actual_end_at,
            version=row.version,
            project_id=row.project_id,
            series_id=row.series_id,
            queue_seq=row.queue_seq,
            challenge_respond_by=row.challenge_respond_by,
            request_note=row.request_note,
            decline_reason=row.decline_reason,
        )


@strawberry.type(description="A half-open time window [start, end).")
class Interval:
    start: datetime = strawberry.field(description="First instant inside the window.")
    end: datetime = strawberry.field(description="First instant after the window.")


@strawberry.type(description="A resource free for the whole asked window.")
class AvailableResource:
    resource: Resource = strawberry.field(description="The free resource.")
    available_quantity: int = strawberry.field(description="Units free for the whole window (1 for unit resources).")


@strawberry.type(description="Maintenance or unavailability of a resource (repair, crew time off).")
class Block(Node):
    start: datetime = strawberry.field(description="Start of the block.")
    end: datetime = strawberry.field(description="End of the block.")
    reason: str = strawberry.field(description="Why the resource is unavailable.")
    active: bool = strawberry.field(description="False once the block is lifted.")
    version: int = strawberry.field(description="Grows by one with every change; send it as `expectedVersion`.")
    resource_id: strawberry.Private[int]

    @strawberry.field(description="The blocked resource.")
    async def resource(self, info: strawberry.Info) -> Resource:
        return Resource.from_model(await info.context.loaders.resources_by_id.load(self.resource_id))

    @classmethod
    def from_model(cls, row: models.Block) -> Block:
        return cls(
            id=strawberry.ID(to_global_id("Block", row.id)),
            start=row.start_at,
            end=row.end_at,
            reason=row.reason,
            active=row.active,
            version=row.version,
            resource_id=row.resource_id,
        )


@strawberry.type(description="An edge of a booking page.")
class BookingEdge:
    node: Booking = strawberry.field(description="The booking.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of bookings, ordered by start.")
class BookingConnection:
    edges: list[BookingEdge] = strawberry.field(description="The bookings on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
