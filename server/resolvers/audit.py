"""Resolvers of the audit log."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import refuses_query
from server.schema.audit.inputs import AuditFilter
from server.schema.context import Context
from server.schema.ids import parse_global_id
from server.schema.types.audit import AuditEntry, AuditEntryConnection, AuditEntryEdge
from server.schema.types.node import PageInfo, decode_cursor, encode_cursor, page_size
from server.services import audit_log
from server.services.errors import Invalid

Info = strawberry.Info[Context, None]


@refuses_query
async def audit_log_page(
    info: Info, filter: AuditFilter | None = None, first: int | None = None, after: str | None = None
) -> AuditEntryConnection:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    flt = filter or AuditFilter()
    entity = None
    if flt.entity_id is not None:
        parsed = parse_global_id(flt.entity_id)
        if parsed is None:
            raise Invalid("entityId is not an ID.", field="entityId")
        entity = f"{parsed[0]}:{parsed[1]}"
    query = audit_log.AuditFilter(entity=entity, actor=flt.actor, action=flt.action, since=flt.from_, until=flt.until)
    found, more = await audit_log.audit_log(
        info.context.uow, principal, query, first=size, before_seq=decode_cursor(after)
    )
    edges = [AuditEntryEdge(node=AuditEntry.of(e), cursor=encode_cursor(e.seq)) for e in found]
    return AuditEntryConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


@strawberry.type
class AuditQuery:
    audit_log = strawberry.field(
        resolver=audit_log_page,
        description="Who changed what, newest first (ADMIN, COORDINATOR); money fields only to money readers.",
    )
