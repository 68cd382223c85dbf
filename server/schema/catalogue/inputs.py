"""Inputs of catalogue: what its mutations and queries take."""

from __future__ import annotations

import strawberry

from server.schema.ids import decode_id, decode_optional
from server.schema.types.catalogue import ResourceKind
from server.schema.versions import EXPECTED_VERSION
from server.services.resources import ResourceFields


@strawberry.input(description="A new room, equipment item, stock pool or crew member.")
class CreateResourceInput:
    kind: ResourceKind = strawberry.field(description="What it is.")
    name: str = strawberry.field(description="Display name (1-120 characters).")
    category: str | None = strawberry.field(default=None, description="Room type, equipment category, crew role.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Where it lives.")
    code: str | None = strawberry.field(default=None, description="Asset tag text (EQUIPMENT).")
    epc: str | None = strawberry.field(default=None, description="RFID EPC as hex (EQUIPMENT).")
    quantity: int | None = strawberry.field(
        default=1, description="Pool size (STOCK), capacity in GB (STORAGE); 1 otherwise."
    )
    skills: list[str] | None = strawberry.field(default=None, description="Skills (CREW).")
    setup_minutes: int | None = strawberry.field(default=0, description="Turnaround buffer before each use.")
    teardown_minutes: int | None = strawberry.field(default=0, description="Turnaround buffer after each use.")
    capacity: int | None = strawberry.field(default=None, description="People the room holds (ROOM).")
    unit: str | None = strawberry.field(default=None, description="Unit name (STOCK).")
    model: str | None = strawberry.field(default=None, description="Make and model (EQUIPMENT).")
    serial_number: str | None = strawberry.field(default=None, description="Serial number (EQUIPMENT).")
    weekly_hour_cap: int | None = strawberry.field(default=None, description="Most hours a week (CREW).")
    min_rest_minutes: int | None = strawberry.field(default=None, description="Least rest between calls (CREW).")
    email: str | None = strawberry.field(default=None, description="CREW: where their call changes are e-mailed.")

    def to_fields(self) -> ResourceFields:
        return _resource_fields(self)


@strawberry.input(description="Changes to a resource; omitted fields stay as they are.")
class UpdateResourceInput:
    id: strawberry.ID = strawberry.field(description="The resource.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    category: str | None = strawberry.field(default=None, description="Category.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Where it lives.")
    code: str | None = strawberry.field(default=None, description="Asset tag text (EQUIPMENT).")
    epc: str | None = strawberry.field(default=None, description="RFID EPC as hex (EQUIPMENT).")
    quantity: int | None = strawberry.field(default=None, description="Pool size (STOCK), capacity in GB (STORAGE).")
    skills: list[str] | None = strawberry.field(default=None, description="Skills (CREW).")
    setup_minutes: int | None = strawberry.field(default=None, description="Buffer before each use.")
    teardown_minutes: int | None = strawberry.field(default=None, description="Buffer after each use.")
    capacity: int | None = strawberry.field(default=None, description="People the room holds (ROOM).")
    unit: str | None = strawberry.field(default=None, description="Unit name (STOCK).")
    model: str | None = strawberry.field(default=None, description="Make and model (EQUIPMENT).")
    serial_number: str | None = strawberry.field(default=None, description="Serial number (EQUIPMENT).")
    weekly_hour_cap: int | None = strawberry.field(default=None, description="Most hours a week (CREW).")
    min_rest_minutes: int | None = strawberry.field(default=None, description="Least rest between calls (CREW).")
    email: str | None = strawberry.field(default=None, description="CREW: where their call changes are e-mailed.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

    def resource_pk(self) -> int:
        return decode_id(self.id, "Resource")

    def to_fields(self) -> ResourceFields:
        return _resource_fields(self)


@strawberry.input(description="A new kit of equipment items.")
class CreateKitInput:
    name: str = strawberry.field(description="Display name.")
    code: str | None = strawberry.field(default=None, description="Label to scan at the cage.")
    item_ids: list[strawberry.ID] = strawberry.field(description="The equipment items, in order.")


@strawberry.input(description="Changes to a kit; omitted fields stay as they are.")
class UpdateKitInput:
    id: strawberry.ID = strawberry.field(description="The kit.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    code: str | None = strawberry.field(default=None, description="Label to scan at the cage.")
    item_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="The new set of items.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input(description="Filters of the resource list.")
class ResourceFilter:
    kind: ResourceKind | None = strawberry.field(default=None, description="Only this kind.")
    category: str | None = strawberry.field(default=None, description="Only this category (case-insensitive).")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Only at this location.")
    text: str | None = strawberry.field(default=None, description="Name, asset tag or model contains this.")
    include_retired: bool = strawberry.field(default=False, description="Also list retired resources.")


def _resource_fields(src: CreateResourceInput | UpdateResourceInput) -> ResourceFields:
    """The service's view of either input: both carry the same descriptive fields."""
    return ResourceFields(
        name=src.name,
        category=src.category,
        location_id=decode_optional(src.location_id, "Location"),
        code=src.code,
        epc=src.epc,
        quantity=src.quantity,
        skills=src.skills,
        setup_minutes=src.setup_minutes,
        teardown_minutes=src.teardown_minutes,
        capacity=src.capacity,
        unit=src.unit,
        model=src.model,
        serial_number=src.serial_number,
        weekly_hour_cap=src.weekly_hour_cap,
        min_rest_minutes=src.min_rest_minutes,
        email=src.email,
    )
