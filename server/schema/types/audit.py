"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from server.schema.ids import to_global_id
from server.schema.types.catalogue import Role
from server.schema.types.node import PageInfo
from server.services.audit_log import AuditEntry as Entry


@strawberry.type(description="One mutation or system transition, as it was committed; entries are never edited.")
class AuditEntry:
    seq: str = strawberry.field(description="The event sequence number of the entry (a 64-bit integer as text).")
    at: datetime = strawberry.field(description="When the change was committed.")
    actor: str = strawberry.field(description="The person or device token's name; `system` for transitions.")
    role: Role | None = strawberry.field(description="The actor's role (none for the system).")
    action: str = strawberry.field(description="The mutation (e.g. moveBooking) or system action (holdExpired).")
    entity_id: strawberry.ID | None = strawberry.field(description="The global ID of the entity it changed.")
    before: JSON | None = strawberry.field(description="The changed fields' values before (null: created).")
    after: JSON | None = strawberry.field(description="The changed fields' values after (null: deleted).")

    @classmethod
    def of(cls, entry: Entry) -> AuditEntry:
        entity_id = None
        if entry.entity:
            kind, _, pk = entry.entity.partition(":")
            entity_id = strawberry.ID(to_global_id(kind, int(pk))) if pk.isdigit() else None
        return cls(
            seq=str(entry.seq),
            at=entry.at,
            actor=entry.actor,
            role=Role(entry.role) if entry.role is not None and entry.role in Role.__members__ else None,
            action=entry.action,
            entity_id=entity_id,
            before=cast(JSON, entry.before),
            after=cast(JSON, entry.after),
        )


@strawberry.type(description="An edge of an audit log page.")
class AuditEntryEdge:
    node: AuditEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of the audit log, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description="The entries on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
