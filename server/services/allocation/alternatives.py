"""What to offer instead when a claim clashes: free resources of the same kind and category (rooms
with enough capacity, crew with the skill the role needs) and, for kits, other kits made of the same
kinds of items, all free in the asked window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from db.models import Resource, ResourceKind
from db.repositories import availability as rows
from db.repositories import resources as resource_rows
from server.services.allocation.availability import free_quantities
from server.services.allocation.claims import Claim, has_skill
from server.services.allocation.windows import Window
from server.services.principal import Principal
from server.services.uow import Tx

PER_CLASH = 5
SCAN_LIMIT = 200


async def suggest(
    tx: Tx, principal: Principal, clashed: Sequence[Claim], requested: Sequence[Claim], now: datetime
) -> tuple[list[int], list[int]]:
    """(resource ids, kit ids) that could replace the clashed claims."""
    taken = {c.resource.id for c in requested}
    distinct: dict[int, Claim] = {}
    for claim in clashed:
        distinct.setdefault(claim.resource.id, claim)  # the first claim of each resource
    resource_ids: list[int] = []
    for found in await _resources_like(tx, principal, list(distinct.values()), taken, now):
        resource_ids.extend(rid for rid in found if rid not in resource_ids)
    kit_ids: list[int] = []
    for kit_id in dict.fromkeys(c.kit_id for c in clashed if c.kit_id is not None):
        claim = next(c for c in clashed if c.kit_id == kit_id)
        kit_ids.extend(k for k in await _kits_like(tx, principal, kit_id, claim, taken, now) if k not in kit_ids)
    return resource_ids, kit_ids


def _filter(claim: Claim, taken: set[int]) -> rows.CandidateFilter:
    r = claim.resource
    return rows.CandidateFilter(
        kind=r.kind,
        category=None if r.kind == ResourceKind.CREW and claim.role else r.category,
        exclude_ids=tuple(sorted(taken)),
        min_capacity=r.capacity if r.kind == ResourceKind.ROOM else None,
    )


async def _resources_like(
    tx: Tx, principal: Principal, claims: Sequence[Claim], taken: set[int], now: datetime
) -> list[list[int]]:
    """For each claim, up to PER_CLASH free resources like its own: one candidates read per distinct
    filter and one availability read per distinct window, however many claims clashed."""
    filters = [_filter(c, taken) for c in claims]
    found_by_filter: dict[rows.CandidateFilter, list[Resource]] = {}
    for flt in filters:
        if flt not in found_by_filter:
            found_by_filter[flt] = await rows.candidates(tx.session, principal, flt, SCAN_LIMIT)
    matches: list[list[Resource]] = []
    for claim, flt in zip(claims, filters, strict=True):
        found = found_by_filter[flt]
        r = claim.resource
        if r.kind == ResourceKind.CREW and claim.role:
            found = [c for c in found if has_skill(c, claim.role)]
        elif r.category is None:
            found = [c for c in found if c.category is None]
        matches.append(found)
    free: dict[Window, dict[int, int]] = {}
    for window in dict.fromkeys(c.window for c in claims):
        wanted = {
            r.id: r for claim, found in zip(claims, matches, strict=True) if claim.window == window for r in found
        }
        free[window] = await free_quantities(
            tx.session, principal.studio_id, list(wanted.values()), window, now, postgres=tx.is_postgres
        )
    return [
        [c.id for c in found if free[claim.window].get(c.id, 0) >= claim.quantity][:PER_CLASH]
        for claim, found in zip(claims, matches, strict=True)
    ]


async def _kits_like(
    tx: Tx, principal: Principal, kit_id: int, claim: Claim, taken: set[int], now: datetime
) -> list[int]:
    kits = [k for k in await resource_rows.kits(tx.session, principal) if k.id != kit_id]
    items = await resource_rows.kit_item_ids(tx.session, [kit_id, *(k.id for k in kits)])
    every = await resource_rows.by_ids(tx.session, principal, sorted({i for ids in items.values() for i in ids}))
    by_id = {r.id: r for r in every}
    shape = Counter(by_id[i].category for i in items[kit_id] if i in by_id)
    same = [
        k
        for k in kits
        if Counter(by_id[i].category for i in items[k.id] if i in by_id) == shape
        and not taken & set(items[k.id])
        and all(by_id[i].retired_at is None for i in items[k.id] if i in by_id)
    ]
    if not same:
        return []
    members = [by_id[i] for k in same for i in items[k.id] if i in by_id]
    free = await free_quantities(tx.session, principal.studio_id, members, claim.window, now, postgres=tx.is_postgres)
    return [k.id for k in same if all(free.get(i, 0) >= 1 for i in items[k.id])][:PER_CLASH]
