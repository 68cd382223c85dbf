"""Query and mutation fields of scheduling, composed into the root types."""

from __future__ import annotations

import strawberry

from server.resolvers import scheduling


@strawberry.type
class SchedulingQuery:
    availability = strawberry.field(
        resolver=scheduling.availability,
        description="Resources free for a whole window (stock: the quantity free throughout).",
    )
    next_free_windows = strawberry.field(
        resolver=scheduling.next_free_windows,
        description="Windows in [from, until) where the resource is free for `duration` minutes, with its buffers.",
    )
    bookings = strawberry.field(
        resolver=scheduling.bookings,
        description="Bookings the caller may see, by start; crew see only their own calls.",
    )


@strawberry.type
class SchedulingMutation:
    create_booking = strawberry.mutation(
        resolver=scheduling.create_booking, description="Book a session with all its allocations, or nothing."
    )
    update_booking = strawberry.mutation(
        resolver=scheduling.update_booking, description="Rename a booking or change its hold expiry."
    )
    add_allocations = strawberry.mutation(
        resolver=scheduling.add_allocations, description="Add resources to a booking, all or nothing."
    )
    remove_allocation = strawberry.mutation(
        resolver=scheduling.remove_allocation, description="Take one allocation out of its booking."
    )
    confirm_booking = strawberry.mutation(resolver=scheduling.confirm_booking, description="Confirm a HOLD.")
    cancel_booking = strawberry.mutation(
        resolver=scheduling.cancel_booking, description="Cancel a booking; its resources are free again."
    )
    start_booking = strawberry.mutation(
        resolver=scheduling.start_booking, description="Mark a CONFIRMED session as started (IN_PROGRESS)."
    )
    complete_booking = strawberry.mutation(
        resolver=scheduling.complete_booking, description="Mark a session IN_PROGRESS as completed."
    )
    move_booking = strawberry.mutation(
        resolver=scheduling.move_booking,
        description="Move a booking to a new window; `dryRun` returns the impact without changing anything.",
    )
    block_resource = strawberry.mutation(
        resolver=scheduling.block_resource, description="Block a resource for maintenance or time off."
    )
    unblock_resource = strawberry.mutation(resolver=scheduling.unblock_resource, description="Lift a block.")
