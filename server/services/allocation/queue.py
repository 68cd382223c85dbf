"""Ranked holds (pencils, DESIGN §10): joining the queue behind the bookings that hold a slot, the
rank a queued hold has, and promotion when a booking ahead lets go.

A queued hold is a HOLD with `queue_seq` set: it keeps its allocations but writes no claims, so it
blocks nothing and costs nothing. Joining takes the claimed resources' row locks, and so does
promotion, so the two take turns per resource and a place in line is handed out in lock order.
Promotion writes the promoted hold's claims like any booking: through the exclusion constraint on
PostgreSQL (under the write lock on SQLite), so it can never double-book.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BLOCKING_STATUSES, Booking, BookingStatus, ResourceKind, Role
from db.repositories import bookings as booking_rows
from db.repositories import occupancy, tenancy
from db.repositories import queue as queue_rows
from db.repositories import resources as resource_rows
from db.repositories.queue import Span
from server.events.types import BOOKINGS, DomainEvent
from server.services.allocation import conflicts, events, holds
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.claims import Claim
from server.services.allocation.windows import Window
from server.services.errors import BudgetExceeded, Conflict, Invalid, InvalidTransition, NotFound
from server.services.principal import Principal
from server.services.uow import Tx

SweepRun = Callable[[Tx, datetime], Awaitable[list[int]]]

HOLD = BookingStatus.HOLD


def is_queued(booking: Booking) -> bool:
    return booking.status == HOLD and booking.queue_seq is not None


def refuse_if_queued(booking: Booking, what: str) -> None:
    """A queued hold holds nothing yet: it cannot be confirmed, moved or grown until promoted."""
    if is_queued(booking):
        raise InvalidTransition(f"A queued hold cannot be {what} until it holds its slot.")


# Joining


async def check_or_queue(
    tx: Tx, principal: Principal, status: BookingStatus, claims: Sequence[Claim], now: datetime
) -> bool:
    """Check a new booking that may queue: False when it fits, True when it must wait; a clash with
    anything but a booking (a block) is refused as without `queueIfTaken`."""
    if status != HOLD:
        raise Invalid("Only a HOLD can wait in a queue.", field="queueIfTaken")
    await queue_rows.lock_resources(tx.session, principal.studio_id, [c.resource.id for c in claims])
    report = await conflicts.check(tx, principal, claims, now)
    if not report:
        return False
    await _refuse_unless_bookings(tx, principal, claims, report, now)
    return True


async def _refuse_unless_bookings(
    tx: Tx, principal: Principal, claims: Sequence[Claim], report: conflicts.Report, now: datetime
) -> None:
    units = [c for c in report.clashed if c.is_unit]
    found = await occupancy.holders(
        tx.session, principal.studio_id, [(c.resource.id, c.buffered.start, c.buffered.end) for c in units]
    )
    if any(h.block_id is not None for h in found):
        raise conflicts.refuse(principal, report, claims, now)


async def join(tx: Tx, principal: Principal, booking: Booking) -> None:
    """Give a new booking its place in line (the resource locks are held)."""
    booking.queue_seq = await queue_rows.next_seq(tx.session, principal.studio_id)
    await tx.session.flush()


async def join_after_race(
    tx: Tx, principal: Principal, booking: Booking, claims: Sequence[Claim], now: datetime
) -> list[int]:
    """A booking that found its slot free lost it to a racing writer at the claim: queue it instead
    (its claims taken back), unless what won is a block. Returns its allocation ids."""
    rows = await booking_rows.allocations_for_update(tx.session, booking.id)
    await occupancy.forget_allocations(tx.session, [a.id for a in rows])
    report = await conflicts.check(tx, principal, claims, now, exclude_booking_id=booking.id, writing=False)
    if report:
        await _refuse_unless_bookings(tx, principal, claims, report, now)
    await join(tx, principal, booking)
    return [a.id for a in rows]


# Rank


def position(booking_id: int, seq: int, mine: Sequence[Span], others: Sequence[Span], now: datetime) -> list[int]:
    """The bookings ahead of a queued hold on its most contested resource, holders first."""
    by_resource: dict[int, dict[int, Span]] = defaultdict(dict)
    kinds = {s.resource_id: s.kind for s in mine}
    for s in mine:
        for o in others:
            if o.booking_id == booking_id or not o.live(now) or not o.overlaps(s):
                continue
            if o.queue_seq is None or (o.status == HOLD and o.queue_seq < seq):
                by_resource[s.resource_id][o.booking_id] = o
    if not by_resource:
        return []
    # Everyone overlapping on a stock pool is not necessarily in the way (the pool may have room for
    # several): a pool decides the rank only when no room, item or crew member has anyone ahead.
    units = [ahead for rid, ahead in by_resource.items() if kinds[rid] != ResourceKind.STOCK]
    most = max(units or list(by_resource.values()), key=len)
    return [o.booking_id for o in sorted(most.values(), key=lambda o: (o.queue_seq or 0, o.booking_id))]


async def positions(
    session: AsyncSession, studio_id: int, bookings: Sequence[Booking], now: datetime
) -> dict[int, tuple[int | None, list[int]]]:
    """Rank and the bookings ahead, per booking: 1 for a hold that holds its slot, None unless a HOLD."""
    out: dict[int, tuple[int | None, list[int]]] = {}
    queued = [b for b in bookings if is_queued(b)]
    for b in bookings:
        out[b.id] = (1, []) if b.status == HOLD else (None, [])
    if not queued:
        return out
    spans = await queue_rows.spans_of(session, [b.id for b in queued])
    others = await queue_rows.contenders(session, studio_id, spans)
    mine: dict[int, list[Span]] = defaultdict(list)
    for s in spans:
        mine[s.booking_id].append(s)
    for b in queued:
        assert b.queue_seq is not None
        ahead = position(b.id, b.queue_seq, mine[b.id], others, now)
        out[b.id] = (1 + len(ahead), ahead)
    return out


# Promotion


async def promote_released(
    tx: Tx, studio_id: int, released_ids: Sequence[int], now: datetime, budget: BudgetPolicy
) -> list[Booking]:
    """Retry, in queue order, the queued holds behind bookings that just let go of their claims
    (cancelled, expired, declined, lost a challenge), inside the caller's transaction. The first
    whose every claim fits takes its slot; a hold the budget refuses stays queued and the next one
    is tried. Returns the promoted holds."""
    return await promote_behind(tx, studio_id, await queue_rows.spans_of(tx.session, released_ids), now, budget)


async def released_spans(tx: Tx, booking: Booking) -> list[Span]:
    """The spans a booking holds now, read before it moves off them (empty when it holds none)."""
    if booking.status not in BLOCKING_STATUSES or booking.queue_seq is not None:
        return []
    return list(await queue_rows.spans_of(tx.session, [booking.id]))


def from_time(spans: Sequence[Span], moment: datetime) -> list[Span]:
    """The parts of the spans from `moment` on (what a session that ended early lets go of)."""
    return [replace(s, start=max(s.start, moment)) for s in spans if s.end > moment]


async def promote_behind(
    tx: Tx, studio_id: int, released: Sequence[Span], now: datetime, budget: BudgetPolicy
) -> list[Booking]:
    """`promote_released` for spans already read (a moved booking's old windows)."""
    if not released:
        return []
    await queue_rows.lock_resources(tx.session, studio_id, [s.resource_id for s in released])
    nearby = await queue_rows.contenders(tx.session, studio_id, released)
    # In queue order; each is locked and re-read when its turn comes.
    behind = sorted(
        {
            (o.queue_seq, o.booking_id)
            for o in nearby
            if o.queue_seq is not None and o.status == HOLD and o.live(now) and any(o.overlaps(r) for r in released)
        }
    )
    if not behind:
        return []
    spans: dict[int, list[Span]] = defaultdict(list)
    for s in await queue_rows.spans_of(tx.session, [bid for _seq, bid in behind]):
        spans[s.booking_id].append(s)
    taken: list[Span] = []
    promoted: list[Booking] = []
    for _seq, candidate in behind:
        mine = spans[candidate]
        # A unit claim under one just promoted cannot fit: skip it without asking the database.
        if any(s.kind != ResourceKind.STOCK and s.overlaps(t) for s in mine for t in taken):
            continue
        booking = await _promote(tx, candidate, now, budget)
        if booking is not None:
            promoted.append(booking)
            taken.extend(s for s in mine if s.kind != ResourceKind.STOCK)
    return promoted


async def _owner(tx: Tx, booking: Booking) -> Principal:
    """The queued hold's creator, with the role they had: the budget is judged as at creation."""
    token = await queue_rows.creator(tx.session, booking.created_by_token_id)
    if token is None or token.studio_id != booking.studio_id:
        return Principal(None, booking.studio_id, Role.COORDINATOR, "promotion")
    return Principal(token.id, token.studio_id, token.role, token.name, token.user_id, token.location_id)


async def _promote(tx: Tx, booking_id: int, now: datetime, budget: BudgetPolicy) -> Booking | None:
    booking = await queue_rows.lock_waiting(tx.session, booking_id)
    if booking is None:
        return None
    principal = await _owner(tx, booking)
    studio = await tenancy.studio(tx.session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    allocations = await booking_rows.allocations_for_update(tx.session, booking.id)
    resources = {
        r.id: r for r in await resource_rows.by_ids(tx.session, principal, sorted({a.resource_id for a in allocations}))
    }
    claims = [
        Claim(resources[a.resource_id], Window(a.start_at, a.end_at), a.quantity, a.role, a.kit_id, i)
        for i, a in enumerate(allocations)
    ]
    report = await conflicts.check(tx, principal, claims, now, exclude_booking_id=booking.id)
    if report:
        return None
    bid, project_id, seq = booking.id, booking.project_id, booking.queue_seq
    try:
        async with tx.session.begin_nested():
            await budget.begin(tx, principal, project_id, "promoteHold", bid)
            booking.queue_seq = None
            booking.version = booking.version + 1
            booking.updated_at = now
            await tx.session.flush()
            rows = [
                (
                    c,
                    occupancy.ClaimRow(
                        booking.studio_id, c.resource.id, c.buffered.start, c.buffered.end, allocation_id=a.id
                    ),
                )
                for c, a in zip(claims, allocations, strict=True)
                if c.is_unit
            ]
            await conflicts.write(tx, principal, rows, now)
            await budget.guard(tx, principal, booking, allow_over_budget=False)
    except BudgetExceeded as refused:
        await tx.session.refresh(booking)
        tx.emit(
            DomainEvent(
                BOOKINGS,
                "HoldPromotionRefused",
                {"bookingId": bid, "projectId": project_id, "reason": refused.message},
            ),
            booking.studio_id,
        )
        return None
    except Conflict:
        await tx.session.refresh(booking)
        return None
    tx.audit("holdPromoted", f"Booking:{bid}", {"queued": True, "queueSeq": seq}, {"queued": False}, booking.studio_id)
    await events.booking_changed(tx, booking, "HoldPromoted")
    return booking


# The sweeper's hold expiry, with promotion


def expire_holds_job(budget: BudgetPolicy) -> SweepRun:
    """The hold-expiry sweep job: lapsed holds expire, and the queues behind them move up."""

    async def run(tx: Tx, now: datetime) -> list[int]:
        ids = await occupancy.lapsed_holds(tx.session, None, now, limit=holds.SWEEP_BATCH)
        holding = {
            b.id: b.studio_id for b in await booking_rows.lock_many(tx.session, None, ids) if b.queue_seq is None
        }
        expired = await holds.expire(tx, ids, now)
        await promote_by_studio(tx, [(holding[i], i) for i in expired if i in holding], now, budget)
        return expired

    return run


async def promote_by_studio(
    tx: Tx, released: Sequence[tuple[int, int]], now: datetime, budget: BudgetPolicy
) -> list[Booking]:
    """`promote_released` for (studio, booking) pairs of several studios (the sweeper's)."""
    by_studio: dict[int, list[int]] = defaultdict(list)
    for sid, bid in released:
        by_studio[sid].append(bid)
    promoted: list[Booking] = []
    for sid, ids in sorted(by_studio.items()):
        promoted.extend(await promote_released(tx, sid, ids, now, budget))
    return promoted


async def next_hold_expiry(session: AsyncSession, now: datetime) -> datetime | None:
    """When the next hold lapses (the sweeper wakes then)."""
    return await queue_rows.next_hold_expiry(session, now)
