"""Resolvers of ranked holds: challenges, and the answer of a createBooking that had to queue."""

from __future__ import annotations

import strawberry

from db.models import Booking as BookingRow
from server.resolvers.errors import result_union
from server.schema.context import Context
from server.schema.holds.inputs import ChallengeHoldInput
from server.schema.holds.payloads import ChallengeHoldResult, HoldChallenged
from server.schema.ids import decode_id
from server.schema.scheduling.payloads import HoldQueued
from server.schema.types.scheduling import Booking

Info = strawberry.Info[Context, None]


async def hold_queued(info: Info, row: BookingRow) -> HoldQueued:
    """A queued hold's answer: its rank and the bookings ahead the caller may see."""
    principal = info.context.require_principal()
    positions = await info.context.runtime.allocation.queue_positions(principal, [row])
    rank, ahead_ids = positions[row.id]
    ahead = await info.context.loaders.visible_bookings_by_id.load_many(ahead_ids)
    return HoldQueued(
        booking=Booking.from_model(row),
        rank=rank or 1,
        ahead=[Booking.from_model(b) for b in ahead if b is not None],
    )


@result_union
async def challenge_hold(info: Info, input: ChallengeHoldInput) -> ChallengeHoldResult:
    principal = info.context.require_principal()
    challenger, challenged = await info.context.runtime.allocation.challenge_hold(
        principal, decode_id(input.booking_id, "Booking"), input.respond_by
    )
    return HoldChallenged(
        challenger=Booking.from_model(challenger),
        challenged=[Booking.from_model(b) for b in challenged],
        respond_by=input.respond_by,
    )


@strawberry.type
class HoldsMutation:
    challenge_hold = strawberry.mutation(
        resolver=challenge_hold,
        description="A queued hold makes every other project's HOLD ahead of it confirm by `respondBy`, "
        "or the sweeper releases it and the queue moves up.",
    )
