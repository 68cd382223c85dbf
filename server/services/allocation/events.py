"""The events a booking change records: on `bookings`, `availability` and each room location's topic."""

from __future__ import annotations

from collections.abc import Iterable

from db.models import Booking, ResourceKind
from db.repositories import bookings as booking_rows
from server.events.types import AVAILABILITY, BOOKINGS, DomainEvent, rooms_topic
from server.services.uow import Tx


async def booking_changed(
    tx: Tx, booking: Booking, type_: str, *, extra_resource_ids: Iterable[tuple[int, ResourceKind, int | None]] = ()
) -> None:
    """Record that a booking changed, for everyone who shows it or the resources it holds."""
    touched = await booking_rows.touched(tx.session, [booking.id])
    resources = {(t.resource_id, t.kind, t.location_id) for t in touched} | set(extra_resource_ids)
    emit(tx, booking, type_, resources)


def emit(tx: Tx, booking: Booking, type_: str, resources: Iterable[tuple[int, ResourceKind, int | None]]) -> None:
    resources = sorted(set(resources), key=lambda r: r[0])
    base = {
        "bookingId": booking.id,
        "projectId": booking.project_id,
        "status": booking.status.value,
        "version": booking.version,
    }
    sid = booking.studio_id
    tx.emit(DomainEvent(BOOKINGS, type_, base), sid)
    tx.emit(
        DomainEvent(
            AVAILABILITY,
            type_,
            {
                **base,
                "resourceIds": [r[0] for r in resources],
                # Who is called: their notifications need no extra read (server.services.notifications).
                "crewIds": [r[0] for r in resources if r[1] == ResourceKind.CREW],
                "start": booking.start_at.isoformat(),
                "end": booking.end_at.isoformat(),
            },
        ),
        sid,
    )
    rooms: dict[int, list[int]] = {}
    for rid, kind, location_id in resources:
        if kind == ResourceKind.ROOM and location_id is not None:
            rooms.setdefault(location_id, []).append(rid)
    for location_id, room_ids in sorted(rooms.items()):
        tx.emit(DomainEvent(rooms_topic(location_id), type_, {**base, "roomIds": room_ids}), sid)
