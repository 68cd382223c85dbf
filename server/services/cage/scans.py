"""What every cage operation shares: keyed runs that keep refusals, the scan log, the location rule, events.

Exactly one effect per key, refusals included. A cage operation runs in one transaction with its
idempotency record (`run_once`). When it is refused, that transaction rolls back; a second
transaction then writes the refused scan to the history and stores the refusal under the same key.
A replay of a refused scan therefore returns the same refusal, even if the item's state has changed
since, and adds no second scan record. Refusals that are not about the scan are not kept: a role
that may not use the cage at all, malformed input (empty code, unknown condition), or a key reused
with another input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db.models import Resource, Role
from db.repositories import cage as repo
from server.events.types import AVAILABILITY, BOOKINGS, DomainEvent, assets_topic
from server.services import validation as v
from server.services.errors import (
    Clash,
    Conflict,
    DomainError,
    Forbidden,
    IdempotencyMismatch,
    Invalid,
    InvalidTransition,
    NotFound,
)
from server.services.idempotency import run_once
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

Result = dict[str, Any]

CHECK_OUT, RETURN, AUDIT = "CHECK_OUT", "RETURN", "AUDIT"


@dataclass
class ScanTrace:
    """A scan, and what it had resolved before it was refused (written to the refused scan's record)."""

    action: str
    code: str
    resource_id: int | None = None
    booking_id: int | None = None
    audit_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def check_key(key: str | None) -> str:
    """Cage mutations always carry an idempotency key."""
    return v.required_text(key, "idempotencyKey", max_length=200)


async def run_cage_op(
    uow: UnitOfWork,
    principal: Principal,
    *,
    key: str,
    operation: str,
    request: dict[str, Any],
    work: Callable[[Tx], Awaitable[Result]],
    trace: ScanTrace | None,
) -> Result:
    """Run a cage operation once per key; a refusal is stored under the key (and logged as a scan if `trace`)."""
    try:
        result, _ = await run_once(
            uow,
            studio_id=principal.studio_id,
            key=key,
            operation=operation,
            request=request,
            work=work,
            actor=principal.actor,
            token_id=principal.token_id,
        )
    except IdempotencyMismatch:
        raise
    except DomainError as exc:
        refusal = {"error": error_to_dict(exc)}
        row = scan_row(principal, trace, exc.code, exc.message, key) if trace is not None else None

        async def keep(tx: Tx) -> Result:
            if row is not None:
                await repo.add_scans(tx.session, [row])
            return refusal

        result, _ = await run_once(
            uow,
            studio_id=principal.studio_id,
            key=key,
            operation=operation,
            request=request,
            work=keep,
            actor=principal.actor,
            token_id=principal.token_id,
        )
    return unwrap(result)


def unwrap(result: Result) -> Result:
    """The success part of a stored result; a stored refusal is raised again."""
    if "error" in result:
        raise error_from_dict(result["error"])
    return dict(result["ok"])


def scan_row(
    principal: Principal, trace: ScanTrace, outcome: str, detail: str | None, key: str | None, **override: Any
) -> dict[str, Any]:
    """A scan_records row for this scan."""
    row = {
        "studio_id": principal.studio_id,
        "resource_id": trace.resource_id,
        "booking_id": trace.booking_id,
        "audit_id": trace.audit_id,
        "location_id": principal.location_id,
        "token_id": principal.token_id,
        "code": trace.code[:200],
        "action": trace.action,
        "outcome": outcome,
        "detail": detail,
        "idempotency_key": key,
    }
    row.update(override)
    return row


# Errors as stored results


def error_to_dict(exc: DomainError) -> dict[str, Any]:
    out: dict[str, Any] = {"code": exc.code, "message": exc.message, "field": exc.field}
    if isinstance(exc, Conflict):
        out["clashes"] = [
            {"resource": c.resource_id, "start": iso(c.start), "end": iso(c.end), "booking": c.booking_id}
            for c in exc.clashes
        ]
        out["alternatives"] = list(exc.alternative_ids)
    return out


_ERRORS: dict[str, type[DomainError]] = {
    NotFound.code: NotFound,
    Forbidden.code: Forbidden,
    Invalid.code: Invalid,
    InvalidTransition.code: InvalidTransition,
}


def error_from_dict(data: dict[str, Any]) -> DomainError:
    if data["code"] == Conflict.code:
        clashes = [
            Clash(
                resource_id=c["resource"],
                start=datetime.fromisoformat(c["start"]),
                end=datetime.fromisoformat(c["end"]),
                booking_id=c["booking"],
            )
            for c in data.get("clashes", [])
        ]
        return Conflict(data["message"], clashes, data.get("alternatives", []))
    return _ERRORS.get(data["code"], InvalidTransition)(data["message"], field=data.get("field"))


# The location rule


def check_location(principal: Principal, resource: Resource) -> None:
    """A scanner works on the gear whose home is its own location; people may work anywhere."""
    if principal.role == Role.SCANNER and resource.location_id != principal.location_id:
        raise Forbidden(f"{resource.name} belongs to another location; this scanner works only at its own.")


def check_audit_location(principal: Principal, location_id: int) -> None:
    if principal.role == Role.SCANNER and location_id != principal.location_id:
        raise Forbidden("This scanner audits only its own location.")


# Events


def emit_asset(
    tx: Tx,
    resource: Resource,
    type_: str,
    booking_id: int | None,
    *,
    project_id: int | None = None,
    booking_version: int | None = None,
    **extra: Any,
) -> None:
    """Tell the asset board of the item's home location, and availability, that the item changed;
    and the booking's project feed, whose actuals (gear out and in, late returns) move with it."""
    custody = resource.custody.value if resource.custody is not None else None
    payload = {
        "resourceId": resource.id,
        "custody": custody,
        "version": resource.version,
        "bookingId": booking_id,
        **extra,
    }
    if resource.location_id is not None:
        tx.emit(DomainEvent(assets_topic(resource.location_id), type_, payload))
    tx.emit(DomainEvent(AVAILABILITY, type_, {"resourceId": resource.id, "kind": resource.kind.value}))
    if booking_id is not None and project_id is not None:
        changed: dict[str, Any] = {"projectId": project_id, "bookingId": booking_id}
        if booking_version is not None:
            changed["version"] = booking_version
        tx.emit(DomainEvent(BOOKINGS, type_, changed))


def assets_event(location_id: int, type_: str, payload: dict[str, Any]) -> DomainEvent:
    """An event for the asset board of a location (audits)."""
    return DomainEvent(assets_topic(location_id), type_, payload)
