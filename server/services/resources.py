"""The resource catalogue: create, update and retire rooms, equipment, stock pools and crew."""

from __future__ import annotations

import re
from dataclasses import dataclass

from db.models import POOL_KINDS, CustodyState, Resource, ResourceKind
from db.repositories import resources as repo
from db.repositories import tenancy
from db.types import utcnow
from server.events.types import AVAILABILITY, RESOURCES, DomainEvent, assets_topic, rooms_topic
from server.services import validation as v
from server.services import versions
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx

EPC_HEX = re.compile(r"^[0-9A-F]{8,64}$")
MAX_BUFFER_MINUTES = 24 * 60


@dataclass(frozen=True)
class ResourceFields:
    """What a client may set on a resource; None leaves a field as it is on update."""

    name: str | None = None
    category: str | None = None
    location_id: int | None = None
    code: str | None = None
    epc: str | None = None
    quantity: int | None = None
    skills: list[str] | None = None
    setup_minutes: int | None = None
    teardown_minutes: int | None = None
    capacity: int | None = None
    unit: str | None = None
    model: str | None = None
    serial_number: str | None = None
    weekly_hour_cap: int | None = None
    min_rest_minutes: int | None = None
    email: str | None = None


def normalise_epc(epc: str) -> str:
    """EPCs are stored as upper-case hex without separators."""
    return epc.replace(" ", "").replace(":", "").replace("-", "").upper()


async def create_resource(tx: Tx, principal: Principal, kind: ResourceKind, fields: ResourceFields) -> Resource:
    """Add a resource of any kind to the principal's studio."""
    require(principal, Action.MANAGE_RESOURCES)
    if fields.name is None:
        raise Invalid("name is required.", field="name")
    resource = Resource(
        studio_id=principal.studio_id,
        kind=kind,
        custody=CustodyState.IN_CAGE if kind == ResourceKind.EQUIPMENT else None,
        quantity=1,
        setup_minutes=0,
        teardown_minutes=0,
        features=[],
        accessories=[],
        skills=[],
    )
    await _apply(tx, principal, resource, fields)
    tx.session.add(resource)
    await tx.session.flush()
    _emit_changed(tx, resource, "ResourceCreated")
    return resource


async def update_resource(
    tx: Tx, principal: Principal, resource_id: int, fields: ResourceFields, expected_version: int | None = None
) -> Resource:
    """Change a resource's descriptive fields; the kind never changes."""
    require(principal, Action.MANAGE_RESOURCES)
    await versions.claim(tx, Resource, principal.studio_id, resource_id, expected_version)
    resource = await repo.get_for_update(tx.session, principal, resource_id)
    if resource is None:
        raise NotFound("No such resource.")
    if resource.retired_at is not None:
        raise InvalidTransition("A retired resource cannot be changed.")
    await _apply(tx, principal, resource, fields)
    await tx.session.flush()
    _emit_changed(tx, resource, "ResourceUpdated")
    return resource


async def retire_resource(
    tx: Tx, principal: Principal, resource_id: int, expected_version: int | None = None
) -> Resource:
    """Take a resource out of service for good; refused while it still has upcoming claims or is out."""
    require(principal, Action.MANAGE_RESOURCES)
    await versions.claim(tx, Resource, principal.studio_id, resource_id, expected_version)
    resource = await repo.get_for_update(tx.session, principal, resource_id)
    if resource is None:
        raise NotFound("No such resource.")
    if resource.retired_at is not None:
        raise InvalidTransition("The resource is already retired.")
    now = utcnow()
    upcoming = await repo.active_claims_after(tx.session, resource.id, now)
    if upcoming:
        raise InvalidTransition(f"The resource still has {upcoming} upcoming booking(s) or block(s).")
    if resource.custody == CustodyState.CHECKED_OUT:
        raise InvalidTransition("The item is checked out; return it before retiring it.")
    resource.retired_at = now
    if resource.kind == ResourceKind.EQUIPMENT:
        resource.custody = CustodyState.RETIRED
    await tx.session.flush()
    _emit_changed(tx, resource, "ResourceRetired")
    return resource


async def _apply(tx: Tx, principal: Principal, r: Resource, f: ResourceFields) -> None:
    kind = r.kind
    if f.name is not None:
        r.name = v.required_text(f.name, "name", max_length=120)
    if f.category is not None:
        r.category = v.text(f.category, "category", max_length=80, required=False)
    if f.location_id is not None:
        if await tenancy.location(tx.session, principal, f.location_id) is None:
            raise NotFound("No such location.")
        r.location_id = f.location_id
    if f.quantity is not None:
        if f.quantity < 1 or f.quantity > 1_000_000:
            raise Invalid("quantity must be between 1 and 1000000.", field="quantity")
        if kind not in POOL_KINDS and f.quantity != 1:
            raise Invalid("Only stock and storage pools have a quantity other than 1.", field="quantity")
        r.quantity = f.quantity
    for name in ("setup_minutes", "teardown_minutes"):
        value = getattr(f, name)
        if value is not None:
            v.int_range(value, _camel(name), low=0, high=MAX_BUFFER_MINUTES)
            setattr(r, name, value)
    if f.code is not None:
        _only(kind, ResourceKind.EQUIPMENT, "code")
        code = v.required_text(f.code, "code", max_length=80)
        if await repo.code_taken(tx.session, principal.studio_id, "code", code, r.id):
            raise Invalid(f"The asset tag {code} is already in use.", field="code")
        r.code = code
    if f.epc is not None:
        _only(kind, ResourceKind.EQUIPMENT, "epc")
        epc = normalise_epc(f.epc)
        if not EPC_HEX.match(epc) or len(epc) % 2:
            raise Invalid("epc must be 8 to 64 hex digits (whole bytes).", field="epc")
        if await repo.code_taken(tx.session, principal.studio_id, "epc", epc, r.id):
            raise Invalid("That EPC is already in use.", field="epc")
        r.epc = epc
    if f.skills is not None:
        _only(kind, ResourceKind.CREW, "skills")
        r.skills = v.unique_list(f.skills, "skills", max_items=50, max_length=80)
    if f.capacity is not None:
        _only(kind, ResourceKind.ROOM, "capacity")
        r.capacity = v.int_range(f.capacity, "capacity", low=0, high=10_000)
    if f.unit is not None:
        _only(kind, ResourceKind.STOCK, "unit")
        r.unit = v.text(f.unit, "unit", max_length=24, required=False)
    if f.model is not None:
        _only(kind, ResourceKind.EQUIPMENT, "model")
        r.model = v.text(f.model, "model", max_length=120, required=False)
    if f.serial_number is not None:
        _only(kind, ResourceKind.EQUIPMENT, "serialNumber")
        r.serial_number = v.text(f.serial_number, "serialNumber", max_length=80, required=False)
    if f.weekly_hour_cap is not None:
        _only(kind, ResourceKind.CREW, "weeklyHourCap")
        r.weekly_hour_cap = v.int_range(f.weekly_hour_cap, "weeklyHourCap", low=1, high=168)
    if f.min_rest_minutes is not None:
        _only(kind, ResourceKind.CREW, "minRestMinutes")
        r.min_rest_minutes = v.int_range(f.min_rest_minutes, "minRestMinutes", low=0, high=48 * 60)
    if f.email is not None:
        _only(kind, ResourceKind.CREW, "email")
        r.email = v.check_email(f.email) if f.email.strip() else None


def _only(kind: ResourceKind, wanted: ResourceKind, field: str) -> None:
    if kind != wanted:
        raise Invalid(f"{field} applies to {wanted.value} resources only.", field=field)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _emit_changed(tx: Tx, r: Resource, kind: str) -> None:
    payload = {"resourceId": r.id, "kind": r.kind.value}
    tx.emit(DomainEvent(RESOURCES, kind, payload))
    tx.emit(DomainEvent(AVAILABILITY, kind, payload))
    if r.location_id is not None and r.kind == ResourceKind.ROOM:
        tx.emit(DomainEvent(rooms_topic(r.location_id), kind, payload))
    if r.location_id is not None and r.kind == ResourceKind.EQUIPMENT:
        tx.emit(DomainEvent(assets_topic(r.location_id), kind, payload))
