"""Resolvers of the catalogue: arguments -> one service call -> result type."""

from __future__ import annotations

import strawberry

from server.resolvers import core
from server.resolvers.errors import refuses_query, result_union
from server.schema.catalogue.inputs import (
    CreateKitInput,
    CreateResourceInput,
    ResourceFilter,
    UpdateKitInput,
    UpdateResourceInput,
)
from server.schema.catalogue.payloads import (
    CreateKitResult,
    CreateResourceResult,
    KitCreated,
    KitUpdated,
    ResourceCreated,
    ResourceRetired,
    ResourceUpdated,
    RetireResourceResult,
    UpdateKitResult,
    UpdateResourceResult,
)
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional
from server.schema.types.catalogue import Kit, Location, Resource, ResourceConnection, ResourceEdge, ResourceKind
from server.schema.types.node import PageInfo, decode_cursor, encode_cursor, page_size
from server.schema.versions import ExpectedVersion
from server.services import catalogue

Info = strawberry.Info[Context, None]


async def locations(info: Info) -> list[Location]:
    principal = info.context.require_principal()
    return [Location.from_model(r) for r in await catalogue.locations(info.context.uow, principal)]


@refuses_query
async def resource_page(
    info: Info,
    kind: ResourceKind | None = None,
    first: int | None = None,
    after: str | None = None,
    filter: ResourceFilter | None = None,
) -> ResourceConnection:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    after_id = decode_cursor(after)
    flt = filter or ResourceFilter()
    query = catalogue.ResourceFilter(
        kind=kind if kind is not None else flt.kind,
        category=flt.category,
        location_id=decode_optional(flt.location_id, "Location"),
        text=flt.text,
        include_retired=flt.include_retired,
    )
    rows, more = await catalogue.resource_page(info.context.uow, principal, query, first=size, after_id=after_id)
    edges = [ResourceEdge(node=Resource.from_model(r), cursor=encode_cursor(r.id)) for r in rows]
    return ResourceConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


async def kit_list(info: Info) -> list[Kit]:
    principal = info.context.require_principal()
    return [Kit.from_model(r) for r in await catalogue.kits(info.context.uow, principal)]


@result_union
async def create_resource(info: Info, input: CreateResourceInput) -> CreateResourceResult:
    principal = info.context.require_principal()
    fields = input.to_fields()
    row = await catalogue.create_resource(info.context.uow, principal, input.kind, fields)
    return ResourceCreated(resource=Resource.from_model(row))


@result_union
async def update_resource(info: Info, input: UpdateResourceInput) -> UpdateResourceResult:
    principal = info.context.require_principal()
    pk, fields = input.resource_pk(), input.to_fields()
    row = await catalogue.update_resource(info.context.uow, principal, pk, fields, input.expected_version)
    return ResourceUpdated(resource=Resource.from_model(row))


@result_union
async def retire_resource(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> RetireResourceResult:
    principal = info.context.require_principal()
    pk = decode_id(id, "Resource")
    row = await catalogue.retire_resource(info.context.uow, principal, pk, expected_version)
    return ResourceRetired(resource=Resource.from_model(row))


@result_union
async def create_kit(info: Info, input: CreateKitInput) -> CreateKitResult:
    principal = info.context.require_principal()
    item_ids = [decode_id(i, "Resource", "item") for i in input.item_ids]
    row = await catalogue.create_kit(info.context.uow, principal, input.name, input.code, item_ids)
    return KitCreated(kit=Kit.from_model(row))


@result_union
async def update_kit(info: Info, input: UpdateKitInput) -> UpdateKitResult:
    principal = info.context.require_principal()
    pk = decode_id(input.id, "Kit")
    item_ids = None if input.item_ids is None else [decode_id(i, "Resource", "item") for i in input.item_ids]
    row = await catalogue.update_kit(
        info.context.uow, principal, pk, input.name, input.code, item_ids, input.expected_version
    )
    return KitUpdated(kit=Kit.from_model(row))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class CatalogueQuery:
    node = strawberry.field(resolver=core.node, description="Any object by its global ID, if the caller may see it.")
    viewer = strawberry.field(resolver=core.viewer, description="The caller: role, studio and bound location.")
    locations = strawberry.field(resolver=locations, description="The studio's locations.")
    resources = strawberry.field(
        resolver=resource_page, description="Resources, filtered and paginated (max `first` is capped)."
    )
    kits = strawberry.field(resolver=kit_list, description="The studio's kits.")


@strawberry.type
class CatalogueMutation:
    create_resource = strawberry.mutation(resolver=create_resource, description="Add a resource.")
    update_resource = strawberry.mutation(resolver=update_resource, description="Change a resource.")
    retire_resource = strawberry.mutation(
        resolver=retire_resource, description="Retire a resource with no upcoming claims."
    )
    create_kit = strawberry.mutation(resolver=create_kit, description="Bundle equipment into a kit.")
    update_kit = strawberry.mutation(resolver=update_kit, description="Change a kit.")
