"""What to offer instead when a claim clashes: free resources of the same kind and category (rooms
with enough capacity, crew with the skill the role needs) and, for kits, other kits made of the same
kinds of items, all free in the asked window.

A refusal only records what it would search for (`Sought`, plain values that outlive the rolled-back
transaction); the search runs later, in a read session of its own, and only for a client that asks
for the alternatives (`AllocationService.alternatives`). The write transaction never pays for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Kit, Resource, ResourceKind
from db.repositories import availability as rows
from db.repositories import resources as resource_rows
from server.services.allocation.availability import free_quantities
from server.services.allocation.claims import Claim, has_skill
from server.services.allocation.windows import Window
from server.services.principal import Principal

PER_CLASH = 5
SCAN_LIMIT = 200


@dataclass(frozen=True)
class Wanted:
    """What one clashed claim asked for, copied off its resource row (which the rollback expires)."""

    resource_id: int
    kind: ResourceKind
    category: str | None
    capacity: int | None
    role: str | None
    quantity: int
    window: Window
    kit_id: int | None


@dataclass(frozen=True)
class Sought:
    """Everything a refusal needs to suggest alternatives after its transaction has ended."""

    principal: Principal
    clashed: tuple[Wanted, ...]
    taken: frozenset[int]  # every resource of the request: never offered as its own alternative
    now: datetime


@dataclass(frozen=True)
class Suggestions:
    """Resources and kits that could replace the clashed claims, as read for the refused principal."""

    resources: list[Resource]
    kits: list[Kit]


def sought(principal: Principal, clashed: Sequence[Claim], requested: Sequence[Claim], now: datetime) -> Sought:
    """What to search for, taken from the claims while their rows are still loaded."""
    return Sought(
        principal,
        tuple(
            Wanted(
                c.resource.id,
                c.resource.kind,
                c.resource.category,
                c.resource.capacity,
                c.role,
                c.quantity,
                c.window,
                c.kit_id,
            )
            for c in clashed
        ),
        frozenset(c.resource.id for c in requested),
        now,
    )


async def suggest(session: AsyncSession, s: Sought, *, postgres: bool) -> Suggestions:
    """The resources and kits that could replace the clashed claims, as the database is now."""
    distinct: dict[int, Wanted] = {}
    for want in s.clashed:
        distinct.setdefault(want.resource_id, want)  # the first claim of each resource
    resources: dict[int, Resource] = {}
    for found in await _resources_like(session, s, list(distinct.values()), postgres):
        resources.update((r.id, r) for r in found if r.id not in resources)
    kits: dict[int, Kit] = {}
    for kit_id in dict.fromkeys(w.kit_id for w in s.clashed if w.kit_id is not None):
        want = next(w for w in s.clashed if w.kit_id == kit_id)
        kits.update((k.id, k) for k in await _kits_like(session, s, kit_id, want, postgres) if k.id not in kits)
    return Suggestions(list(resources.values()), list(kits.values()))


def _filter(want: Wanted, taken: frozenset[int]) -> rows.CandidateFilter:
    return rows.CandidateFilter(
        kind=want.kind,
        category=None if want.kind == ResourceKind.CREW and want.role else want.category,
        exclude_ids=tuple(sorted(taken)),
        min_capacity=want.capacity if want.kind == ResourceKind.ROOM else None,
    )


async def _resources_like(
    session: AsyncSession, s: Sought, wants: Sequence[Wanted], postgres: bool
) -> list[list[Resource]]:
    """For each claim, up to PER_CLASH free resources like its own: one candidates read per distinct
    filter and one availability read per distinct window, however many claims clashed."""
    filters = [_filter(w, s.taken) for w in wants]
    found_by_filter: dict[rows.CandidateFilter, list[Resource]] = {}
    for flt in filters:
        if flt not in found_by_filter:
            found_by_filter[flt] = await rows.candidates(session, s.principal, flt, SCAN_LIMIT)
    matches: list[list[Resource]] = []
    for want, flt in zip(wants, filters, strict=True):
        found = found_by_filter[flt]
        if want.kind == ResourceKind.CREW and want.role:
            role = want.role
            found = [c for c in found if has_skill(c, role)]
        elif want.category is None:
            found = [c for c in found if c.category is None]
        matches.append(found)
    free: dict[Window, dict[int, int]] = {}
    for window in dict.fromkeys(w.window for w in wants):
        wanted = {r.id: r for want, found in zip(wants, matches, strict=True) if want.window == window for r in found}
        free[window] = await free_quantities(
            session, s.principal.studio_id, list(wanted.values()), window, s.now, postgres=postgres
        )
    return [
        [c for c in found if free[want.window].get(c.id, 0) >= want.quantity][:PER_CLASH]
        for want, found in zip(wants, matches, strict=True)
    ]


async def _kits_like(session: AsyncSession, s: Sought, kit_id: int, want: Wanted, postgres: bool) -> list[Kit]:
    kits = [k for k in await resource_rows.kits(session, s.principal) if k.id != kit_id]
    items = await resource_rows.kit_item_ids(session, [kit_id, *(k.id for k in kits)])
    every = await resource_rows.by_ids(session, s.principal, sorted({i for ids in items.values() for i in ids}))
    by_id = {r.id: r for r in every}
    shape = Counter(by_id[i].category for i in items[kit_id] if i in by_id)
    same = [
        k
        for k in kits
        if Counter(by_id[i].category for i in items[k.id] if i in by_id) == shape
        and not s.taken & set(items[k.id])
        and all(by_id[i].retired_at is None for i in items[k.id] if i in by_id)
    ]
    if not same:
        return []
    members = [by_id[i] for k in same for i in items[k.id] if i in by_id]
    free = await free_quantities(session, s.principal.studio_id, members, want.window, s.now, postgres=postgres)
    return [k for k in same if all(free.get(i, 0) >= 1 for i in items[k.id])][:PER_CLASH]
