"""Who is free when: `availability` for a window, `next_free_windows` for one resource, and the
free checks that alternatives reuse.

A unit resource is free for [start, end) when no active, unlapsed claim overlaps its buffered window
`[start - setup, end + teardown)`. A stock pool's free quantity is its size minus the peak of the
overlapping (buffered) uses over the whole window. Equipment that is missing, in maintenance, or
checked out and not due back before the window starts is not offered either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import POOL_KINDS, CustodyState, Resource, ResourceKind
from db.repositories import availability as rows
from db.repositories import occupancy, tenancy
from db.repositories import resources as resource_rows
from server.services.allocation.sweep import busy_spans, free_windows, peak
from server.services.allocation.windows import Window, check_window
from server.services.errors import Invalid, NotFound
from server.services.permissions import Action, allowed
from server.services.principal import Principal

MAX_RESULTS = 2000
MAX_BUFFER = timedelta(minutes=24 * 60)  # resources' buffers are capped at a day
MAX_SEARCH = timedelta(days=62)
MAX_FREE_WINDOWS = 50


@dataclass(frozen=True)
class AvailabilityQuery:
    start: datetime
    end: datetime
    kind: ResourceKind | None = None
    category: str | None = None
    skills: tuple[str, ...] = ()
    location_id: int | None = None
    quantity: int = 1


async def available(
    session: AsyncSession, principal: Principal | None, q: AvailabilityQuery, now: datetime, *, postgres: bool
) -> list[tuple[Resource, int]]:
    """Resources free for the whole window, each with the quantity free (1 for unit resources); the
    client portal is shown rooms only (its read scope)."""
    if principal is None or not allowed(principal, Action.READ_ROOMS):
        return []
    if not allowed(principal, Action.READ_CATALOGUE):
        # Rooms only: never crew, gear or stock.
        if q.kind not in (None, ResourceKind.ROOM):
            return []
        q = replace(q, kind=ResourceKind.ROOM)
    studio = await tenancy.studio(session, principal)
    assert studio is not None
    window = check_window(q.start, q.end, max_hours=studio.max_booking_hours)
    if q.quantity < 1:
        raise Invalid("quantity must be at least 1.", field="quantity")
    if q.location_id is not None and await tenancy.location(session, principal, q.location_id) is None:
        raise NotFound("No such location.")
    flt = rows.CandidateFilter(kind=q.kind, category=q.category, location_id=q.location_id)
    found = await rows.candidates(session, principal, flt, MAX_RESULTS)
    if q.skills:
        wanted = {s.strip().lower() for s in q.skills}
        found = [r for r in found if wanted <= {s.lower() for s in r.skills or []}]
    if q.quantity > 1:
        found = [r for r in found if r.kind in POOL_KINDS and r.quantity >= q.quantity]
    free = await free_quantities(session, principal.studio_id, found, window, now, postgres=postgres)
    return [(r, free[r.id]) for r in found if free.get(r.id, 0) >= q.quantity]


async def free_quantities(
    session: AsyncSession,
    studio_id: int,
    resources: Sequence[Resource],
    window: Window,
    now: datetime,
    *,
    postgres: bool,
    exclude_booking_id: int | None = None,
) -> dict[int, int]:
    """How many units of each resource are free for the whole window (0 or 1 for unit resources)."""
    units = [r for r in resources if r.kind not in POOL_KINDS]
    pools = [r for r in resources if r.kind in POOL_KINDS]
    out: dict[int, int] = {}
    if units:
        # Scan only as wide as the largest buffers among these resources: every buffered window
        # below lies inside it, and the hot resources of a busy day carry many claims within a day.
        wide = window.buffered(max(r.setup_minutes for r in units), max(r.teardown_minutes for r in units))
        claims = await rows.busy(
            session, studio_id, [r.id for r in units], wide.start, wide.end, now, postgres=postgres
        )
        by_resource: dict[int, list[Window]] = {}
        for rid, s, e in claims:
            by_resource.setdefault(rid, []).append(Window(s, e))
        away = await rows.out_of_service(session, studio_id, [r.id for r in units if r.kind == ResourceKind.EQUIPMENT])
        for r in units:
            mine = window.buffered(r.setup_minutes, r.teardown_minutes)
            taken = any(w.overlaps(mine) for w in by_resource.get(r.id, ()))
            out[r.id] = 0 if taken or _away(away.get(r.id), window, now) else 1
    if pools:
        out.update(await _pool_free(session, studio_id, pools, window, now, exclude_booking_id))
    return out


async def _pool_free(
    session: AsyncSession,
    studio_id: int,
    pools: Sequence[Resource],
    window: Window,
    now: datetime,
    exclude_booking_id: int | None,
) -> dict[int, int]:
    wanted = [(p.id, *_widened(p, window)) for p in pools]
    uses = await occupancy.pool_uses(session, studio_id, wanted, now, exclude_booking_id=exclude_booking_id)
    out = {}
    for p in pools:
        mine = window.buffered(p.setup_minutes, p.teardown_minutes)
        spans = [
            (Window(u.start, u.end).buffered(p.setup_minutes, p.teardown_minutes), u.quantity)
            for u in uses
            if u.resource_id == p.id
        ]
        out[p.id] = max(0, p.quantity - peak(spans, mine))
    return out


def _widened(pool: Resource, window: Window) -> tuple[datetime, datetime]:
    # Uses whose buffered window meets ours: widen by both buffers on each side.
    pad_before = timedelta(minutes=pool.setup_minutes + pool.teardown_minutes)
    return window.start - pad_before, window.end + pad_before


def _away(state: tuple[CustodyState | None, datetime | None] | None, window: Window, now: datetime) -> bool:
    """Whether an item's custody keeps it from a window (missing, in repair, or not back in time)."""
    if state is None:
        return False
    custody, due = state
    if custody in (CustodyState.MISSING, CustodyState.MAINTENANCE):
        return window.end > now
    if custody == CustodyState.CHECKED_OUT:
        # Out and overdue: it occupies the item until it is returned, whenever that is.
        back = due if due is not None and due > now else None
        return back is None or window.start < back
    return custody == CustodyState.RETIRED


async def next_free_windows(
    session: AsyncSession,
    principal: Principal | None,
    resource_id: int,
    duration_minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    postgres: bool,
    quantity: int = 1,
    limit: int = 10,
) -> list[Window]:
    """Spans in [start, end) where the resource is free for `duration_minutes` (with its buffers)."""
    if principal is None or not allowed(principal, Action.READ_CATALOGUE):
        return []
    if duration_minutes < 1 or duration_minutes > 14 * 24 * 60:
        raise Invalid("duration must be between 1 minute and 14 days.", field="duration")
    if not 1 <= limit <= MAX_FREE_WINDOWS:
        raise Invalid(f"first must be between 1 and {MAX_FREE_WINDOWS}.", field="first")
    frame = check_window(start, end, max_hours=int(MAX_SEARCH.total_seconds() // 3600), field="until")
    resource = await resource_rows.get(session, principal, resource_id)
    if resource is None:
        raise NotFound("No such resource.")
    if resource.retired_at is not None:
        return []
    if quantity < 1 or quantity > resource.quantity:
        raise Invalid(f"quantity must be between 1 and {resource.quantity}.", field="quantity")
    wide = Window(frame.start - MAX_BUFFER * 2, frame.end + MAX_BUFFER * 2)
    if resource.kind in POOL_KINDS:
        uses = await occupancy.pool_uses(session, principal.studio_id, [(resource.id, wide.start, wide.end)], now)
        spans = [
            (Window(u.start, u.end).buffered(resource.setup_minutes, resource.teardown_minutes), u.quantity)
            for u in uses
        ]
        busy = busy_spans(spans, resource.quantity, quantity)
    else:
        claims = await rows.busy(
            session, principal.studio_id, [resource.id], wide.start, wide.end, now, postgres=postgres
        )
        busy = busy_spans([(Window(s, e), 1) for _, s, e in claims], 1, 1)
    spans_free = free_windows(
        busy, frame, duration_minutes * 60, resource.setup_minutes * 60, resource.teardown_minutes * 60
    )
    return spans_free[:limit]
