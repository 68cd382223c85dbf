"""Session templates, slots and recurring series as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Kit, Resource, ResourceKind
from server.schema.types.money import Money
from server.schema.types.node import Node
from server.schema.types.scheduling import Booking
from server.services.slots import search
from server.services.slots.needs import Need, TaskSpec

strawberry.enum(models.TaskKind, description="What kind of work a task is.")
TaskKind = models.TaskKind


@strawberry.type(description="One thing a session needs, over a window placed relative to the session.")
class TemplateNeed:
    kind: ResourceKind = strawberry.field(description="ROOM, EQUIPMENT, STOCK or CREW.")
    category: str | None = strawberry.field(description="Any resource of this category (case-blind).")
    skills: list[str] = strawberry.field(description="CREW: skills the member must have.")
    role: str | None = strawberry.field(description="CREW: the call-sheet role filled, e.g. 'technical producer'.")
    min_capacity: int | None = strawberry.field(description="ROOM: at least this many people.")
    quantity: int = strawberry.field(description="Distinct rooms, items or crew members; units of a stock pool.")
    offset_minutes: int = strawberry.field(description="Start relative to the session start; negative = before.")
    duration_minutes: int = strawberry.field(description="Length of this need's window.")
    resource_id: strawberry.Private[int | None]
    kit_id: strawberry.Private[int | None]

    @strawberry.field(description="The one resource the template names, if it names one.")
    async def resource(self, info: strawberry.Info) -> Resource | None:
        if self.resource_id is None:
            return None
        row = await info.context.loaders.resources_by_id.load(self.resource_id)
        return None if row is None else Resource.from_model(row)

    @strawberry.field(description="The kit the template names, if it names one.")
    async def kit(self, info: strawberry.Info) -> Kit | None:
        if self.kit_id is None:
            return None
        row = await info.context.loaders.kits_by_id.load(self.kit_id)
        return None if row is None else Kit.from_model(row)

    @classmethod
    def of(cls, need: Need) -> TemplateNeed:
        return cls(
            kind=need.kind,
            category=need.category,
            skills=list(need.skills),
            role=need.role,
            min_capacity=need.min_capacity,
            quantity=need.quantity,
            offset_minutes=need.offset_minutes,
            duration_minutes=need.duration_minutes,
            resource_id=need.resource_id,
            kit_id=need.kit_id,
        )


@strawberry.type(description="A task the template's booking brings with it.")
class TemplateTask:
    title: str = strawberry.field(description="What is to be done.")
    kind: TaskKind = strawberry.field(description="PREP, CAPTURE, INGEST, EDIT, REVIEW, DELIVERY or OTHER.")
    offset_minutes: int = strawberry.field(description="Due relative to the session end.")
    role: str | None = strawberry.field(description="Assigned to the session's crew member in this role.")
    depends_on: list[int] = strawberry.field(description="Indexes of the template's tasks this one waits for.")

    @classmethod
    def of(cls, task: TaskSpec) -> TemplateTask:
        return cls(
            title=task.title,
            kind=task.kind,
            offset_minutes=task.offset_minutes,
            role=task.role,
            depends_on=list(task.depends_on),
        )


@strawberry.type(description="A named package of needs and tasks, e.g. 'Interview with video'.")
class SessionTemplate(Node):
    name: str = strawberry.field(description="What the package is called.")
    duration_minutes: int = strawberry.field(description="Length of the session.")
    needs: list[TemplateNeed] = strawberry.field(description="What the session needs.")
    tasks: list[TemplateTask] = strawberry.field(description="What it brings to do.")

    @classmethod
    def from_model(cls, row: models.SessionTemplate) -> SessionTemplate:
        from server.services.slots.templates import needs_of, tasks_of

        return cls(
            id=strawberry.ID(to_global_id("SessionTemplate", row.id)),
            name=row.name,
            duration_minutes=row.duration_minutes,
            needs=[TemplateNeed.of(n) for n in needs_of(row)],
            tasks=[TemplateTask.of(t) for t in tasks_of(row)],
        )


@strawberry.type(description="One resource of a slot, for one need.")
class SlotAssignment:
    need: int = strawberry.field(description="Index into the template's (or the input's) needs.")
    quantity: int = strawberry.field(description="Units (1 except for stock pools).")
    start: datetime = strawberry.field(description="Start of this need's window.")
    end: datetime = strawberry.field(description="End of this need's window.")
    role: str | None = strawberry.field(description="CREW: the role filled.")
    resource_id: strawberry.Private[int]

    @strawberry.field(description="The resource offered.")
    async def resource(self, info: strawberry.Info) -> Resource:
        return Resource.from_model(await info.context.loaders.resources_by_id.load(self.resource_id))


@strawberry.type(description="A start at which every need has a free resource; `bookSlot` takes its key.")
class Slot:
    key: str = strawberry.field(description="Opaque and signed; valid for a few minutes.")
    start: datetime = strawberry.field(description="Start of the session.")
    end: datetime = strawberry.field(description="End of the session.")
    assignments: list[SlotAssignment] = strawberry.field(description="A concrete resource for every need.")
    estimate: Money | None = strawberry.field(description="What the slot adds to the project's estimate (money roles).")
    warnings: list[str] = strawberry.field(description="Crew rules the slot bends (caps, rest).")

    @classmethod
    def of(cls, slot: search.Slot) -> Slot:
        estimate = None
        if slot.estimate_minor is not None and slot.currency is not None:
            estimate = Money.of(slot.estimate_minor, slot.currency)
        return cls(
            key=slot.key,
            start=slot.start,
            end=slot.end,
            assignments=[
                SlotAssignment(
                    need=a.need, quantity=a.quantity, start=a.start, end=a.end, role=a.role, resource_id=a.resource_id
                )
                for a in slot.assignments
            ],
            estimate=estimate,
            warnings=slot.warnings,
        )


@strawberry.type(description="Bookings expanded from one recurrence rule.")
class BookingSeries(Node):
    rrule: str = strawberry.field(description="The RFC 5545 RRULE, in the studio's time zone.")
    pk: strawberry.Private[int]

    @strawberry.field(description="Its bookings the caller may see, by start.")
    async def bookings(self, info: strawberry.Info) -> list[Booking]:
        rows = await info.context.loaders.bookings_by_series.load(self.pk)
        return [Booking.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, row: models.BookingSeries) -> BookingSeries:
        return cls(id=strawberry.ID(to_global_id("BookingSeries", row.id)), rrule=row.rrule, pk=row.id)
