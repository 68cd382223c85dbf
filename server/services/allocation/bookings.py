"""Booking changes: one function per mutation, each doing all of its work inside one transaction.

Order inside each: permissions and validation, claims resolved, clashes checked (lapsed holds in
the way expired, pools locked), rows written with their occupancy claims (the database refuses any
overlap a racing transaction slipped in), crew rules, the budget guard, events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from db.models import BLOCKING_STATUSES, Allocation, Booking, BookingStatus, Milestone, ResourceKind, Studio
from db.repositories import bookings as booking_rows
from db.repositories import occupancy, tenancy
from db.repositories import resources as resource_rows
from server.services import audit
from server.services import validation as v
from server.services.allocation import access, conflicts, crew_rules, events
from server.services.allocation import claims as claim_rules
from server.services.allocation import queue as hold_queue
from server.services.allocation.alternatives import Sought
from server.services.allocation.budget import BudgetPolicy, CostChange
from server.services.allocation.claims import Claim
from server.services.allocation.commands import (
    AddAllocations,
    CreateBooking,
    MoveBooking,
    Outcome,
    UpdateBooking,
)
from server.services.allocation.transitions import _lapsed_guard
from server.services.allocation.windows import Window, check_window
from server.services.errors import Clash, Conflict, Invalid, InvalidTransition, NotFound
from server.services.plan import bookings as plan
from server.services.plan.risks import Assessment
from server.services.principal import Principal
from server.services.uow import Tx


async def _studio(tx: Tx, principal: Principal) -> Studio:
    studio = await tenancy.studio(tx.session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    return studio


def _hold_expiry(status: BookingStatus, expires: datetime | None, now: datetime, end: datetime) -> datetime | None:
    if expires is None:
        return None
    if status != BookingStatus.HOLD:
        raise Invalid("Only a HOLD can carry holdExpiresAt.", field="holdExpiresAt")
    if expires.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="holdExpiresAt")
    if expires <= now:
        raise Invalid("holdExpiresAt must be in the future.", field="holdExpiresAt")
    if expires > end:
        raise Invalid("A hold must lapse before its booking ends.", field="holdExpiresAt")
    return expires


def _allocations(booking: Booking, claims: list[Claim], **columns: Any) -> list[Allocation]:
    """The booking's allocation rows, one per claim (not yet written)."""
    return [
        Allocation(
            studio_id=booking.studio_id,
            resource_id=c.resource.id,
            kit_id=c.kit_id,
            quantity=c.quantity,
            start_at=c.window.start,
            end_at=c.window.end,
            role=c.role,
            **columns,
        )
        for c in claims
    ]


async def write_allocations(
    tx: Tx, principal: Principal, booking: Booking, claims: list[Claim], now: datetime
) -> list[Allocation]:
    """Write a booking's allocations and, if it blocks, their occupancy claims (a clash is a Conflict)."""
    rows = _allocations(booking, claims, booking_id=booking.id)
    await booking_rows.add_allocations(tx.session, rows)
    if booking.status in BLOCKING_STATUSES and booking.queue_seq is None:
        await conflicts.write(tx, principal, occupancy_rows(booking, claims, rows), now)
    return rows


async def _insert_with_claims(
    tx: Tx, principal: Principal, booking: Booking, claims: list[Claim], now: datetime
) -> list[Allocation]:
    """PostgreSQL, a booking that does not queue: the booking, its allocations and their occupancy
    claims in one statement (what `add_booking` and `write_allocations` do in three), recorded in
    the audit as the flush would have; a claim the database refuses becomes the same Conflict."""
    rows = _allocations(booking, claims, created_at=now)
    # Every new booking is a HOLD or CONFIRMED, both blocking: its unit claims occupy their windows.
    windows = [(c.buffered.start, c.buffered.end) if c.is_unit else None for c in claims]
    written = await booking_rows.insert_with_claims(tx.session, booking, rows, windows)
    audit.record_created(tx.session.sync_session, [booking, *rows])
    if written.refused:
        pairs = occupancy_rows(booking, claims, rows)
        await conflicts.lost(tx, principal, pairs, {(a, None) for a in written.refused}, now)
    return rows


def touched_resources(claims: list[Claim]) -> list[tuple[int, ResourceKind, int | None]]:
    """What live views need about the resources a change touched (no extra query)."""
    return [(c.resource.id, c.resource.kind, c.resource.location_id) for c in claims]


def occupancy_rows(
    booking: Booking, claims: list[Claim], rows: list[Allocation]
) -> list[tuple[Claim, occupancy.ClaimRow]]:
    """The occupancy claims of a booking's unit allocations, each with the claim it is for."""
    return [
        (c, occupancy.ClaimRow(booking.studio_id, c.resource.id, c.buffered.start, c.buffered.end, allocation_id=a.id))
        for c, a in zip(claims, rows, strict=True)
        if c.is_unit
    ]


async def create_booking(
    tx: Tx, principal: Principal, cmd: CreateBooking, now: datetime, budget: BudgetPolicy
) -> Outcome:
    """A new HOLD or CONFIRMED booking with all of its allocations, or nothing at all."""
    # The project, its studio and the asked resources in one round trip (kits' items come later).
    asked = [a.resource_id for a in cmd.allocations if a.resource_id is not None][: claim_rules.MAX_ALLOCATIONS]
    project, studio, known = await access.project_and_resources_for_booking(tx, principal, cmd.project_id, asked)
    await budget.begin(tx, principal, project.id, "createBooking")
    title = v.required_text(cmd.title, "title", max_length=200)
    if cmd.status not in (BookingStatus.HOLD, BookingStatus.CONFIRMED):
        raise Invalid("A new booking is a HOLD or CONFIRMED.", field="status")
    window = check_window(cmd.start, cmd.end, max_hours=studio.max_booking_hours)
    expires = _hold_expiry(cmd.status, cmd.hold_expires_at, now, window.end)
    claims = await claim_rules.resolve(tx, principal, studio, window, cmd.allocations, known)
    queued = False
    if cmd.queue_if_taken:
        queued = await hold_queue.check_or_queue(tx, principal, cmd.status, claims, now)
    else:
        await conflicts.ensure_free(tx, principal, claims, now)
    # Crew rules count the member's other calls, so they run before this booking's rows exist.
    warnings = await crew_rules.check(tx, studio, claims)
    booking = Booking(
        studio_id=principal.studio_id,
        project_id=project.id,
        title=title,
        start_at=window.start,
        end_at=window.end,
        status=cmd.status,
        hold_expires_at=expires,
        created_by_token_id=principal.token_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    # Kept referenced until the guard has run: it prices the new booking from these rows through the
    # session, whose identity map holds them only weakly.
    written: list[Allocation] = []
    if tx.is_postgres and not cmd.queue_if_taken:
        written = await _insert_with_claims(tx, principal, booking, claims, now)
        ids = [r.id for r in written]
    else:
        await booking_rows.add_booking(tx.session, booking)
        if queued:
            await hold_queue.join(tx, principal, booking)
        try:
            written = await write_allocations(tx, principal, booking, claims, now)
            ids = [r.id for r in written]
        except Conflict:
            if not cmd.queue_if_taken:
                raise
            ids = await hold_queue.join_after_race(tx, principal, booking, claims, now)
    warnings += await plan.booking_created(tx, principal, booking, cmd.template_id)
    await budget.guard(tx, principal, booking, allow_over_budget=cmd.allow_over_budget)
    kind = "HoldQueued" if booking.queue_seq is not None else "BookingCreated"
    events.emit(tx, booking, kind, touched_resources(claims))
    return Outcome(booking, ids, warnings)


async def update_booking(tx: Tx, principal: Principal, cmd: UpdateBooking, now: datetime) -> Outcome:
    """Rename a booking or change when its hold lapses."""
    booking = await access.booking_for_change(tx, principal, cmd.booking_id, cmd.expected_version)
    await _lapsed_guard(tx, booking, now)
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(f"A {booking.status.value} booking cannot be changed.")
    if cmd.title is not None:
        booking.title = v.required_text(cmd.title, "title", max_length=200)
    if cmd.clear_hold_expiry:
        booking.hold_expires_at = None
    elif cmd.hold_expires_at is not None:
        booking.hold_expires_at = _hold_expiry(booking.status, cmd.hold_expires_at, now, booking.end_at)
    booking.updated_at = now
    await tx.session.flush()
    await events.booking_changed(tx, booking, "BookingUpdated")
    return Outcome(booking)


async def add_allocations(
    tx: Tx, principal: Principal, cmd: AddAllocations, now: datetime, budget: BudgetPolicy
) -> Outcome:
    """Add resources to a blocking booking; all of them land or none does."""
    booking = await access.booking_for_change(tx, principal, cmd.booking_id, cmd.expected_version)
    await _lapsed_guard(tx, booking, now)
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(f"A {booking.status.value} booking takes no new allocations.")
    hold_queue.refuse_if_queued(booking, "given new allocations")
    await budget.begin(tx, principal, booking.project_id, "addAllocations", booking.id)
    if not cmd.allocations:
        raise Invalid("Give at least one allocation.", field="allocations")
    studio = await _studio(tx, principal)
    window = Window(booking.start_at, booking.end_at)
    claims = await claim_rules.resolve(tx, principal, studio, window, cmd.allocations)
    await conflicts.ensure_free(tx, principal, claims, now)
    warnings = await crew_rules.check(tx, studio, claims)
    rows = await write_allocations(tx, principal, booking, claims, now)
    booking.updated_at = now
    await tx.session.flush()
    await budget.guard(tx, principal, booking, allow_over_budget=cmd.allow_over_budget)
    events.emit(tx, booking, "AllocationsAdded", touched_resources(claims))
    return Outcome(booking, [r.id for r in rows], warnings)


async def remove_allocation(
    tx: Tx,
    principal: Principal,
    allocation_id: int,
    expected_version: int | None,
    now: datetime,
    budget: BudgetPolicy,
) -> Outcome:
    """Take one allocation out of a blocking booking (the booking keeps at least its window)."""
    allocation = await booking_rows.allocation_by_id(tx.session, principal, allocation_id)
    if allocation is None:
        raise NotFound("No such allocation.")
    booking = await access.booking_for_change(tx, principal, allocation.booking_id, expected_version)
    await _lapsed_guard(tx, booking, now)
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(f"Allocations of a {booking.status.value} booking cannot be removed.")
    await budget.begin(tx, principal, booking.project_id, "removeAllocation", booking.id)
    resource = (allocation.resource_id,)
    touched = [t for t in await booking_rows.touched(tx.session, [booking.id]) if t.resource_id in resource]
    await occupancy.forget_allocations(tx.session, [allocation.id])
    await booking_rows.delete_allocation(tx.session, allocation)
    booking.updated_at = now
    await tx.session.flush()
    await budget.guard(tx, principal, booking, allow_over_budget=False)
    await events.booking_changed(
        tx, booking, "AllocationRemoved", extra_resource_ids=[(t.resource_id, t.kind, t.location_id) for t in touched]
    )
    return Outcome(booking)


@dataclass
class MoveImpact:
    """What a move does (or would do): the new windows, clashes, crew warnings and cost change."""

    booking: Booking
    window: Window
    windows: dict[int, Window]
    allocations: list[Allocation] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)
    # What the clashes' alternatives are searched for, when a client asks (after the transaction).
    sought: Sought | None = None
    warnings: list[str] = field(default_factory=list)
    cost: CostChange | None = None
    applied: bool = False
    # The project's milestones the new windows leave at risk, with why (the plan slice's answer).
    milestones_at_risk: list[tuple[Milestone, Assessment]] = field(default_factory=list)


def plan_windows(booking: Booking, allocations: list[Allocation], new: Window) -> dict[int, Window]:
    """Allocations that span the booking follow its new window; others keep their offset from its start."""
    delta = new.start - booking.start_at
    out = {}
    for a in allocations:
        if a.start_at == booking.start_at and a.end_at == booking.end_at:
            out[a.id] = new
        else:
            out[a.id] = Window(a.start_at + delta, a.end_at + delta)
    return out


async def move_booking(
    tx: Tx, principal: Principal, cmd: MoveBooking, now: datetime, budget: BudgetPolicy
) -> MoveImpact:
    """Move a booking and its allocations to a new window; a dry run only reports the impact."""
    booking = await access.booking_for_change(
        tx, principal, cmd.booking_id, cmd.expected_version, claim=not cmd.dry_run
    )
    if not cmd.dry_run:
        await _lapsed_guard(tx, booking, now)
    if booking.status not in (BookingStatus.HOLD, BookingStatus.CONFIRMED):
        raise InvalidTransition(f"A {booking.status.value} booking cannot be moved.")
    hold_queue.refuse_if_queued(booking, "moved")
    studio = await _studio(tx, principal)
    window = check_window(cmd.start, cmd.end, max_hours=studio.max_booking_hours)
    allocations = await booking_rows.allocations_for_update(tx.session, booking.id)
    windows = plan_windows(booking, allocations, window)
    resources = {
        r.id: r for r in await resource_rows.by_ids(tx.session, principal, sorted({a.resource_id for a in allocations}))
    }
    claims = [
        Claim(resources[a.resource_id], windows[a.id], a.quantity, a.role, a.kit_id, i)
        for i, a in enumerate(allocations)
    ]
    for c in claims:
        if c.window.duration > timedelta(hours=studio.max_booking_hours):
            raise Invalid(f"A window may be at most {studio.max_booking_hours} hours long.", field="end")
    impact = MoveImpact(booking, window, windows, allocations)
    report = await conflicts.check(tx, principal, claims, now, exclude_booking_id=booking.id, writing=not cmd.dry_run)
    if report:
        refusal = conflicts.refuse(principal, report, claims, now)
        if not cmd.dry_run:
            raise refusal
        impact.clashes = refusal.clashes
        impact.sought = refusal.sought
    # A dry run reports even hard-policy breaches as warnings instead of refusing.
    impact.warnings = await crew_rules.check(
        tx, studio, claims, replacing_booking_id=booking.id, hard=None if not cmd.dry_run else False
    )
    # MONEY: the cost change of the move, priced by the money slice (None until it is installed).
    impact.cost = await budget.cost_of_move(tx, principal, booking, windows)
    impact.milestones_at_risk = await plan.booking_moving(tx, principal, booking, window, windows, dry_run=cmd.dry_run)
    if cmd.dry_run:
        return impact
    ids = [a.id for a in allocations]
    # The windows it leaves, so the holds queued behind it there get their turn once it has moved.
    left = await hold_queue.released_spans(tx, booking)
    await occupancy.forget_allocations(tx.session, ids)
    for a in allocations:
        a.start_at, a.end_at = windows[a.id].start, windows[a.id].end
    booking.start_at, booking.end_at = window.start, window.end
    booking.updated_at = now
    await tx.session.flush()
    if booking.status in BLOCKING_STATUSES:
        await conflicts.write(
            tx,
            principal,
            occupancy_rows(booking, claims, allocations),
            now,
        )
    await budget.guard(tx, principal, booking, allow_over_budget=cmd.allow_over_budget)
    await events.booking_changed(tx, booking, "BookingMoved")
    await hold_queue.promote_behind(tx, booking.studio_id, left, now, budget)
    impact.applied = True
    return impact
