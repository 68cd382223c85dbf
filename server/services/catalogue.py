"""Reading the catalogue: who may list resources, kits and locations, and what they get."""

from __future__ import annotations

from db.models import Kit, Location, Resource
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from db.repositories.resources import ResourceFilter
from server.services.permissions import Action, allowed
from server.services.principal import Principal
from server.services.uow import UnitOfWork


async def locations(uow: UnitOfWork, principal: Principal) -> list[Location]:
    """The studio's locations (every role: devices need their own location's name)."""
    async with uow.read() as session:
        return await tenancy.locations(session, principal)


async def resource_page(
    uow: UnitOfWork, principal: Principal, flt: ResourceFilter, *, first: int, after_id: int | None
) -> tuple[list[Resource], bool]:
    """One page of resources, or nothing for roles that may not read the catalogue."""
    if not allowed(principal, Action.READ_CATALOGUE):
        return [], False
    async with uow.read() as session:
        return await resource_rows.page(session, principal, flt, first=first, after_id=after_id)


async def kits(uow: UnitOfWork, principal: Principal) -> list[Kit]:
    """The studio's kits, or nothing for roles that may not read the catalogue."""
    if not allowed(principal, Action.READ_CATALOGUE):
        return []
    async with uow.read() as session:
        return await resource_rows.kits(session, principal)
