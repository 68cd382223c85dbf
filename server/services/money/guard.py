"""The budget guard, run inside the allocation engine's transactions (installed into its hooks).

Every change that may move a project's estimate first calls `begin`: it locks the project row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite writers already hold the database lock) and notes the
estimate. After the change has written its rows, `check` computes the estimate again from the same
transaction. A change that raises the estimate above the approved budget is refused with
`BudgetExceeded` (rolling the whole change back) unless the caller may approve overruns and asked
to; every change of the estimate is recorded as a scope change. Two requests that each fit the
budget but not together queue on the project lock, and the second one sees the first.

A project without an approved budget has nothing to exceed; its scope changes are still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Booking, ScopeChange
from db.repositories import money as rows
from server.events.types import BOOKINGS, DomainEvent
from server.services.allocation import budget as hooks
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
    """A project's estimate before the change, and what the change is."""

    estimate_minor: int
    reason: str


def _snapshots(tx: Tx) -> dict[int, Snapshot]:
    # Per transaction: the session lives exactly as long as the unit of work.
    return tx.session.info.setdefault(_SNAPSHOTS, {})


async def begin(tx: Tx, principal: Principal, project_id: int, operation: str) -> None:
    """Lock the project and note its estimate before a change (named by its operation) that may move it."""
    snapshots = _snapshots(tx)
    if project_id in snapshots:
        return
    project = await rows.lock_project(tx.session, principal, project_id)
    if project is None:
        raise NotFound("No such project.")
    snapshots[project_id] = Snapshot(await estimates.project_estimate(tx.session, principal, project_id), operation)


async def check(tx: Tx, principal: Principal, booking: Booking, allow_over_budget: bool) -> ScopeChange | None:
    """Refuse a change that takes the estimate over budget without an approved overrun; record the change."""
    await tx.session.flush()
    project = await rows.lock_project(tx.session, principal, booking.project_id)
    if project is None:
        raise NotFound("No such project.")
    after = await estimates.project_estimate(tx.session, principal, project.id)
    snapshot = _snapshots(tx).get(project.id)
    # Without a snapshot the change is unknown: judge it by where it leaves the estimate.
    before = snapshot.estimate_minor if snapshot is not None else None
    delta = after - before if before is not None else 0
    approved = project.approved_budget_minor
    over = approved is not None and after > approved and (before is None or delta > 0)
    may_approve = allowed(principal, Action.APPROVE_OVERRUN)
    if over and not (allow_over_budget and may_approve):
        assert approved is not None
        over_by = after - approved
        amount = f"{from_minor(over_by, project.currency)} {project.currency}"
        if may_approve:
            message = f"This change is {amount} over the approved budget; pass allowOverBudget to approve it."
        else:
            message = f"This change is {amount} over the approved budget, and your role may not approve overruns."
        raise BudgetExceeded(message, over_by, project.currency)
    _snapshots(tx)[project.id] = Snapshot(after, snapshot.reason if snapshot else "booking change")
    if delta == 0:
        return None
    reason = f"{snapshot.reason if snapshot else 'booking change'}: {booking.title}"
    change = ScopeChange(
        studio_id=project.studio_id,
        project_id=project.id,
        booking_id=booking.id,
        delta_minor=delta,
        over_budget=over,
        reason=reason[:500],
        actor=principal.actor,
    )
    await rows.add(tx.session, change)
    tx.emit(DomainEvent(BOOKINGS, "ScopeChanged", {"projectId": project.id, "bookingId": booking.id}))
    return change


async def cost_of_move(
    tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]
) -> hooks.CostChange | None:
    """The project's estimate now and with this booking's allocations in the new windows."""
    await begin(tx, principal, booking.project_id, "moveBooking")
    project = await rows.lock_project(tx.session, principal, booking.project_id)
    if project is None:
        return None
    before = _snapshots(tx)[project.id].estimate_minor
    book = await estimates.load_book(tx.session, principal, [booking], with_custody=False)
    now_minor = estimates.total(estimates.planned_lines(book, booking))
    moved = []
    for a in book.allocations.get(booking.id, []):
        window = windows.get(a.id, Window(a.start_at, a.end_at))
        moved.extend(estimates.allocation_lines(book, booking, a, window.start, window.end, rate_at=window.start))
    counted = booking.status in estimates.ESTIMATE_STATUSES
    after = before - now_minor + estimates.total(moved) if counted else before
    return hooks.CostChange(before_minor=before, after_minor=after, currency=project.currency)


async def _guard_hook(tx: Tx, principal: Principal, booking: Booking, allow_over_budget: bool) -> None:
    await check(tx, principal, booking, allow_over_budget)


hooks.install(begin=begin, guard=_guard_hook, cost_of_move=cost_of_move)
