"""Client requests and their approval (DESIGN §10).

A request is a booking in status REQUESTED: its allocation rows are written (so the coordinator
sees what was asked for) but it claims nothing, so it never clashes and never blocks anyone.
Approving it runs the checks of `createBooking` on those allocations — conflicts through the
occupancy ledger and its exclusion constraint, crew rules, the budget guard — and either the whole
booking becomes a HOLD or CONFIRMED booking, or nothing changes. Declining keeps the reason for the
client to read.
"""

from __future__ import annotations

from datetime import datetime

from db.models import Booking, BookingStatus, ResourceKind, Role
from db.repositories import bookings as booking_rows
from db.repositories import projects as project_rows
from db.repositories import resources as resource_rows
from db.repositories import templates as template_rows
from db.repositories import tenancy
from server.services import validation as v
from server.services.allocation import access, conflicts, crew_rules, events
from server.services.allocation import claims as claim_rules
from server.services.allocation import queue as hold_queue
from server.services.allocation.bookings import occupancy_rows, touched_resources, write_allocations
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.claims import Claim
from server.services.allocation.commands import ApproveBooking, DeclineBooking, Outcome, RequestBooking
from server.services.allocation.transitions import require_transition
from server.services.allocation.windows import Window, check_window
from server.services.errors import Conflict, Forbidden, InvalidTransition, NotFound
from server.services.permissions import Action, allowed, require
from server.services.plan import bookings as plan
from server.services.principal import Principal
from server.services.uow import Tx

NOTE_LENGTH = 2000


async def request_booking(tx: Tx, principal: Principal, cmd: RequestBooking, now: datetime) -> Outcome:
    """A REQUESTED booking on one of the caller's projects (a client: its client's)."""
    require(principal, Action.REQUEST_BOOKINGS)
    project = await project_rows.get_in_studio(tx.session, principal, cmd.project_id)
    # A client may not learn that another client's project exists.
    if project is None or (principal.role == Role.CLIENT and project.client_id != principal.client_id):
        raise NotFound("No such project.")
    if principal.role == Role.PRODUCER and project.producer_id != principal.user_id:
        raise Forbidden("Producers request on their own projects only.")
    studio = await tenancy.studio(tx.session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    title = v.required_text(cmd.title, "title", max_length=200)
    window = check_window(cmd.start, cmd.end, max_hours=studio.max_booking_hours)
    note = v.text(cmd.note, "note", max_length=NOTE_LENGTH, required=False)
    if cmd.template_id is not None and await template_rows.template(tx.session, principal, cmd.template_id) is None:
        raise NotFound("No such template.")
    claims = await claim_rules.resolve(tx, principal, studio, window, cmd.allocations)
    if not allowed(principal, Action.READ_CATALOGUE) and any(c.resource.kind != ResourceKind.ROOM for c in claims):
        # The client portal sees rooms only; anything else it names does not exist for it.
        raise NotFound("No such resource.")
    booking = await booking_rows.add_booking(
        tx.session,
        Booking(
            studio_id=principal.studio_id,
            project_id=project.id,
            title=title,
            start_at=window.start,
            end_at=window.end,
            status=BookingStatus.REQUESTED,
            request_note=note or None,
            template_id=cmd.template_id,
            created_by_token_id=principal.token_id,
            version=1,
            created_at=now,
            updated_at=now,
        ),
    )
    # Not blocking: the rows say what was asked for and claim nothing.
    rows = await write_allocations(tx, principal, booking, claims, now)
    events.emit(tx, booking, "BookingRequested", touched_resources(claims))
    return Outcome(booking, [r.id for r in rows])


async def approve_booking(
    tx: Tx, principal: Principal, cmd: ApproveBooking, now: datetime, budget: BudgetPolicy
) -> Outcome:
    """REQUESTED -> HOLD or CONFIRMED, through every check a new booking passes, or nothing."""
    require(principal, Action.APPROVE_REQUESTS)
    booking = await access.booking_for_change(tx, principal, cmd.booking_id, cmd.expected_version)
    if booking.status != BookingStatus.REQUESTED:
        raise InvalidTransition(f"Only a REQUESTED booking can be approved; this one is {booking.status.value}.")
    if cmd.status not in (BookingStatus.HOLD, BookingStatus.CONFIRMED):
        raise InvalidTransition("A request is approved as a HOLD or CONFIRMED booking.")
    if principal.role == Role.PRODUCER and cmd.status != BookingStatus.HOLD:
        raise Forbidden("Producers approve requests as holds; a coordinator confirms.")
    project, studio = await access.project_for_booking(tx, principal, booking.project_id)
    await budget.begin(tx, principal, project.id, "approveBooking", booking.id)
    allocations = await booking_rows.allocations_for_update(tx.session, booking.id)
    resources = {
        r.id: r for r in await resource_rows.by_ids(tx.session, principal, sorted({a.resource_id for a in allocations}))
    }
    if len(resources) != len({a.resource_id for a in allocations}):
        raise NotFound("No such resource.")
    claims = [
        Claim(resources[a.resource_id], Window(a.start_at, a.end_at), a.quantity, a.role, a.kit_id, i)
        for i, a in enumerate(allocations)
    ]
    queued = False
    if cmd.queue_if_taken:
        queued = await hold_queue.check_or_queue(tx, principal, cmd.status, claims, now)
    else:
        await conflicts.ensure_free(tx, principal, claims, now)
    warnings = await crew_rules.check(tx, studio, claims, replacing_booking_id=booking.id)
    booking.status = cmd.status
    booking.updated_at = now
    await tx.session.flush()
    if queued:
        # Approved into the line behind the bookings holding the slot: it claims nothing yet.
        await hold_queue.join(tx, principal, booking)
    else:
        try:
            await conflicts.write(tx, principal, occupancy_rows(booking, claims, allocations), now)
        except Conflict:
            if not cmd.queue_if_taken:
                raise
            await hold_queue.join_after_race(tx, principal, booking, claims, now)
    # The tasks of the template the request asked for, as createBooking makes them (assigned to the
    # crew the approved booking now holds).
    warnings += await plan.booking_created(tx, principal, booking, booking.template_id)
    await budget.guard(tx, principal, booking, allow_over_budget=cmd.allow_over_budget)
    events.emit(tx, booking, "BookingApproved", touched_resources(claims))
    return Outcome(booking, [a.id for a in allocations], warnings)


async def decline_booking(tx: Tx, principal: Principal, cmd: DeclineBooking, now: datetime) -> Outcome:
    """REQUESTED -> DECLINED, with the reason the client will read."""
    require(principal, Action.APPROVE_REQUESTS)
    reason = v.required_text(cmd.reason, "reason", max_length=NOTE_LENGTH)
    booking = await access.booking_for_change(tx, principal, cmd.booking_id, cmd.expected_version)
    if booking.status != BookingStatus.REQUESTED:
        raise InvalidTransition(f"Only a REQUESTED booking can be declined; this one is {booking.status.value}.")
    require_transition(booking, BookingStatus.DECLINED)
    booking.status = BookingStatus.DECLINED
    booking.decline_reason = reason
    booking.updated_at = now
    await tx.session.flush()
    await events.booking_changed(tx, booking, "BookingDeclined")
    return Outcome(booking)
