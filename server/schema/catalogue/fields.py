"""Query and mutation fields of the catalogue, composed into the root types."""

from __future__ import annotations

import strawberry

from server.resolvers import catalogue, core


@strawberry.type
class CatalogueQuery:
    node = strawberry.field(resolver=core.node, description="Any object by its global ID, if the caller may see it.")
    viewer = strawberry.field(resolver=core.viewer, description="The caller: role, studio and bound location.")
    locations = strawberry.field(resolver=catalogue.locations, description="The studio's locations.")
    resources = strawberry.field(
        resolver=catalogue.resource_page, description="Resources, filtered and paginated (max `first` is capped)."
    )
    kits = strawberry.field(resolver=catalogue.kit_list, description="The studio's kits.")


@strawberry.type
class CatalogueMutation:
    create_resource = strawberry.mutation(resolver=catalogue.create_resource, description="Add a resource.")
    update_resource = strawberry.mutation(resolver=catalogue.update_resource, description="Change a resource.")
    retire_resource = strawberry.mutation(
        resolver=catalogue.retire_resource, description="Retire a resource with no upcoming claims."
    )
    create_kit = strawberry.mutation(resolver=catalogue.create_kit, description="Bundle equipment into a kit.")
    update_kit = strawberry.mutation(resolver=catalogue.update_kit, description="Change a kit.")
