"""Quotes: what adding these allocations would cost, and where it would leave the budget, before asking.

Nothing is booked or checked for availability here; the lines are priced exactly as the estimate
would price them, so a quote and the change it describes agree to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Allocation, Booking, Project, Resource
from db.repositories import bookings as booking_rows
from db.repositories import money as rows
from db.repositories import resources as resource_rows
from server.services import validation as v
from server.services.allocation.commands import AllocationRequest
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.money import estimates
from server.services.permissions import Action, allowed
from server.services.principal import Principal

MAX_ITEMS = 100


@dataclass(frozen=True)
class Quote:
    project: Project
    lines: list[estimates.Line]
    estimate_before_minor: int

    @property
    def total_minor(self) -> int:
        return estimates.total(self.lines)

    @property
    def estimate_after_minor(self) -> int:
        return self.estimate_before_minor + self.total_minor

    @property
    def over_by_minor(self) -> int | None:
        """How far above the approved budget the change would go (None: it fits, or there is no budget)."""
        approved = self.project.approved_budget_minor
        if approved is None or self.total_minor <= 0 or self.estimate_after_minor <= approved:
            return None
        return self.estimate_after_minor - approved


async def quote(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: int | None,
    booking_id: int | None,
    start: datetime | None,
    end: datetime | None,
    requests: Sequence[AllocationRequest],
) -> Quote:
    """Price allocations for a project (a new booking's window) or an existing booking (its window by default)."""
    if not allowed(principal, Action.READ_MONEY):
        raise Forbidden("Your role may not see prices.")
    if (project_id is None) == (booking_id is None):
        raise Invalid("Give exactly one of projectId and bookingId.", field="projectId")
    if not requests or len(requests) > MAX_ITEMS:
        raise Invalid(f"Give between 1 and {MAX_ITEMS} allocations.", field="allocations")
    booking: Booking | None = None
    if booking_id is not None:
        found = await booking_rows.visible_by_ids(session, principal, [booking_id])
        if not found:
            raise NotFound("No such booking.")
        booking = found[0]
        project_id = booking.project_id
        start, end = start or booking.start_at, end or booking.end_at
    projects = await rows.visible_projects(session, principal, [project_id] if project_id is not None else [])
    if not projects:
        raise NotFound("No such project.")
    if start is None or end is None:
        raise Invalid("A quote for a new booking needs its start and end.", field="start")
    v.window(start, end)
    project = projects[0]
    before = await estimates.project_estimate(session, principal, project.id)
    subject = booking or Booking(id=None, project_id=project.id, title="Quote", start_at=start, end_at=end)
    allocations = await _expand(session, principal, requests, start, end)
    book = await estimates.load_book(session, principal, [], with_custody=False)
    book.resources.update({a.resource_id: r for a, r in allocations})
    lines = [
        line for a, _ in allocations for line in estimates.allocation_lines(book, subject, a, a.start_at, a.end_at)
    ]
    return Quote(project, lines, before)


async def _expand(
    session: AsyncSession, principal: Principal, requests: Sequence[AllocationRequest], start: datetime, end: datetime
) -> list[tuple[Allocation, Resource]]:
    """Unsaved allocations for the requests, kits expanded into their items."""
    kit_ids = [r.kit_id for r in requests if r.kit_id is not None]
    kits = {k.id: k for k in await resource_rows.kits_by_ids(session, principal, kit_ids)} if kit_ids else {}
    if len(kits) != len(set(kit_ids)):
        raise NotFound("No such kit.")
    kit_items = await resource_rows.kit_item_ids(session, list(kits)) if kits else {}
    wanted = {r.resource_id for r in requests if r.resource_id is not None}
    wanted |= {i for items in kit_items.values() for i in items}
    found = {r.id: r for r in await resource_rows.by_ids(session, principal, sorted(wanted))}
    out: list[tuple[Allocation, Resource]] = []
    for index, req in enumerate(requests):
        at = f"allocations[{index}]"
        if (req.resource_id is None) == (req.kit_id is None):
            raise Invalid("Give exactly one of resourceId and kitId.", field=f"{at}.resourceId")
        if req.quantity < 1:
            raise Invalid("quantity must be at least 1.", field=f"{at}.quantity")
        a_start, a_end = req.start or start, req.end or end
        v.window(a_start, a_end, field=f"{at}.end")
        ids = kit_items.get(req.kit_id, []) if req.kit_id is not None else [req.resource_id]
        for rid in ids:
            if rid is None or rid not in found:
                raise NotFound("No such resource.")
            allocation = Allocation(
                resource_id=rid, quantity=req.quantity, start_at=a_start, end_at=a_end, role=req.role, kit_id=req.kit_id
            )
            out.append((allocation, found[rid]))
    return out
