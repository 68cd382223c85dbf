"""Inputs of the audit log."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.input(description="Which audit entries to read; every given field must match.")
class AuditFilter:
    entity_id: strawberry.ID | None = strawberry.field(default=None, description="The entity changed.")
    actor: str | None = strawberry.field(default=None, description="The person's or device token's name.")
    action: str | None = strawberry.field(default=None, description="The mutation or system action.")
    from_: datetime | None = strawberry.field(default=None, name="from", description="At or after this time.")
    until: datetime | None = strawberry.field(default=None, description="Before this time.")
