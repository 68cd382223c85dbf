"""Resolvers of client requests and their approval."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.resolvers.holds import hold_queued
from server.schema.approvals.inputs import ApproveBookingInput, DeclineBookingInput, RequestBookingInput
from server.schema.approvals.payloads import (
    ApproveBookingResult,
    BookingApproved,
    BookingDeclined,
    BookingRequested,
    DeclineBookingResult,
    RequestBookingResult,
)
from server.schema.context import Context
from server.schema.types.scheduling import Booking

Info = strawberry.Info[Context, None]


@result_union
async def request_booking(info: Info, input: RequestBookingInput) -> RequestBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.request_booking(principal, input.to_command())
    return BookingRequested(booking=Booking.from_model(outcome.booking))


@result_union
async def approve_booking(info: Info, input: ApproveBookingInput) -> ApproveBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.approve_booking(principal, input.to_command())
    if outcome.booking.queue_seq is not None:
        return await hold_queued(info, outcome.booking)
    return BookingApproved(booking=Booking.from_model(outcome.booking), warnings=outcome.warnings)


@result_union
async def decline_booking(info: Info, input: DeclineBookingInput) -> DeclineBookingResult:
    principal = info.context.require_principal()
    outcome = await info.context.runtime.allocation.decline_booking(principal, input.to_command())
    return BookingDeclined(booking=Booking.from_model(outcome.booking))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class ApprovalMutation:
    request_booking = strawberry.mutation(
        resolver=request_booking,
        description="Ask for a session (the client portal); it occupies nothing and never clashes.",
    )
    approve_booking = strawberry.mutation(
        resolver=approve_booking,
        description="Approve a request as a HOLD or CONFIRMED booking through every check of createBooking.",
    )
    decline_booking = strawberry.mutation(
        resolver=decline_booking, description="Decline a request with a reason the client reads."
    )
