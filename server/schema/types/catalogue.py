"""Studios, locations, resources and kits as the API shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.node import Node, PageInfo
from server.services.permissions import Action, allowed

if TYPE_CHECKING:
    from server.schema.context import Context
    from server.schema.types.cage import CustodyPeriod

# The model enums are the API enums; registering them keeps one vocabulary.
strawberry.enum(models.ResourceKind, description="What a resource is.")
strawberry.enum(models.CustodyState, description="Where an equipment item is.")
strawberry.enum(models.Role, description="What a principal may do.")
ResourceKind = models.ResourceKind
CustodyState = models.CustodyState
Role = models.Role


@strawberry.type(description="A site, floor, cage or store room.")
class Location(Node):
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_model(cls, row: models.Location) -> Location:
        return cls(id=strawberry.ID(to_global_id("Location", row.id)), name=row.name)


@strawberry.type(description="The tenant: one studio and its policies.")
class Studio(Node):
    name: str = strawberry.field(description="Display name.")
    timezone: str = strawberry.field(description="IANA time zone used for crew rules and opening hours.")
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")

    @classmethod
    def from_model(cls, row: models.Studio) -> Studio:
        return cls(
            id=strawberry.ID(to_global_id("Studio", row.id)),
            name=row.name,
            timezone=row.timezone,
            currency=row.currency,
        )


@strawberry.type(description="Anything allocatable in time: a room, an equipment item, a stock pool or a crew member.")
class Resource(Node):
    kind: ResourceKind = strawberry.field(description="ROOM, EQUIPMENT, STOCK, CREW or STORAGE.")
    name: str = strawberry.field(description="Display name.")
    category: str | None = strawberry.field(description="Room type, equipment category, stock type or crew role.")
    code: str | None = strawberry.field(description="Barcode / asset tag text (EQUIPMENT).")
    epc: str | None = strawberry.field(description="RFID EPC as hex (EQUIPMENT).")
    quantity: int = strawberry.field(
        description="1 for unit resources, the pool size for STOCK, the capacity in GB for STORAGE."
    )
    skills: list[str] = strawberry.field(description="Skills (CREW).")
    custody: CustodyState | None = strawberry.field(description="Custody state (EQUIPMENT).")
    capacity: int | None = strawberry.field(description="People the room holds (ROOM).")
    unit: str | None = strawberry.field(description="Unit of a stock pool, e.g. 'cable' (STOCK).")
    model: str | None = strawberry.field(description="Make and model (EQUIPMENT).")
    setup_minutes: int = strawberry.field(description="Turnaround buffer before each use.")
    teardown_minutes: int = strawberry.field(description="Turnaround buffer after each use.")
    retired: bool = strawberry.field(description="Out of service for good.")
    version: int = strawberry.field(
        description="Grows by one with every change, custody changes at the cage too; send it as `expectedVersion`."
    )
    location_id: strawberry.Private[int | None]
    pk: strawberry.Private[int]
    email_address: strawberry.Private[str | None] = None

    @strawberry.field(description="CREW: where their call changes are e-mailed; shown to those who manage resources.")
    def email(self, info: strawberry.Info[Context, None]) -> str | None:
        return self.email_address if allowed(info.context.principal, Action.MANAGE_RESOURCES) else None

    @strawberry.field(description="Where it lives.")
    async def location(self, info: strawberry.Info[Context, None]) -> Location | None:
        if self.location_id is None:
            return None
        row = await info.context.loaders.locations_by_id.load(self.location_id)
        return None if row is None else Location.from_model(row)

    @strawberry.field(description="EQUIPMENT: the open custody period (checked out or missing); null in the cage.")
    async def current_custody(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[CustodyPeriod, strawberry.lazy("server.schema.types.cage")] | None:
        if self.kind != ResourceKind.EQUIPMENT:
            return None
        from server.schema.types.cage import CustodyPeriod

        row = await info.context.loaders.open_custody_by_resource.load(self.pk)
        return None if row is None else CustodyPeriod.from_model(row)

    @classmethod
    def from_model(cls, row: models.Resource) -> Resource:
        return cls(
            id=strawberry.ID(to_global_id("Resource", row.id)),
            pk=row.id,
            kind=row.kind,
            name=row.name,
            category=row.category,
            code=row.code,
            epc=row.epc,
            quantity=row.quantity,
            skills=list(row.skills or []),
            custody=row.custody,
            capacity=row.capacity,
            unit=row.unit,
            model=row.model,
            setup_minutes=row.setup_minutes,
            teardown_minutes=row.teardown_minutes,
            retired=row.retired_at is not None,
            version=row.version,
            location_id=row.location_id,
            email_address=row.email,
        )


@strawberry.type(description="An edge of a resource page.")
class ResourceEdge:
    node: Resource = strawberry.field(description="The resource.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of resources.")
class ResourceConnection:
    edges: list[ResourceEdge] = strawberry.field(description="The resources on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


@strawberry.type(description="A named bundle of specific equipment items.")
class Kit(Node):
    name: str = strawberry.field(description="Display name, e.g. 'Camera package A'.")
    code: str | None = strawberry.field(description="Label scanned at the cage to check the whole kit out.")
    version: int = strawberry.field(description="Grows by one with every change; send it as `expectedVersion`.")
    pk: strawberry.Private[int]

    @strawberry.field(description="The component items, in kit order.")
    async def items(self, info: strawberry.Info[Context, None]) -> list[Resource]:
        ids = await info.context.loaders.kit_items_by_kit.load(self.pk)
        rows = await info.context.loaders.resources_by_id.load_many(ids)
        return [Resource.from_model(r) for r in rows if r is not None]

    @classmethod
    def from_model(cls, row: models.Kit) -> Kit:
        return cls(
            id=strawberry.ID(to_global_id("Kit", row.id)), pk=row.id, name=row.name, code=row.code, version=row.version
        )


@strawberry.type(description="Who is calling.")
class Viewer:
    role: Role = strawberry.field(description="The caller's role.")
    name: str = strawberry.field(description="The user or device name of the token.")
    studio: Studio = strawberry.field(description="The caller's studio.")
    location: Location | None = strawberry.field(description="The location a device token is bound to.")
