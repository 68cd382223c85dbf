"""Reading the audit log (ADMIN and COORDINATOR); what it holds is described in `server.services.audit`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.repositories import audit as rows
from server.services.audit import redact_money
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.uow import UnitOfWork

AuditFilter = rows.AuditFilter


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    role: str | None
    action: str
    entity: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


async def audit_log(
    uow: UnitOfWork, principal: Principal, flt: AuditFilter, *, first: int, before_seq: int | None
) -> tuple[list[AuditEntry], bool]:
    """A page of the studio's audit log, newest first; money fields only to roles that read money."""
    require(principal, Action.READ_AUDIT_LOG)
    money = allowed(principal, Action.READ_MONEY)
    async with uow.read() as session:
        found, more = await rows.page(session, principal, flt, first=first, before_seq=before_seq)
    entries = []
    for row in found:
        payload = row.payload or {}
        before, after = payload.get("before"), payload.get("after")
        if not money:
            before, after = redact_money(before), redact_money(after)
        entries.append(
            AuditEntry(
                seq=row.seq,
                at=row.at,
                actor=str(payload.get("actor") or row.actor or ""),
                role=payload.get("role"),
                action=row.type,
                entity=row.entity,
                before=before,
                after=after,
            )
        )
    return entries, more
