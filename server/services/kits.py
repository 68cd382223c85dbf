"""Kits: named bundles of specific equipment items ("Camera package A")."""

from __future__ import annotations

from db.models import Kit, ResourceKind
from db.repositories import resources as repo
from server.events.types import RESOURCES, DomainEvent
from server.services import validation as v
from server.services import versions
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx

MAX_KIT_ITEMS = 100


async def create_kit(tx: Tx, principal: Principal, name: str, code: str | None, item_ids: list[int]) -> Kit:
    """Bundle equipment items into a new kit."""
    require(principal, Action.MANAGE_RESOURCES)
    kit = Kit(studio_id=principal.studio_id)
    await _set_name_and_code(tx, principal, kit, name, code)
    tx.session.add(kit)
    await tx.session.flush()
    await _set_items(tx, principal, kit, item_ids)
    tx.emit(DomainEvent(RESOURCES, "KitCreated", {"kitId": kit.id}))
    return kit


async def update_kit(
    tx: Tx,
    principal: Principal,
    kit_id: int,
    name: str | None,
    code: str | None,
    item_ids: list[int] | None,
    expected_version: int | None = None,
) -> Kit:
    """Rename a kit or change its components."""
    require(principal, Action.MANAGE_RESOURCES)
    await versions.claim(tx, Kit, principal.studio_id, kit_id, expected_version)
    kit = await repo.kit(tx.session, principal, kit_id)
    if kit is None:
        raise NotFound("No such kit.")
    if kit.retired_at is not None:
        raise InvalidTransition("A retired kit cannot be changed.")
    await _set_name_and_code(tx, principal, kit, name if name is not None else kit.name, code)
    if item_ids is not None:
        await _set_items(tx, principal, kit, item_ids)
    await tx.session.flush()
    tx.emit(DomainEvent(RESOURCES, "KitUpdated", {"kitId": kit.id}))
    return kit


async def _set_name_and_code(tx: Tx, principal: Principal, kit: Kit, name: str, code: str | None) -> None:
    clean_name = v.required_text(name, "name", max_length=120)
    if await repo.kit_name_taken(tx.session, principal.studio_id, clean_name, kit.id):
        raise Invalid(f"A kit named {clean_name} already exists.", field="name")
    kit.name = clean_name
    if code is not None:
        clean_code = v.text(code, "code", max_length=80, required=False)
        if clean_code and await repo.kit_code_taken(tx.session, principal.studio_id, clean_code, kit.id):
            raise Invalid(f"The kit label {clean_code} is already in use.", field="code")
        if clean_code and await repo.code_taken(tx.session, principal.studio_id, "code", clean_code, None):
            raise Invalid(f"The label {clean_code} is an item's asset tag.", field="code")
        kit.code = clean_code


async def _set_items(tx: Tx, principal: Principal, kit: Kit, item_ids: list[int]) -> None:
    if not item_ids:
        raise Invalid("A kit needs at least one item.", field="itemIds")
    if len(item_ids) > MAX_KIT_ITEMS:
        raise Invalid(f"A kit may hold at most {MAX_KIT_ITEMS} items.", field="itemIds")
    if len(set(item_ids)) != len(item_ids):
        raise Invalid("An item is listed twice.", field="itemIds")
    items = {r.id: r for r in await repo.by_ids(tx.session, principal, item_ids)}
    if len(items) != len(item_ids):
        raise NotFound("One or more items do not exist.")
    for r in items.values():
        if r.kind != ResourceKind.EQUIPMENT:
            raise Invalid(f"{r.name} is not an equipment item.", field="itemIds")
        if r.retired_at is not None:
            raise Invalid(f"{r.name} is retired.", field="itemIds")
    owners = await repo.kit_of_items(tx.session, item_ids)
    taken = [items[rid].name for rid, owner in owners.items() if owner != kit.id]
    if taken:
        raise Invalid(f"Already in another kit: {', '.join(sorted(taken))}.", field="itemIds")
    await repo.replace_kit_items(tx.session, kit.id, item_ids)
