"""Inputs, payloads and result unions of the cage operations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.schema.errors import (
    ConflictError,
    ForbiddenError,
    IdempotencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from server.schema.types.cage import Audit, MissingKitItem
from server.schema.types.catalogue import Kit, Resource
from server.schema.types.scheduling import Booking

KEY_DESCRIPTION = "Unique per scan (or request): a replay returns the first answer, refusals included."


@strawberry.input(description="A scan at the cage in check-out mode.")
class CheckOutAssetInput:
    code: str = strawberry.field(
        description="Asset tag text, kit label, GS1 element string (GIAI 8004 / GRAI 8003, AIM prefix allowed), "
        "or RFID EPC (hex or urn:epc:id:giai:... / urn:epc:id:grai:...)."
    )
    booking_id: strawberry.ID | None = strawberry.field(
        default=None, description="The booking it goes out for; omit for an ad hoc check-out (ADMIN, COORDINATOR)."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)
    due_at: datetime | None = strawberry.field(
        default=None, description="Ad hoc only: when it is due back (the item must be free until then)."
    )


@strawberry.input(description="A scan at the cage in return mode.")
class ReturnAssetInput:
    code: str = strawberry.field(description="The item's asset tag, GS1 code or EPC (kit labels are refused).")
    condition: str | None = strawberry.field(default=None, description="OK (default), WORN or DAMAGED.")
    notes: str | None = strawberry.field(default=None, description="What the person at the cage noticed.")
    missing_accessories: list[str] | None = strawberry.field(
        default=None, description="Accessories that did not come back."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="Put a repaired item back in the cage.")
class ReleaseAssetInput:
    id: strawberry.ID = strawberry.field(description="The item in maintenance.")
    condition: str | None = strawberry.field(default=None, description="OK (default) or WORN.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="Start a stock-take of a location.")
class StartAuditInput:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="The location; a scanner's own location when omitted."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="A batch of reads during an audit (repeats are fine).")
class RecordAuditScansInput:
    audit_id: strawberry.ID = strawberry.field(description="The running audit.")
    codes: list[str] = strawberry.field(description="Codes read (at most 1000 per batch).")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="Finish an audit and compare what was seen with what was expected.")
class FinishAuditInput:
    audit_id: strawberry.ID = strawberry.field(description="The running audit.")
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.input(description="Mark items a finished audit did not find as MISSING.")
class MarkMissingInput:
    audit_id: strawberry.ID = strawberry.field(description="The finished audit.")
    resource_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Which of its missing items; all of them when omitted."
    )
    idempotency_key: str = strawberry.field(description=KEY_DESCRIPTION)


@strawberry.type(description="The item (or the components of a kit) left the cage.")
class AssetCheckedOut:
    asset: Resource = strawberry.field(description="The item scanned (for a kit label: its first component out).")
    booking: Booking | None = strawberry.field(description="The booking it went out for; null for ad hoc.")
    due_at: datetime | None = strawberry.field(description="When it is due back.")
    items: list[Resource] = strawberry.field(description="Every item that went out with this scan.")
    kit: Kit | None = strawberry.field(description="The kit whose label was scanned, if one was.")
    missing: list[MissingKitItem] = strawberry.field(description="Kit components that stayed, and why.")


@strawberry.type(description="The item is back in the cage (or in maintenance, if it came back damaged).")
class AssetReturned:
    asset: Resource = strawberry.field(description="The item as it is now.")
    condition: str = strawberry.field(description="OK, WORN or DAMAGED.")
    late: bool = strawberry.field(description="It came back after it was due.")
    booking: Booking | None = strawberry.field(description="The booking it had gone out for.")
    affected_bookings: list[Booking] = strawberry.field(
        description="Later bookings that still hold this item now in maintenance: swap the item in them."
    )


@strawberry.type(description="The item left maintenance and is back in the cage.")
class AssetReleased:
    asset: Resource = strawberry.field(description="The item as it is now.")


@strawberry.type(description="The audit is running.")
class AuditStarted:
    audit: Audit = strawberry.field(description="The audit; scan its card code to record reads into it.")


@strawberry.type(description="The reads are recorded.")
class AuditScansRecorded:
    audit: Audit = strawberry.field(description="The audit.")
    seen: list[Resource] = strawberry.field(description="Items read in this batch, each once.")
    newly_seen: int = strawberry.field(description="How many of them this audit had not seen before.")
    unresolved: list[str] = strawberry.field(description="Codes that name no item (unknown, kit labels, malformed).")


@strawberry.type(description="The audit is finished.")
class AuditFinished:
    audit: Audit = strawberry.field(description="The audit.")
    found: list[Resource] = strawberry.field(description="Expected items that were seen.")
    missing: list[Resource] = strawberry.field(description="Expected items (home here, in the cage) not seen.")
    unexpected: list[Resource] = strawberry.field(description="Items seen here that belong elsewhere or were out.")


@strawberry.type(description="Items are marked MISSING.")
class AssetsMarkedMissing:
    audit: Audit = strawberry.field(description="The audit that missed them.")
    marked: list[Resource] = strawberry.field(description="Items now MISSING.")
    unchanged: list[Resource] = strawberry.field(description="Items no longer in the cage's keeping, left as they are.")


_ERRORS = NotFoundError | ForbiddenError | InvalidTransitionError | IdempotencyMismatchError | ValidationError

CheckOutAssetResult = Annotated[AssetCheckedOut | ConflictError | _ERRORS, strawberry.union("CheckOutAssetResult")]
ReturnAssetResult = Annotated[AssetReturned | _ERRORS, strawberry.union("ReturnAssetResult")]
ReleaseAssetResult = Annotated[AssetReleased | _ERRORS, strawberry.union("ReleaseAssetResult")]
StartAuditResult = Annotated[AuditStarted | _ERRORS, strawberry.union("StartAuditResult")]
RecordAuditScansResult = Annotated[AuditScansRecorded | _ERRORS, strawberry.union("RecordAuditScansResult")]
FinishAuditResult = Annotated[AuditFinished | _ERRORS, strawberry.union("FinishAuditResult")]
MarkMissingResult = Annotated[AssetsMarkedMissing | _ERRORS, strawberry.union("MarkMissingResult")]
