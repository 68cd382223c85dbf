"""API tokens as the API shows them: never the secret, except once in the mint result."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Role
from server.schema.types.node import Node


@strawberry.type(description="A bearer token of the studio (its secret is shown only when minted).")
class ApiToken(Node):
    name: str = strawberry.field(description="Who or what holds it.")
    role: Role = strawberry.field(description="What it may do.")
    prefix: str = strawberry.field(description="The first characters after `cs_`, to recognise it.")
    created_at: datetime = strawberry.field(description="When it was minted.")
    expires_at: datetime | None = strawberry.field(description="When it stops working, if ever.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")
    last_used_at: datetime | None = strawberry.field(description="Last request made with it (to the minute).")

    @classmethod
    def from_model(cls, row: models.ApiToken) -> ApiToken:
        return cls(
            id=strawberry.ID(to_global_id("ApiToken", row.id)),
            name=row.name,
            role=row.role,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )
