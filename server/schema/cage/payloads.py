"""Payloads of cage: the success members and result unions its mutations answer with."""

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
