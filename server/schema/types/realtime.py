"""Room boards and the events of the live feeds, as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.types.catalogue import CustodyState, Location, Resource
from server.schema.types.scheduling import AvailableResource, Booking
from server.services import roomboard
from server.services.principal import Principal
from server.services.roomboard import BoardData

strawberry.enum(roomboard.RoomState, description="What a room is doing at a moment.")
RoomState = roomboard.RoomState


async def _visible_booking(
    info: strawberry.Info, booking: models.Booking | None, open_to_viewer: bool
) -> Booking | None:
    """The booking, if the viewer may see it (checked in one batched query per message)."""
    if booking is None:
        return None
    if open_to_viewer:
        return Booking.from_model(booking)
    row = await info.context.loaders.visible_bookings_by_id.load(booking.id)
    return None if row is None else Booking.from_model(booking)


@strawberry.type(description="One room of a board: its state now, the session in it and the next one.")
class RoomStatus:
    room: Resource = strawberry.field(description="The room.")
    state: RoomState = strawberry.field(description="FREE, SETUP, IN_SESSION, TEARDOWN, HELD or MAINTENANCE.")
    until: datetime | None = strawberry.field(
        description="When `state` (or the session in the room) next changes, if known within the coming week."
    )
    current_row: strawberry.Private[models.Booking | None]
    next_row: strawberry.Private[models.Booking | None]
    open_to_viewer: strawberry.Private[bool]

    @strawberry.field(description="The session in (or holding) the room now; null if none or not visible to you.")
    async def current(self, info: strawberry.Info) -> Booking | None:
        return await _visible_booking(info, self.current_row, self.open_to_viewer)

    @strawberry.field(name="next", description="The next session to start in the room, if visible to you.")
    async def next_(self, info: strawberry.Info) -> Booking | None:
        return await _visible_booking(info, self.next_row, self.open_to_viewer)


@strawberry.type(description="Every room of a location at a moment, as of an event `seq`.")
class RoomBoard:
    location: Location = strawberry.field(description="The location.")
    at: datetime = strawberry.field(description="The moment the states hold for.")
    seq: str = strawberry.field(
        description="The newest event seq reflected (non-decreasing along a subscription; a decimal string)."
    )
    rooms: list[RoomStatus] = strawberry.field(description="The location's rooms in service, by name.")

    @classmethod
    def from_data(cls, data: BoardData, principal: Principal) -> RoomBoard:
        open_to_viewer = roomboard.sees_every_booking(principal, data.location.id)
        return cls(
            location=Location.from_model(data.location),
            at=data.at,
            seq=str(data.seq),
            rooms=[
                RoomStatus(
                    room=Resource.from_model(r.room),
                    state=r.status.state,
                    until=r.status.until,
                    current_row=data.bookings.get(r.status.current) if r.status.current else None,
                    next_row=data.bookings.get(r.status.next) if r.status.next else None,
                    open_to_viewer=open_to_viewer,
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
    booking_row: strawberry.Private[models.Booking | None]

    @strawberry.field(description="The booking the item is checked out for, if any and visible to you.")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        return await _visible_booking(info, self.booking_row, False)


@strawberry.type(description="A booking as it is now, after a change (or in the opening snapshot).")
class BookingEvent:
    seq: str = strawberry.field(description="The event seq (the snapshot's seq for snapshot entries).")
    type: str = strawberry.field(description="What happened, e.g. BookingCreated, BookingCancelled; SNAPSHOT.")
    booking: Booking = strawberry.field(description="The booking as it is now.")
    at: datetime = strawberry.field(description="When the change happened (the snapshot's time for snapshot entries).")
    snapshot: bool = strawberry.field(
        description="Part of the opening (or, after a gap, renewed) snapshot of the project's open bookings."
    )


@strawberry.type(description="What is free for a window, recomputed after each change that may affect it.")
class AvailabilityUpdate:
    seq: str = strawberry.field(description="The newest event seq reflected (non-decreasing along a subscription).")
    at: datetime = strawberry.field(description="When it was computed.")
    resources: list[AvailableResource] = strawberry.field(
        description="Resources free for the whole window, as the `availability` query answers."
    )
