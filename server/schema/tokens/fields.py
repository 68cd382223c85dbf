"""Query and mutation fields of token management."""

from __future__ import annotations

import strawberry

from server.resolvers import tokens


@strawberry.type
class TokenQuery:
    api_tokens = strawberry.field(resolver=tokens.api_tokens, description="The studio's tokens (ADMIN only).")


@strawberry.type
class TokenMutation:
    create_api_token = strawberry.mutation(
        resolver=tokens.create_api_token, description="Mint a token; the secret is returned once."
    )
    revoke_api_token = strawberry.mutation(
        resolver=tokens.revoke_api_token, description="Revoke a token; its sockets are closed."
    )
