"""The budget guard: the `BudgetPolicy` the allocation engine is given, run inside its transactions.

Every booking change that may move a project's estimate first calls `begin`, which notes what the
booking adds to the estimate (nothing, for a booking about to be created). After the change has
written its rows, `check` prices the booking again in the same transaction: the difference is the
change's delta, recorded as a scope change. A change that raises the estimate then locks the
project row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite writers already hold the database lock)
and prices the whole project afresh: above the approved budget it is refused with `BudgetExceeded`,
rolling the whole change back, unless the caller may approve overruns and asked to. Two requests
that each fit the budget but not together queue on that lock, and the second one, pricing after
the first has committed, sees it. The lock is held only from the check to COMMIT, and changes that
lower or keep the estimate never take it.

A project without an approved budget has nothing to exceed; its scope changes are still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Booking, ScopeChange
from db.repositories import bookings as booking_rows
from db.repositories import money as rows
from db.repositories import projects as project_rows
from server.events.types import BOOKINGS, DomainEvent
from server.services.allocation.budget import CostChange
from server.services.allocation.windows import Window
from server.services.currency import from_minor
from server.services.errors import BudgetExceeded, NotFound
from server.services.money import estimates
from server.services.permissions import Action, allowed
from server.services.principal import Principal
from server.services.uow import Tx

_SNAPSHOTS = "money.guard.snapshots"


@dataclass
class Snapshot:
    """What a booking added to the estimate before the change, and what the change is."""

    booking_minor: int
    operation: str


def _snapshots(tx: Tx) -> dict[int | None, Snapshot]:
    # Per transaction: the session lives exactly as long as the unit of work. Key None: a new booking.
    return tx.session.info.setdefault(_SNAPSHOTS, {})


async def begin(tx: Tx, principal: Principal, project_id: int, operation: str, booking_id: int | None) -> None:
    """Note what the booking adds to the estimate before a change (named by its operation)."""
    snapshots = _snapshots(tx)
    if booking_id in snapshots:
        return
    before = 0
    if booking_id is not None:
        booking = await booking_rows.in_studio(tx.session, principal, booking_id)
        if booking is None or booking.project_id != project_id:
            raise NotFound("No such booking.")
        before = await estimates.booking_estimate(tx.session, principal, booking)
    snapshots[booking_id] = Snapshot(before, operation)


async def check(tx: Tx, principal: Principal, booking: Booking, allow_over_budget: bool) -> ScopeChange | None:
    """Refuse a change that takes the estimate over budget without an approved overrun; record the change."""
    await tx.session.flush()
    snapshots = _snapshots(tx)
    snapshot = snapshots.pop(booking.id, None)
    created = snapshot is None and None in snapshots
    if created:
        snapshot = snapshots.pop(None)
        now_minor = await estimates.created_booking_estimate(tx.session, principal, booking)
    else:
        now_minor = await estimates.booking_estimate(tx.session, principal, booking)
    operation = snapshot.operation if snapshot is not None else "booking change"
    # Without a snapshot the change is unknown: judge it by where it leaves the estimate.
    delta = now_minor - snapshot.booking_minor if snapshot is not None else None
    snapshots[booking.id] = Snapshot(now_minor, operation)  # a later change in this transaction starts here
    if delta == 0:
        return None
    over = False
    if delta is None or delta > 0:
        over = await _refuse_overrun(tx, principal, booking, allow_over_budget)
    if delta is None:
        return None
    change = ScopeChange(
        studio_id=booking.studio_id,
        project_id=booking.project_id,
        booking_id=booking.id,
        delta_minor=delta,
        over_budget=over,
        reason=f"{operation}: {booking.title}"[:500],
        actor=principal.actor,
    )
    await rows.add(tx.session, change)
    tx.emit(DomainEvent(BOOKINGS, "ScopeChanged", {"projectId": booking.project_id, "bookingId": booking.id}))
    return change


async def _refuse_overrun(tx: Tx, principal: Principal, booking: Booking, allow_over_budget: bool) -> bool:
    """Lock the project and price it afresh; refuse an unapproved overrun; whether it is over budget."""
    project = await rows.lock_project(tx.session, principal, booking.project_id)
    if project is None:
        raise NotFound("No such project.")
    approved = project.approved_budget_minor
    if approved is None:
        return False
    after = await estimates.project_estimate(tx.session, principal, project.id)
    if after <= approved:
        return False
    may_approve = allowed(principal, Action.APPROVE_OVERRUN)
    if allow_over_budget and may_approve:
        return True
    over_by = after - approved
    amount = f"{from_minor(over_by, project.currency)} {project.currency}"
    if may_approve:
        message = f"This change is {amount} over the approved budget; pass allowOverBudget to approve it."
    else:
        message = f"This change is {amount} over the approved budget, and your role may not approve overruns."
    raise BudgetExceeded(message, over_by, project.currency)


async def cost_of_move(tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]) -> CostChange | None:
    """What the booking adds to the estimate now and with its allocations in the new windows."""
    await begin(tx, principal, booking.project_id, "moveBooking", booking.id)
    before = _snapshots(tx)[booking.id].booking_minor
    book = await estimates.load_book(tx.session, principal, [booking], with_custody=False)
    moved = []
    for a in book.allocations.get(booking.id, []):
        window = windows.get(a.id, Window(a.start_at, a.end_at))
        moved.extend(estimates.allocation_lines(book, booking, a, window.start, window.end, rate_at=window.start))
    after = estimates.total(moved) if booking.status in estimates.ESTIMATE_STATUSES else 0
    project = await project_rows.get_in_studio(tx.session, principal, booking.project_id)
    if project is None:
        raise NotFound("No such project.")
    return CostChange(before_minor=before, after_minor=after, currency=project.currency)


class BudgetGuard:
    """The money slice's `BudgetPolicy`: scope changes recorded, unapproved overruns refused."""

    async def begin(
        self, tx: Tx, principal: Principal, project_id: int, operation: str, booking_id: int | None = None
    ) -> None:
        await begin(tx, principal, project_id, operation, booking_id)

    async def guard(self, tx: Tx, principal: Principal, booking: Booking, *, allow_over_budget: bool) -> None:
        await check(tx, principal, booking, allow_over_budget)

    async def cost_of_move(
        self, tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]
    ) -> CostChange | None:
        return await cost_of_move(tx, principal, booking, windows)
