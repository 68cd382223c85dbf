"""Shared setup of the ranked-holds tests: queue holds on one room and read the line back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.models import Allocation, Booking, BookingStatus, Event, Occupancy, Role
from db.repositories import occupancy
from server.schema.ids import decode_id
from tests.alloc_support import Catalogue, at, booking_input
from tests.conftest import StudioFixture

QUEUE = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) {
    __typename
    ... on BookingCreated { booking { id status rank version } }
    ... on HoldQueued { rank ahead { id } booking { id status rank version challengeRespondBy } }
    ... on ConflictError { code conflicts { booking { id } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""

BOOKING = """
query($id: ID!) { node(id: $id) { ... on Booking { id status rank version challengeRespondBy holdExpiresAt } } }
"""

CANCEL = """
mutation($id: ID!) { cancelBooking(id: $id) { __typename ... on BookingCancelled { booking { id status } }
  ... on UserError { code message } } }
"""

CONFIRM = """
mutation($id: ID!) { confirmBooking(id: $id) { __typename
  ... on BookingConfirmed { booking { id status challengeRespondBy } } ... on UserError { code message } } }
"""

CHALLENGE = """
mutation($input: ChallengeHoldInput!) { challengeHold(input: $input) { __typename
  ... on HoldChallenged { respondBy challenger { id rank } challenged { id status challengeRespondBy version } }
  ... on UserError { code message } ... on ValidationError { field } } }
"""

WINDOW = (at(0, 10), at(0, 12))
ROOM = "Studio A"


def pk(gid: str) -> int:
    return decode_id(gid, "Booking")


async def queue_hold(
    cat: Catalogue,
    *,
    project: str | None = None,
    role: Role = Role.COORDINATOR,
    room: str = ROOM,
    window: tuple[datetime, datetime] = WINDOW,
    **extra: Any,
) -> dict[str, Any]:
    variables = booking_input(
        cat, window[0], window[1], [{"resourceId": cat.gid(room)}], projectId=project or cat.project, **extra
    )
    body = await cat.studio.gql(QUEUE, {"input": {"queueIfTaken": True, **variables}}, role=role)
    assert "errors" not in body, body
    return body["data"]["createBooking"]


def booking_id(result: dict[str, Any]) -> str:
    return result["booking"]["id"]


async def node(studio: StudioFixture, gid: str) -> dict[str, Any]:
    return (await studio.data(BOOKING, {"id": gid}))["node"]


async def line(studio: StudioFixture, gids: list[str]) -> dict[str, int | None]:
    """Rank of each booking (None once it left the line)."""
    return {g: (await node(studio, g))["rank"] for g in gids}


async def snapshot(studio: StudioFixture) -> dict[str, Any]:
    """Everything a refused change must leave alone: bookings, claims, allocations, events (and audit rows)."""
    async with studio.runtime.uow.read() as session:
        bookings = [
            (b.id, b.status, b.version, b.queue_seq, b.challenge_respond_by)
            for b in await session.scalars(select(Booking).where(Booking.studio_id == studio.id).order_by(Booking.id))
        ]
        claims = [
            (o.id, o.allocation_id, o.active)
            for o in await session.scalars(select(Occupancy).where(Occupancy.studio_id == studio.id))
        ]
        events = await session.scalar(select(func.count()).select_from(Event).where(Event.studio_id == studio.id))
        allocations = await session.scalar(
            select(func.count()).select_from(Allocation).where(Allocation.studio_id == studio.id)
        )
    return {"bookings": bookings, "claims": sorted(claims), "events": events, "allocations": allocations}


async def event_types(studio: StudioFixture, type_: str, topic: str = "bookings") -> list[dict[str, Any]]:
    async with studio.runtime.uow.read() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.studio_id == studio.id, Event.type == type_, Event.topic == topic)
            .order_by(Event.seq)
        )
        return [r.payload for r in rows]


async def holders_of(studio: StudioFixture, resource_id: int) -> list[int]:
    """Bookings with an active claim on the resource."""
    async with studio.runtime.uow.read() as session:
        stmt = (
            select(Allocation.booking_id)
            .join(Occupancy, Occupancy.allocation_id == Allocation.id)
            .where(Occupancy.active.is_(True), Occupancy.resource_id == resource_id)
        )
        return sorted(set((await session.scalars(stmt)).all()))


async def overlaps(studio: StudioFixture) -> int:
    async with studio.runtime.uow.read() as session:
        return await occupancy.overlapping_pairs(session, studio.id)


async def statuses(studio: StudioFixture, ids: list[int]) -> dict[int, BookingStatus]:
    async with studio.runtime.uow.read() as session:
        rows = await session.execute(select(Booking.id, Booking.status).where(Booking.id.in_(ids)))
        return {i: s for i, s in rows}
