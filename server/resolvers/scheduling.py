"""Resolvers of scheduling: arguments -> one service call -> result type."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

import strawberry

from server.resolvers.errors import refuses_query, result_union
from server.resolvers.holds import hold_queued
from server.schema.context import Context
from server.schema.errors import Conflict, Offer
from server.schema.ids import decode_id, decode_optional
from server.schema.scheduling.inputs import (
    AddAllocationsInput,
    AvailabilityInput,
    BlockResourceInput,
    BookingFilter,
    CreateBookingInput,
    MoveBookingInput,
    UpdateBookingInput,
)
from server.schema.scheduling.payloads import (
    AddAllocationsResult,
    AllocationRemoved,
    AllocationsAdded,
    BlockResourceResult,
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    BookingCreated,
    BookingMoved,
    BookingStarted,
    BookingUpdated,
    CancelBookingResult,
    CompleteBookingResult,
    ConfirmBookingResult,
    CreateBookingResult,
    MoveBookingResult,
    MoveImpact,
    PlannedAllocation,
    RemoveAllocationResult,
    ResourceBlocked,
    ResourceUnblocked,
    StartBookingResult,
    UnblockResourceResult,
    UpdateBookingResult,
)
from server.schema.types.catalogue import Resource
from server.schema.types.money import Money
from server.schema.types.node import PageInfo, page_size
from server.schema.types.plan import Milestone
from server.schema.types.scheduling import (
    Allocation,
    AvailableResource,
    Block,
    Booking,
    BookingConnection,
    BookingEdge,
    Interval,
)
from server.schema.versions import EXPECTED_VERSION, ExpectedVersion
from server.services.allocation import availability as avail
from server.services.allocation.bookings import MoveImpact as DomainImpact
from server.services.allocation.commands import BookingQuery
from server.services.errors import Invalid

Info = strawberry.Info[Context, None]
ExpectedBookingVersion = Annotated[
    int | None, strawberry.argument(description=EXPECTED_VERSION.replace("the object", "the booking"))
]


# Queries


@refuses_query
async def availability(info: Info, input: AvailabilityInput) -> list[AvailableResource]:
    principal = info.context.require_principal()
    query = avail.AvailabilityQuery(
        start=input.start,
        end=input.end,
        kind=input.kind,
        category=input.category,
        skills=tuple(input.skills or ()),
        location_id=decode_optional(input.location_id, "Location"),
        quantity=1 if input.quantity is None else input.quantity,
    )
    rows = await info.context.runtime.allocation.available(principal, query)
    return [AvailableResource(resource=Resource.from_model(r), available_quantity=q) for r, q in rows]


@refuses_query
async def next_free_windows(
    info: Info,
    resource_id: strawberry.ID,
    duration: Annotated[int, strawberry.argument(description="Length of the session in minutes.")],
    from_: Annotated[datetime, strawberry.argument(name="from", description="Earliest start.")],
    until: Annotated[datetime, strawberry.argument(description="Latest end.")],
    quantity: Annotated[int, strawberry.argument(description="Units needed (stock pools).")] = 1,
    first: Annotated[int, strawberry.argument(description="At most this many windows.")] = 10,
) -> list[Interval]:
    principal = info.context.require_principal()
    pk = decode_id(resource_id, "Resource")
    windows = await info.context.runtime.allocation.next_free_windows(
        principal, pk, duration, from_, until, quantity=quantity, limit=first
    )
    return [Interval(start=w.start, end=w.end) for w in windows]


def _encode(start: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"booking:{start.isoformat()}|{pk}".encode()).decode()


def _decode(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, rest = raw.partition(":")
        stamp, _, pk = rest.partition("|")
        if prefix != "booking" or not pk.isdigit():
            raise ValueError
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("Malformed cursor.", field="after") from None


@refuses_query
async def bookings(
    info: Info, filter: BookingFilter | None = None, first: int | None = None, after: str | None = None
) -> BookingConnection:
    principal = info.context.require_principal()
    flt = filter or BookingFilter()
    size = page_size(first, info.context.settings.limits.max_page_size)
    position = _decode(after)
    query = BookingQuery(
        start=flt.start,
        end=flt.end,
        resource_id=decode_optional(flt.resource_id, "Resource"),
        project_id=decode_optional(flt.project_id, "Project"),
        statuses=tuple(flt.status or ()),
        crew_member_id=decode_optional(flt.crew_member_id, "Resource", "crew member"),
    )
    rows, more = await info.context.runtime.allocation.booking_page(principal, query, first=size, after=position)
    edges = [BookingEdge(node=Booking.from_model(r), cursor=_encode(r.start_at, r.id)) for r in rows]
    return BookingConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


# Mutations


@result_union
async def create_booking(info: Info, input: CreateBookingInput) -> CreateBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.create_booking(principal, input.to_command())
    if outcome.booking.queue_seq is not None:
        return await hold_queued(info, outcome.booking)
    return BookingCreated(booking=Booking.from_model(outcome.booking), warnings=outcome.warnings)


@result_union
async def update_booking(info: Info, input: UpdateBookingInput) -> UpdateBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.update_booking(principal, input.to_command())
    return BookingUpdated(booking=Booking.from_model(outcome.booking))


@result_union
async def add_allocations(info: Info, input: AddAllocationsInput) -> AddAllocationsResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.add_allocations(principal, input.to_command())
    return AllocationsAdded(
        booking=Booking.from_model(outcome.booking), allocation_ids=outcome.allocation_ids, warnings=outcome.warnings
    )


@result_union
async def remove_allocation(
    info: Info, id: strawberry.ID, expected_version: ExpectedBookingVersion = None
) -> RemoveAllocationResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.remove_allocation(
        principal, decode_id(id, "Allocation"), expected_version
    )
    return AllocationRemoved(booking=Booking.from_model(outcome.booking))


@result_union
async def confirm_booking(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> ConfirmBookingResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.confirm_booking(principal, decode_id(id, "Booking"), expected_version)
    return BookingConfirmed(booking=Booking.from_model(row))


@result_union
async def cancel_booking(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> CancelBookingResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.cancel_booking(principal, decode_id(id, "Booking"), expected_version)
    return BookingCancelled(booking=Booking.from_model(row))


@result_union
async def start_booking(
    info: Info, id: strawberry.ID, at: datetime | None = None, expected_version: ExpectedVersion = None
) -> StartBookingResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.start_booking(principal, decode_id(id, "Booking"), at, expected_version)
    return BookingStarted(booking=Booking.from_model(row))


@result_union
async def complete_booking(
    info: Info, id: strawberry.ID, at: datetime | None = None, expected_version: ExpectedVersion = None
) -> CompleteBookingResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.complete_booking(
        principal, decode_id(id, "Booking"), at, expected_version
    )
    return BookingCompleted(booking=Booking.from_model(row))


@result_union
async def move_booking(info: Info, input: MoveBookingInput) -> MoveBookingResult:
    principal = info.context.require_principal()
    impact = await info.context.runtime.allocation.move_booking(principal, input.to_command())
    cost = None if impact.cost is None else Money.of(impact.cost.delta_minor, impact.cost.currency)
    if impact.applied:
        return BookingMoved(booking=Booking.from_model(impact.booking), warnings=impact.warnings, cost_change=cost)
    return _impact(impact, cost)


def _impact(impact: DomainImpact, cost: Money | None) -> MoveImpact:
    rows = {a_id: w for a_id, w in impact.windows.items()}
    return MoveImpact(
        booking=Booking.from_model(impact.booking),
        start=impact.window.start,
        end=impact.window.end,
        allocations=[
            PlannedAllocation(allocation=Allocation.from_model(a), start=rows[a.id].start, end=rows[a.id].end)
            for a in impact.allocations
        ],
        conflicts=[
            Conflict(start=c.start, end=c.end, resource_id=c.resource_id, booking_id=c.booking_id)
            for c in impact.clashes
        ],
        offer=Offer(impact.sought),
        warnings=impact.warnings,
        cost_change=cost,
        milestones_at_risk=[Milestone.of(m, a) for m, a in impact.milestones_at_risk],
    )


@result_union
async def block_resource(info: Info, input: BlockResourceInput) -> BlockResourceResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.block_resource(principal, input.to_command())
    return ResourceBlocked(block=Block.from_model(row))


@result_union
async def unblock_resource(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> UnblockResourceResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.allocation.unblock_resource(principal, decode_id(id, "Block"), expected_version)
    return ResourceUnblocked(block=Block.from_model(row))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class SchedulingQuery:
    availability = strawberry.field(
        resolver=availability,
        description="Resources free for a whole window (stock: the quantity free throughout).",
    )
    next_free_windows = strawberry.field(
        resolver=next_free_windows,
        description="Windows in [from, until) where the resource is free for `duration` minutes, with its buffers.",
    )
    bookings = strawberry.field(
        resolver=bookings,
        description="Bookings the caller may see, by start; crew see only their own calls.",
    )


@strawberry.type
class SchedulingMutation:
    create_booking = strawberry.mutation(
        resolver=create_booking, description="Book a session with all its allocations, or nothing."
    )
    update_booking = strawberry.mutation(
        resolver=update_booking, description="Rename a booking or change its hold expiry."
    )
    add_allocations = strawberry.mutation(
        resolver=add_allocations, description="Add resources to a booking, all or nothing."
    )
    remove_allocation = strawberry.mutation(
        resolver=remove_allocation, description="Take one allocation out of its booking."
    )
    confirm_booking = strawberry.mutation(resolver=confirm_booking, description="Confirm a HOLD.")
    cancel_booking = strawberry.mutation(
        resolver=cancel_booking, description="Cancel a booking; its resources are free again."
    )
    start_booking = strawberry.mutation(
        resolver=start_booking, description="Mark a CONFIRMED session as started (IN_PROGRESS)."
    )
    complete_booking = strawberry.mutation(
        resolver=complete_booking, description="Mark a session IN_PROGRESS as completed."
    )
    move_booking = strawberry.mutation(
        resolver=move_booking,
        description="Move a booking to a new window; `dryRun` returns the impact without changing anything.",
    )
    block_resource = strawberry.mutation(
        resolver=block_resource, description="Block a resource for maintenance or time off."
    )
    unblock_resource = strawberry.mutation(resolver=unblock_resource, description="Lift a block.")
