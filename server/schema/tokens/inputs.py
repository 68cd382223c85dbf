"""Inputs of tokens: what its mutations and queries take."""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.schema.types.catalogue import Role


@strawberry.input(
    description="A new token; devices (SCANNER, DISPLAY) need a location, a client portal's (CLIENT) its client."
)
class CreateApiTokenInput:
    role: Role = strawberry.field(description="What the token may do.")
    name: str = strawberry.field(description="Who or what will hold it.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Bound location (devices).")
    expires_at: datetime | None = strawberry.field(default=None, description="When it stops working.")
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="The client a CLIENT token belongs to (its projects are what it sees)."
    )
    email: str | None = strawberry.field(
        default=None, description="Where its person's notifications are e-mailed (people only, not devices)."
    )
