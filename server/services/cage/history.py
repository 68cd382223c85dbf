"""Reads of the cage: an item by its code, and an item's history (custody periods and every scan).

Readers need `READ_CATALOGUE`; a scanner reads only the gear whose home is its location. Anything
the caller may not read comes back as nothing, never as an error that would confirm it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Resource, ResourceKind, Role
from db.repositories import cage as repo
from db.repositories import resources
from server.services.cage.codes import parse_code
from server.services.cage.resolve import resolve_item
from server.services.errors import DomainError
from server.services.permissions import Action, allowed
from server.services.principal import Principal
from server.services.uow import UnitOfWork

MAX_HISTORY = 200


def _readable(principal: Principal | None, item: Resource | None) -> bool:
    if principal is None or item is None or not allowed(principal, Action.READ_CATALOGUE):
        return False
    if item.kind != ResourceKind.EQUIPMENT:
        return False
    return principal.role != Role.SCANNER or item.location_id == principal.location_id


async def asset_by_code(uow: UnitOfWork, principal: Principal | None, code: str) -> Resource | None:
    """The item a scanned code names, if the caller may read it."""
    if principal is None or not allowed(principal, Action.READ_CATALOGUE):
        return None
    try:
        scanned = parse_code(code)
    except DomainError:
        return None
    async with uow.read() as session:
        item = await resolve_item(session, principal, scanned)
    return item if _readable(principal, item) else None


@dataclass(frozen=True)
class AssetHistory:
    item: Resource
    custody: list[repo.CustodyLine]  # newest first
    scans: list[repo.ScanLine]  # newest first


async def asset_history(
    uow: UnitOfWork, principal: Principal | None, resource_id: int, limit: int = 50
) -> AssetHistory | None:
    """Who had the item, when, for which booking, in what condition, and every scan of it by which device."""
    if principal is None:
        return None
    size = max(1, min(limit, MAX_HISTORY))
    async with uow.read() as session:
        item = await resources.get(session, principal, resource_id)
        if not _readable(principal, item):
            return None
        assert item is not None
        custody = await repo.custody_history(session, principal, item.id, size)
        scans = await repo.scan_history(session, principal, item.id, size)
    return AssetHistory(item=item, custody=custody, scans=scans)
