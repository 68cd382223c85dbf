"""The state of every room of a location at a moment (DESIGN §6), and when it next changes.

A room is `MAINTENANCE` while a block covers it; `IN_SESSION` while an allocation of a CONFIRMED or
IN_PROGRESS booking covers it; `HELD` while only a HOLD's does (a hold past its expiry no longer
counts, whether or not the sweeper has run); `SETUP` / `TEARDOWN` inside the turnaround buffer
before / after an allocation; otherwise `FREE`.

`current` is the booking in session (or held) at that moment, `next` the first booking whose session
starts after it (during SETUP that is the one being set up), and `until` the first later moment at
which the state or the current booking changes. Sessions more than `HORIZON` ahead are not looked
at: a board shows today and the coming days, and recomputes as time passes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, BookingStatus, Location, Resource, Role
from db.repositories import bookings as booking_rows
from db.repositories import events as event_rows
from db.repositories import roomboard as rows
from db.repositories import tenancy
from db.repositories.claims import HeldClaim
from db.repositories.scoping import sees_every_booking
from server.services.errors import Forbidden, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import UnitOfWork

HORIZON = timedelta(days=7)
# Turnaround buffers are capped at a day, so a claim that matters now started at most this early.
MAX_BUFFER = timedelta(days=1)


class RoomState(enum.StrEnum):
    FREE = "FREE"
    SETUP = "SETUP"
    IN_SESSION = "IN_SESSION"
    TEARDOWN = "TEARDOWN"
    HELD = "HELD"
    MAINTENANCE = "MAINTENANCE"


def _boundaries(claim: HeldClaim) -> Iterable[datetime]:
    """Every moment the claim can change a room's state: its windows' edges and a hold's expiry."""
    yield from (claim.buffered_start, claim.start, claim.end, claim.buffered_end)
    if claim.status == BookingStatus.HOLD and claim.hold_expires_at is not None:
        yield claim.hold_expires_at


@dataclass(frozen=True)
class Status:
    state: RoomState
    current: int | None
    next: int | None
    until: datetime | None


def state_at(claims: Sequence[HeldClaim], at: datetime) -> tuple[RoomState, int | None]:
    """The room's state and current booking at `at`."""
    live = [c for c in claims if not c.lapsed(at)]
    if any(c.is_block and c.start <= at < c.end for c in live):
        return RoomState.MAINTENANCE, None
    sessions = [c for c in live if not c.is_block and c.start <= at < c.end]
    firm = [c for c in sessions if c.status != BookingStatus.HOLD]
    if firm:
        return RoomState.IN_SESSION, firm[0].booking_id
    if sessions:
        return RoomState.HELD, sessions[0].booking_id
    bookings = [c for c in live if not c.is_block]
    if any(c.buffered_start <= at < c.start for c in bookings):
        return RoomState.SETUP, None
    if any(c.end <= at < c.buffered_end for c in bookings):
        return RoomState.TEARDOWN, None
    return RoomState.FREE, None


def status_at(claims: Sequence[HeldClaim], at: datetime) -> Status:
    """State, current and next booking, and when the state (or the current booking) next changes."""
    state, current = state_at(claims, at)
    upcoming = sorted(
        (c for c in claims if not c.is_block and c.start > at and not c.lapsed(at)), key=lambda c: c.start
    )
    until = None
    for moment in sorted({b for c in claims for b in _boundaries(c) if b > at}):
        if state_at(claims, moment) != (state, current):
            until = moment
            break
    return Status(state, current, upcoming[0].booking_id if upcoming else None, until)


def next_change(claims: Iterable[HeldClaim], at: datetime) -> datetime | None:
    """The first moment after `at` at which anything on the board may change."""
    return min((b for c in claims for b in _boundaries(c) if b > at), default=None)


# Loading a board


@dataclass(frozen=True)
class RoomStatusData:
    room: Resource
    status: Status


@dataclass(frozen=True)
class BoardData:
    """A whole board as of `seq`: rows to show and when it next needs recomputing."""

    location: Location
    at: datetime
    seq: int
    rooms: list[RoomStatusData]
    bookings: dict[int, Booking]
    next_change: datetime | None
    # Whatever consumers derive from this version once and share (the API keeps rendered results).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def fingerprint(self) -> tuple[object, ...]:
        """What a viewer sees, for telling whether a recomputation changed anything."""
        return (
            self.location.name,
            tuple((r.room.id, r.room.name, r.status) for r in self.rooms),
            tuple(sorted((b.id, b.version, b.title, b.status, b.start_at, b.end_at) for b in self.bookings.values())),
        )


@dataclass(frozen=True)
class StudioScope:
    """Reads on behalf of a whole studio (the shared board of a location); visibility per viewer is
    applied when the board is shown."""

    studio_id: int


def authorize(principal: Principal | None, location_id: int) -> Principal:
    """Who may watch a location's board: anyone with READ_BOARD; a display only its own location."""
    principal = require(principal, Action.READ_BOARD)
    if principal.role == Role.DISPLAY and principal.location_id != location_id:
        raise Forbidden("This display may only show the board of its own location.")
    return principal


async def visible_bookings(uow: UnitOfWork, principal: Principal, data: BoardData) -> set[int]:
    """Which of the board's bookings the principal may see (one query, and none for staff and the
    location's displays)."""
    ids = sorted(data.bookings)
    if not ids or sees_every_booking(principal, data.location.id):
        return set(ids)
    async with uow.read() as session:
        return {b.id for b in await booking_rows.visible_by_ids(session, principal, ids)}


async def check_location(session: AsyncSession, principal: Principal, location_id: int) -> Location:
    location = await tenancy.location(session, principal, location_id)
    if location is None:
        raise NotFound("No such location.")
    return location


async def load(session: AsyncSession, studio_id: int, location_id: int, at: datetime) -> BoardData | None:
    """The board of a location of the studio at `at` (None if the location is gone)."""
    scope = StudioScope(studio_id)
    # The seq first: the rows read after it reflect at least every event up to it.
    seq = await event_rows.latest_seq(session, studio_id)
    location = await tenancy.location(session, scope, location_id)
    if location is None:
        return None
    room_rows = await rows.rooms(session, scope, location_id)
    claims, bookings = await rows.claims(session, scope, [r.id for r in room_rows], at - MAX_BUFFER, at + HORIZON)
    by_room: dict[int, list[HeldClaim]] = {r.id: [] for r in room_rows}
    for claim in claims:
        by_room[claim.resource_id].append(claim)
    statuses = [RoomStatusData(room, status_at(by_room[room.id], at)) for room in room_rows]
    shown = {i for s in statuses for i in (s.status.current, s.status.next) if i is not None}
    change = next_change((c for cs in by_room.values() for c in cs), at)
    return BoardData(
        location=location,
        at=at,
        seq=seq,
        rooms=statuses,
        bookings={i: b for i, b in bookings.items() if i in shown},
        next_change=change,
    )


async def board(uow: UnitOfWork, principal: Principal | None, location_id: int, at: datetime) -> BoardData:
    """The board of a location the caller may watch, at `at`."""
    principal = authorize(principal, location_id)
    async with uow.read() as session:
        await check_location(session, principal, location_id)
        data = await load(session, principal.studio_id, location_id, at)
    if data is None:
        raise NotFound("No such location.")
    return data


async def may_watch(
    uow: UnitOfWork, principal: Principal | None, location_id: int, shown: Callable[[int, int], bool] | None = None
) -> Principal:
    """The caller, if it may watch this location's board (Forbidden or NotFound otherwise).

    `shown(studio_id, location_id)`: whether a board of the location is live in this process, which
    proves the location is the studio's without reading it (a thousand screens reconnecting after a
    restart would otherwise read it a thousand times)."""
    principal = authorize(principal, location_id)
    if shown is None or not shown(principal.studio_id, location_id):
        async with uow.read() as session:
            await check_location(session, principal, location_id)
    return principal
