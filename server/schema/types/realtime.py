"""Room boards and the events of the live feeds, as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.schema.execution import SharedRender
from server.schema.types.catalogue import CustodyState, Location, Resource
from server.schema.types.scheduling import AvailableResource, Booking
from server.services import roomboard
from server.services.roomboard import BoardData

strawberry.enum(roomboard.RoomState, description="What a room is doing at a moment.")
RoomState = roomboard.RoomState


@strawberry.type(description="One room of a board: its state now, the session in it and the next one.")
class RoomStatus:
    room: Resource = strawberry.field(description="The room.")
    state: RoomState = strawberry.field(description="FREE, SETUP, IN_SESSION, TEARDOWN, HELD or MAINTENANCE.")
    until: datetime | None = strawberry.field(
        description="When `state` (or the session in the room) next changes, if known within the coming week."
    )
    current: Booking | None = strawberry.field(
        description="The session in (or holding) the room now; null if none or not visible to you."
    )
    next_: Booking | None = strawberry.field(
        name="next", description="The next session to start in the room, if visible to you."
    )


@strawberry.type(description="Every room of a location at a moment, as of an event `seq`.")
class RoomBoard:
    location: Location = strawberry.field(description="The location.")
    at: datetime = strawberry.field(description="The moment the states hold for.")
    seq: str = strawberry.field(
        description="The newest event seq reflected (non-decreasing along a subscription; a decimal string)."
    )
    rooms: list[RoomStatus] = strawberry.field(description="The location's rooms in service, by name.")
    # Set when many subscribers receive this very board (see `server.schema.execution`).
    shared: strawberry.Private[SharedRender | None] = None

    @classmethod
    def from_data(cls, data: BoardData, visible: set[int]) -> RoomBoard:
        """The board as a viewer who may see the bookings in `visible` sees it (every field is
        plain data, so executing it never waits)."""

        def booking(pk: int | None) -> Booking | None:
            if pk is None or pk not in visible:
                return None
            return Booking.from_model(data.bookings[pk])

        return cls(
            location=Location.from_model(data.location),
            at=data.at,
            seq=str(data.seq),
            rooms=[
                RoomStatus(
                    room=Resource.from_model(r.room),
                    state=r.status.state,
                    until=r.status.until,
                    current=booking(r.status.current),
                    next_=booking(r.status.next),
                )
                for r in data.rooms
            ],
        )


@strawberry.type(description="An equipment item's custody as of an event `seq`.")
class AssetStatusEvent:
    seq: str = strawberry.field(description="The event seq (the snapshot's seq for snapshot entries).")
    asset: Resource = strawberry.field(description="The item.")
    custody: CustodyState = strawberry.field(description="Where the item is now.")
    at: datetime = strawberry.field(description="When the change happened (the snapshot's time for snapshot entries).")
    snapshot: bool = strawberry.field(
        description="Part of the opening (or, after a gap, renewed) snapshot: one entry per item of the location."
    )
    booking: Booking | None = strawberry.field(
        description="The booking the item is checked out for, if any and visible to you."
    )
    # Set when many subscribers receive this very change (see `server.schema.execution`).
    shared: strawberry.Private[SharedRender | None] = None


@strawberry.type(description="A booking as it is now, after a change (or in the opening snapshot).")
class BookingEvent:
    seq: str = strawberry.field(description="The event seq (the snapshot's seq for snapshot entries).")
    type: str = strawberry.field(description="What happened, e.g. BookingCreated, BookingCancelled; SNAPSHOT.")
    booking: Booking = strawberry.field(description="The booking as it is now.")
    at: datetime = strawberry.field(description="When the change happened (the snapshot's time for snapshot entries).")
    snapshot: bool = strawberry.field(
        description="Part of the opening (or, after a gap, renewed) snapshot of the project's open bookings."
    )
    # Set when many subscribers receive this very change (see `server.schema.execution`).
    shared: strawberry.Private[SharedRender | None] = None


@strawberry.type(description="What is free for a window, recomputed after each change that may affect it.")
class AvailabilityUpdate:
    seq: str = strawberry.field(description="The newest event seq reflected (non-decreasing along a subscription).")
    at: datetime = strawberry.field(description="When it was computed.")
    resources: list[AvailableResource] = strawberry.field(
        description="Resources free for the whole window, as the `availability` query answers."
    )
    # Set when many subscribers receive this very answer (see `server.schema.execution`).
    shared: strawberry.Private[SharedRender | None] = None
