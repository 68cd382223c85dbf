"""Resolvers of the slots slice (templates, the slot finder, series): arguments -> one service call ->
result type."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import refuses_query, result_union
from server.resolvers.holds import hold_queued
from server.schema.context import Context
from server.schema.ids import decode_id
from server.schema.scheduling.payloads import BookingCreated, CreateBookingResult
from server.schema.slots.inputs import (
    BookSlotInput,
    CancelBookingSeriesInput,
    CreateBookingSeriesInput,
    CreateSessionTemplateInput,
    FindSlotsInput,
)
from server.schema.slots.payloads import (
    BookingSeriesCancelled,
    BookingSeriesCreated,
    CancelBookingSeriesResult,
    CreateBookingSeriesResult,
    CreateSessionTemplateResult,
    SessionTemplateCreated,
)
from server.schema.types.scheduling import Booking, Interval
from server.schema.types.slots import BookingSeries, SessionTemplate, Slot

Info = strawberry.Info[Context, None]


@refuses_query
async def session_templates(info: Info) -> list[SessionTemplate]:
    principal = info.context.require_principal()
    rows = await info.context.runtime.slots.templates(principal)
    return [SessionTemplate.from_model(r) for r in rows]


@refuses_query
async def find_slots(info: Info, input: FindSlotsInput) -> list[Slot]:
    principal = info.context.require_principal()
    found = await info.context.runtime.slots.find_slots(principal, input.to_query())
    return [Slot.of(s) for s in found]


@result_union
async def create_session_template(info: Info, input: CreateSessionTemplateInput) -> CreateSessionTemplateResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.slots.create_template(principal, input.to_command())
    return SessionTemplateCreated(template=SessionTemplate.from_model(row))


@result_union
async def book_slot(info: Info, input: BookSlotInput) -> CreateBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.slots.book_slot(principal, input.to_command())
    if outcome.booking.queue_seq is not None:
        return await hold_queued(info, outcome.booking)
    return BookingCreated(booking=Booking.from_model(outcome.booking), warnings=outcome.warnings)


@result_union
async def create_booking_series(info: Info, input: CreateBookingSeriesInput) -> CreateBookingSeriesResult:
    principal = info.context.require_principal()
    made = await info.context.runtime.slots.create_series(principal, input.to_command())
    return BookingSeriesCreated(
        series=BookingSeries.from_model(made.series),
        skipped=[Interval(start=w.start, end=w.end) for w in made.skipped],
        warnings=made.warnings,
    )


@result_union
async def cancel_booking_series(info: Info, input: CancelBookingSeriesInput) -> CancelBookingSeriesResult:
    principal = info.context.require_principal()
    series, cancelled = await info.context.runtime.slots.cancel_series(
        principal, decode_id(input.series_id, "BookingSeries", "series"), input.from_
    )
    return BookingSeriesCancelled(
        series=BookingSeries.from_model(series), cancelled=[Booking.from_model(b) for b in cancelled]
    )


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class SlotsQuery:
    session_templates = strawberry.field(
        resolver=session_templates, description="The studio's session templates, by name."
    )
    find_slots = strawberry.field(
        resolver=find_slots,
        description="The earliest aligned starts in [from, until) at which every need has a free resource.",
    )


@strawberry.type
class SlotsMutation:
    create_session_template = strawberry.mutation(
        resolver=create_session_template, description="A new session template (needs and tasks)."
    )
    book_slot = strawberry.mutation(
        resolver=book_slot, description="Book exactly a slot's resources, like createBooking, or nothing."
    )
    create_booking_series = strawberry.mutation(
        resolver=create_booking_series, description="Book every occurrence of an RRULE in one transaction."
    )
    cancel_booking_series = strawberry.mutation(
        resolver=cancel_booking_series, description="Cancel a series' occurrences not yet started, from a date."
    )
