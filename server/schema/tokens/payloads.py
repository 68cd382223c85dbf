"""Payloads of tokens: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, ValidationError
from server.schema.types.tokens import ApiToken


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
