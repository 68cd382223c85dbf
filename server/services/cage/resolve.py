"""Find what a scanned code names in the caller's studio: one equipment item, or a kit by its label."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Kit, Resource
from db.repositories import cage as repo
from server.services.cage.codes import ScannedCode
from server.services.errors import NotFound
from server.services.principal import Principal


def best_match(scanned: ScannedCode, rows: list[Resource]) -> Resource | None:
    """The item a code names: an exact asset tag first, then the EPC as read, then the same identity."""
    if not rows:
        return None
    tag_rank = {t: i for i, t in enumerate(scanned.tags)}
    epc_rank = {e: i for i, e in enumerate(scanned.epcs)}

    def rank(r: Resource) -> tuple[int, int, int]:
        if r.code is not None and r.code in tag_rank:
            return (0, tag_rank[r.code], r.id)
        if r.epc is not None and r.epc in epc_rank:
            return (1, epc_rank[r.epc], r.id)
        return (2, 0, r.id)

    return min(rows, key=rank)


async def resolve(session: AsyncSession, principal: Principal, scanned: ScannedCode) -> Resource | Kit:
    """The item or kit the code names; NotFound for codes unknown here (including other studios' codes)."""
    item = best_match(scanned, await repo.equipment_matching(session, principal, scanned.tags, scanned.epcs))
    if item is not None:
        return item
    kits = await repo.kits_matching(session, principal, scanned.tags)
    if kits:
        return kits[0]
    raise NotFound(f"Unknown code {scanned.label}: no item or kit of this studio carries it.")


async def resolve_item(session: AsyncSession, principal: Principal, scanned: ScannedCode) -> Resource | None:
    """The item a code names, or None (kit labels and unknown codes name no item)."""
    return best_match(scanned, await repo.equipment_matching(session, principal, scanned.tags, scanned.epcs))
