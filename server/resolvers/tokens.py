"""Resolvers of token management."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional
from server.schema.tokens.inputs import (
    CreateApiTokenInput,
)
from server.schema.tokens.payloads import (
    ApiTokenCreated,
    ApiTokenRevoked,
    CreateApiTokenResult,
    RevokeApiTokenResult,
)
from server.schema.types.tokens import ApiToken
from server.services import auth

Info = strawberry.Info[Context, None]


async def api_tokens(info: Info) -> list[ApiToken]:
    principal = info.context.require_principal()
    return [ApiToken.from_model(r) for r in await auth.list_tokens(info.context.uow, principal)]


@result_union
async def create_api_token(info: Info, input: CreateApiTokenInput) -> CreateApiTokenResult:
    principal = info.context.require_principal()
    secret = info.context.settings.secret
    location_id = decode_optional(input.location_id, "Location")
    client_id = decode_optional(input.client_id, "Client")
    minted, row = await auth.mint_api_token(
        info.context.uow,
        principal,
        secret,
        role=input.role,
        name=input.name,
        location_id=location_id,
        expires_at=input.expires_at,
        client_id=client_id,
        email=input.email,
    )
    return ApiTokenCreated(token=minted.token, api_token=ApiToken.from_model(row))


@result_union
async def revoke_api_token(info: Info, id: strawberry.ID) -> RevokeApiTokenResult:
    principal = info.context.require_principal()
    pk = decode_id(id, "ApiToken", "token")
    row = await auth.revoke_api_token(info.context.uow, principal, pk)
    return ApiTokenRevoked(api_token=ApiToken.from_model(row))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class TokenQuery:
    api_tokens = strawberry.field(resolver=api_tokens, description="The studio's tokens (ADMIN only).")


@strawberry.type
class TokenMutation:
    create_api_token = strawberry.mutation(
        resolver=create_api_token, description="Mint a token; the secret is returned once."
    )
    revoke_api_token = strawberry.mutation(
        resolver=revoke_api_token, description="Revoke a token; its sockets are closed."
    )
