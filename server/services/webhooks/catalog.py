"""Which committed events become which webhook event types, and what a delivery's `data` says."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.events.types import AVAILABILITY, BOOKINGS
from server.services.audit import AUDIT_TOPIC
from server.services.ids import to_global_id

ALL = "*"
EVENT_TYPES = (
    "booking.created",
    "booking.changed",
    "booking.cancelled",
    "hold.promoted",
    "asset.checked_out",
    "asset.returned",
    "asset.damaged",
    "invoice.issued",
)

# A booking change is recorded on several topics (bookings, availability, rooms); `bookings` names it once.
_BOOKING_TYPES = {
    "BookingCreated": "booking.created",
    "HoldQueued": "booking.created",  # a new hold, waiting in line
    "BookingCancelled": "booking.cancelled",
    "InvoiceIssued": "invoice.issued",
    **dict.fromkeys(
        (
            "BookingUpdated",
            "BookingMoved",
            "AllocationsAdded",
            "AllocationRemoved",
            "BookingConfirmed",
            "BookingStarted",
            "BookingCompleted",
            "BookingExpired",
            "HoldChallenged",
        ),
        "booking.changed",
    ),
}
# A promoted hold is announced once per booking from whichever topics record it (its room's board,
# availability, bookings), with the data of all of them.
_ONCE_PER_BOOKING = {"HoldPromoted": "hold.promoted"}
# Gear events are recorded once on availability (always) and on the item's asset board (when it has
# a home location, with the detail: condition, due time); both are merged into one delivery.
_ASSET_TYPES = {"AssetCheckedOut": "asset.checked_out", "AssetReturned": "asset.returned"}
_GLOBAL_KEYS = {
    "bookingId": "Booking",
    "projectId": "Project",
    "resourceId": "Resource",
    "invoiceId": "Invoice",
    "locationId": "Location",
    "auditId": "Audit",
}
_PLAIN_KEYS = {"status", "custody", "condition", "late", "dueAt", "overdue"}


@dataclass(frozen=True)
class Announcement:
    """One webhook event of a transaction: its type, the event row it stems from, and its data."""

    studio_id: int
    type: str
    seq: int
    at: datetime
    data: dict[str, Any]


def unknown(names: Iterable[str]) -> list[str]:
    """The names that are neither an event type nor `*`."""
    return [n for n in names if n != ALL and n not in EVENT_TYPES]


def matches(subscribed: Iterable[str], event_type: str) -> bool:
    names = set(subscribed)
    return ALL in names or event_type in names


def data_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with global IDs for the rows it names; internal keys are left out."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _GLOBAL_KEYS:
            out[key] = to_global_id(_GLOBAL_KEYS[key], value) if isinstance(value, int) else None
        elif key in _PLAIN_KEYS:
            out[key] = value
    return out


def announcements(rows: Iterable[Any]) -> list[Announcement]:
    """The webhook events a transaction's event rows announce, in seq order."""
    found: list[Announcement] = []
    assets: dict[tuple[int, str, Any], tuple[Any, dict[str, Any]]] = {}
    promoted: dict[tuple[int, str, Any], tuple[Any, dict[str, Any]]] = {}
    for row in rows:
        if row.type in _ONCE_PER_BOOKING and row.topic != AUDIT_TOPIC:
            key = (row.studio_id, row.type, row.payload.get("bookingId"))
            first, merged = promoted.get(key, (row, {}))
            merged.update(data_of(row.payload))
            promoted[key] = (first, merged)
        elif row.topic == BOOKINGS and row.type in _BOOKING_TYPES:
            found.append(Announcement(row.studio_id, _BOOKING_TYPES[row.type], row.seq, row.at, data_of(row.payload)))
        elif row.type in _ASSET_TYPES and (row.topic == AVAILABILITY or row.topic.startswith("assets:")):
            key = (row.studio_id, row.type, row.payload.get("resourceId"))
            first, merged = assets.get(key, (row, {}))
            merged.update(data_of(row.payload))
            assets[key] = (first, merged)
    for (_, type_, _), (first, merged) in promoted.items():
        found.append(Announcement(first.studio_id, _ONCE_PER_BOOKING[type_], first.seq, first.at, merged))
    for (_, type_, _), (first, merged) in assets.items():
        found.append(Announcement(first.studio_id, _ASSET_TYPES[type_], first.seq, first.at, merged))
        if type_ == "AssetReturned" and merged.get("condition") == "DAMAGED":
            found.append(Announcement(first.studio_id, "asset.damaged", first.seq, first.at, merged))
    return sorted(found, key=lambda a: a.seq)
