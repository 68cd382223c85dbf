"""Inputs of the slots slice: what its mutations and queries take."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from server.schema.ids import decode_id, decode_optional
from server.schema.scheduling.inputs import CreateBookingInput
from server.schema.types.catalogue import ResourceKind
from server.schema.types.scheduling import BookingStatus
from server.schema.types.slots import TaskKind
from server.services.slots import needs, search, series
from server.services.slots.service import BookSlot
from server.services.slots.templates import CreateTemplate


@strawberry.input(description="One thing a session needs: a named resource or kit, or criteria.")
class TemplateNeedInput:
    kind: ResourceKind = strawberry.field(description="ROOM, EQUIPMENT, STOCK or CREW.")
    category: str | None = strawberry.field(default=None, description="Any resource of this category.")
    skills: list[str] | None = strawberry.field(default=None, description="CREW: skills the member must have.")
    role: str | None = strawberry.field(default=None, description="CREW: the call-sheet role filled.")
    resource_id: strawberry.ID | None = strawberry.field(default=None, description="Exactly this resource.")
    kit_id: strawberry.ID | None = strawberry.field(default=None, description="EQUIPMENT: exactly this kit.")
    min_capacity: int | None = strawberry.field(default=None, description="ROOM: at least this many people.")
    quantity: int | None = strawberry.field(default=1, description="Distinct resources, or units of a pool.")
    offset_minutes: int | None = strawberry.field(default=0, description="Start relative to the session start.")
    duration_minutes: int | None = strawberry.field(default=None, description="Default: the session's duration.")

    def to_spec(self) -> needs.NeedSpec:
        return needs.NeedSpec(
            kind=self.kind,
            category=self.category,
            skills=tuple(self.skills or ()),
            role=self.role,
            resource_id=decode_optional(self.resource_id, "Resource"),
            kit_id=decode_optional(self.kit_id, "Kit"),
            min_capacity=self.min_capacity,
            quantity=1 if self.quantity is None else self.quantity,
            offset_minutes=self.offset_minutes or 0,
            duration_minutes=self.duration_minutes,
        )


@strawberry.input(description="A task the template's booking brings with it.")
class TemplateTaskInput:
    title: str = strawberry.field(description="What is to be done.")
    kind: TaskKind = strawberry.field(description="What kind of work it is.")
    offset_minutes: int | None = strawberry.field(default=0, description="Due relative to the session end.")
    role: str | None = strawberry.field(default=None, description="Assigned to the crew member in this role.")
    depends_on: list[int] | None = strawberry.field(default=None, description="Indexes of tasks it waits for.")

    def to_spec(self) -> needs.TaskSpec:
        return needs.TaskSpec(
            title=self.title,
            kind=self.kind,
            offset_minutes=self.offset_minutes or 0,
            role=self.role,
            depends_on=tuple(self.depends_on or ()),
        )


@strawberry.input(description="A new session template.")
class CreateSessionTemplateInput:
    name: str = strawberry.field(description="What the package is called (unique in the studio).")
    duration_minutes: int = strawberry.field(description="Length of the session.")
    needs: list[TemplateNeedInput] = strawberry.field(description="What the session needs.")
    tasks: list[TemplateTaskInput] | None = strawberry.field(default=None, description="What it brings to do.")

    def to_command(self) -> CreateTemplate:
        return CreateTemplate(
            name=self.name,
            duration_minutes=self.duration_minutes,
            needs=tuple(n.to_spec() for n in self.needs),
            tasks=tuple(t.to_spec() for t in self.tasks or ()),
        )


@strawberry.input(description="When can we do this? By template or by ad-hoc needs.")
class FindSlotsInput:
    from_: datetime = strawberry.field(name="from", description="Earliest start.")
    until: datetime = strawberry.field(description="Starts lie before this (at most 31 days after from).")
    template_id: strawberry.ID | None = strawberry.field(default=None, description="One of templateId / needs.")
    needs: list[TemplateNeedInput] | None = strawberry.field(default=None, description="Ad-hoc needs.")
    duration_minutes: int | None = strawberry.field(
        default=None, description="Session length (needs: required; template: overrides its duration)."
    )
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Rooms at this location only.")
    project_id: strawberry.ID | None = strawberry.field(default=None, description="Price each slot for this project.")
    step_minutes: int | None = strawberry.field(default=30, description="Starts are aligned to this (5..240).")
    first: int | None = strawberry.field(default=5, description="At most this many slots (1..20).")

    def to_query(self) -> search.SlotQuery:
        return search.SlotQuery(
            start=self.from_,
            end=self.until,
            template_id=decode_optional(self.template_id, "SessionTemplate", "template"),
            needs=None if self.needs is None else tuple(n.to_spec() for n in self.needs),
            duration_minutes=self.duration_minutes,
            location_id=decode_optional(self.location_id, "Location"),
            project_id=decode_optional(self.project_id, "Project"),
            step_minutes=30 if self.step_minutes is None else self.step_minutes,
            first=5 if self.first is None else self.first,
        )


@strawberry.input(description="Book exactly the resources of a slot.")
class BookSlotInput:
    project_id: strawberry.ID = strawberry.field(description="The project it belongs to.")
    slot_key: str = strawberry.field(description="The key of a slot from findSlots.")
    title: str = strawberry.field(description="What the session is.")
    status: BookingStatus | None = strawberry.field(default=BookingStatus.HOLD, description="HOLD or CONFIRMED.")
    idempotency_key: str | None = strawberry.field(default=None, description="Replays return the first result.")
    allow_over_budget: bool | None = strawberry.field(default=False, description="Roles that may approve overruns.")
    queue_if_taken: bool | None = strawberry.field(
        default=False, description="HOLD only: if other bookings took the slot meanwhile, join their queue."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="A session template whose tasks are created with the booking."
    )

    def to_command(self) -> BookSlot:
        return BookSlot(
            project_id=decode_id(self.project_id, "Project"),
            slot_key=self.slot_key,
            title=self.title,
            status=self.status or BookingStatus.HOLD,
            idempotency_key=self.idempotency_key,
            allow_over_budget=bool(self.allow_over_budget),
            queue_if_taken=bool(self.queue_if_taken),
            template_id=decode_optional(self.template_id, "SessionTemplate", "template"),
        )


@strawberry.enum(description="What a series does with occurrences that clash.")
class SeriesConflictPolicy(enum.Enum):
    FAIL = "FAIL"
    SKIP = "SKIP"


@strawberry.input(description="A booking repeated by an RFC 5545 RRULE in the studio's time zone.")
class CreateBookingSeriesInput:
    booking: CreateBookingInput = strawberry.field(description="The first occurrence.")
    rrule: str = strawberry.field(description="e.g. FREQ=WEEKLY;COUNT=10 (COUNT or UNTIL required).")
    exceptions: list[datetime] | None = strawberry.field(default=None, description="Occurrence starts left out.")
    on_conflict: SeriesConflictPolicy | None = strawberry.field(
        default=SeriesConflictPolicy.FAIL, description="FAIL: nothing if any clashes; SKIP: book the rest."
    )

    def to_command(self) -> series.CreateSeries:
        policy = self.on_conflict or SeriesConflictPolicy.FAIL
        return series.CreateSeries(
            booking=self.booking.to_command(),
            rrule=self.rrule,
            exceptions=tuple(self.exceptions or ()),
            on_conflict=series.OnConflict(policy.value),
        )


@strawberry.input(description="Cancel a series' occurrences that have not started.")
class CancelBookingSeriesInput:
    series_id: strawberry.ID = strawberry.field(description="The series.")
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="From this instant on; null: every occurrence not yet started."
    )
