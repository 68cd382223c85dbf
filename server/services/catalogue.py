"""The catalogue's entry points: who may list resources, kits and locations, and changes to them,
each in its own transaction."""

from __future__ import annotations

from db.models import Kit, Location, Resource, ResourceKind
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from db.repositories.resources import ResourceFilter
from server.services import kits as kit_rules
from server.services import resources as resource_rules
from server.services.permissions import Action, allowed
from server.services.principal import Principal
from server.services.resources import ResourceFields
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


async def create_resource(
    uow: UnitOfWork, principal: Principal, kind: ResourceKind, fields: ResourceFields
) -> Resource:
    """A new room, item, stock pool or crew member."""
    return await uow.run_as(principal, lambda tx: resource_rules.create_resource(tx, principal, kind, fields))


async def update_resource(
    uow: UnitOfWork, principal: Principal, resource_id: int, fields: ResourceFields, expected_version: int | None = None
) -> Resource:
    """Change a resource's given fields."""
    return await uow.run_as(
        principal, lambda tx: resource_rules.update_resource(tx, principal, resource_id, fields, expected_version)
    )


async def retire_resource(
    uow: UnitOfWork, principal: Principal, resource_id: int, expected_version: int | None = None
) -> Resource:
    """Take a resource out of service for good."""
    return await uow.run_as(
        principal, lambda tx: resource_rules.retire_resource(tx, principal, resource_id, expected_version)
    )


async def create_kit(uow: UnitOfWork, principal: Principal, name: str, code: str | None, item_ids: list[int]) -> Kit:
    """A new kit of equipment items."""
    return await uow.run_as(principal, lambda tx: kit_rules.create_kit(tx, principal, name, code, item_ids))


async def update_kit(
    uow: UnitOfWork,
    principal: Principal,
    kit_id: int,
    name: str | None,
    code: str | None,
    item_ids: list[int] | None,
    expected_version: int | None = None,
) -> Kit:
    """Change a kit's name, label or items."""
    return await uow.run_as(
        principal, lambda tx: kit_rules.update_kit(tx, principal, kit_id, name, code, item_ids, expected_version)
    )
