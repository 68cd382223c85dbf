"""The room board query and the Subscription root (graphql-transport-ws only)."""

from __future__ import annotations

import strawberry

from server.resolvers import realtime


@strawberry.type
class RealtimeQuery:
    room_board = strawberry.field(
        resolver=realtime.room_board,
        description="Every room of a location and its state at `at` (default: now). A display sees its own location.",
    )


@strawberry.type(description="Live views: each starts with a snapshot carrying the newest event seq, then updates.")
class Subscription:
    room_board = strawberry.subscription(
        resolver=realtime.room_board_stream,
        description=(
            "A location's board now, then again whenever it changes: on every write that touches its rooms "
            "(at most one board per 250 ms) and when a session starts or ends, with no write needed."
        ),
    )
    asset_status_changed = strawberry.subscription(
        resolver=realtime.asset_status_stream,
        description=(
            "The custody of every item at the location (all locations you may follow if omitted), "
            "then each change as it happens."
        ),
    )
    availability_changed = strawberry.subscription(
        resolver=realtime.availability_stream,
        description=(
            "What is free for the window (as the `availability` query answers) now, then again after every "
            "change that may affect it (at most one answer per 250 ms)."
        ),
    )
    booking_changed = strawberry.subscription(
        resolver=realtime.booking_stream,
        description="The project's current and coming bookings you may see, then each booking as it changes.",
    )
