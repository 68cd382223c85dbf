"""Payloads of catalogue: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import (
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from server.schema.types.catalogue import Kit, Resource


@strawberry.type(description="The resource was created.")
class ResourceCreated:
    resource: Resource = strawberry.field(description="The new resource.")


@strawberry.type(description="The resource was updated.")
class ResourceUpdated:
    resource: Resource = strawberry.field(description="The resource as it is now.")


@strawberry.type(description="The resource was retired.")
class ResourceRetired:
    resource: Resource = strawberry.field(description="The retired resource.")


@strawberry.type(description="The kit was created.")
class KitCreated:
    kit: Kit = strawberry.field(description="The new kit.")


@strawberry.type(description="The kit was updated.")
class KitUpdated:
    kit: Kit = strawberry.field(description="The kit as it is now.")


CreateResourceResult = Annotated[
    ResourceCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateResourceResult")
]


UpdateResourceResult = Annotated[
    ResourceUpdated | ValidationError | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("UpdateResourceResult"),
]


RetireResourceResult = Annotated[
    ResourceRetired | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("RetireResourceResult"),
]


CreateKitResult = Annotated[
    KitCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateKitResult")
]


UpdateKitResult = Annotated[
    KitUpdated | ValidationError | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("UpdateKitResult"),
]
