"""Inputs, payloads and result unions of token management."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, ValidationError
from server.schema.types.catalogue import Role
from server.schema.types.tokens import ApiToken


@strawberry.input(description="A new token; devices (SCANNER, DISPLAY) need a location.")
class CreateApiTokenInput:
    role: Role = strawberry.field(description="What the token may do.")
    name: str = strawberry.field(description="Who or what will hold it.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Bound location (devices).")
    expires_at: datetime | None = strawberry.field(default=None, description="When it stops working.")


@strawberry.type(description="The token was minted; `token` is shown this once and never again.")
class ApiTokenCreated:
    token: str = strawberry.field(description="The bearer token. Store it now.")
    api_token: ApiToken = strawberry.field(description="The token's record.")


@strawberry.type(description="The token was revoked; its open websockets are closed.")
class ApiTokenRevoked:
    api_token: ApiToken = strawberry.field(description="The token's record.")


CreateApiTokenResult = Annotated[
    ApiTokenCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateApiTokenResult")
]
RevokeApiTokenResult = Annotated[
    ApiTokenRevoked | NotFoundError | ForbiddenError, strawberry.union("RevokeApiTokenResult")
]
