"""Every webhook event type the API offers is announced by an event the services really record, once
per change however many topics record it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from server.events.types import AVAILABILITY, BOOKINGS, assets_topic, rooms_topic
from server.services.webhooks import catalog

AT = datetime(2031, 5, 1, 9, tzinfo=UTC)
SERVICES = Path(__file__).resolve().parents[2] / "server" / "services"
# The recorded event each offered type stems from, with the topics it is recorded on.
SOURCES: dict[str, tuple[str, list[str], dict[str, Any]]] = {
    "booking.created": ("BookingCreated", [BOOKINGS, AVAILABILITY, rooms_topic(3)], {"bookingId": 7}),
    "booking.changed": ("BookingMoved", [BOOKINGS, rooms_topic(3)], {"bookingId": 7}),
    "booking.cancelled": ("BookingCancelled", [BOOKINGS, AVAILABILITY], {"bookingId": 7}),
    "hold.promoted": ("HoldPromoted", [BOOKINGS, AVAILABILITY, rooms_topic(3)], {"bookingId": 7}),
    "asset.checked_out": ("AssetCheckedOut", [assets_topic(3), AVAILABILITY, BOOKINGS], {"resourceId": 9}),
    "asset.returned": ("AssetReturned", [assets_topic(3), AVAILABILITY, BOOKINGS], {"resourceId": 9}),
    "asset.damaged": (
        "AssetReturned",
        [assets_topic(3), AVAILABILITY, BOOKINGS],
        {"resourceId": 9, "condition": "DAMAGED"},
    ),
    "invoice.issued": ("InvoiceIssued", [BOOKINGS], {"invoiceId": 4, "projectId": 2}),
}
# Recorded by the ranked holds of DESIGN §10, which this tree may not contain yet.


def rows(type_: str, topics: list[str], payload: dict[str, Any]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(studio_id=1, topic=topic, type=type_, seq=100 + i, at=AT, payload=payload)
        for i, topic in enumerate(topics)
    ]


def test_every_offered_type_has_a_source() -> None:
    assert set(SOURCES) == set(catalog.EVENT_TYPES)


@pytest.mark.parametrize("offered", catalog.EVENT_TYPES)
def test_each_offered_type_is_announced_once_per_change(offered: str) -> None:
    type_, topics, payload = SOURCES[offered]
    announced = [a for a in catalog.announcements(rows(type_, topics, payload)) if a.type == offered]
    assert len(announced) == 1
    assert announced[0].seq == 100 and announced[0].studio_id == 1


def test_a_damaged_return_is_announced_as_returned_and_as_damaged() -> None:
    type_, topics, payload = SOURCES["asset.damaged"]
    assert [a.type for a in catalog.announcements(rows(type_, topics, payload))] == [
        "asset.returned",
        "asset.damaged",
    ]
    plain = catalog.announcements(rows("AssetReturned", [AVAILABILITY], {"resourceId": 9, "condition": "GOOD"}))
    assert [a.type for a in plain] == ["asset.returned"]


def test_audit_rows_announce_nothing() -> None:
    assert catalog.announcements(rows("HoldPromoted", ["audit"], {"bookingId": 7})) == []


def test_every_source_is_recorded_by_the_services() -> None:
    code = "\n".join(p.read_text() for p in SERVICES.rglob("*.py") if "webhooks" not in p.relative_to(SERVICES).parts)
    missing = {type_ for type_, _, _ in SOURCES.values() if not re.search(rf'"{type_}"', code)}
    assert missing == set(), missing
