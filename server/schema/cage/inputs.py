"""Inputs of cage: what its mutations and queries take."""

from __future__ import annotations

from datetime import datetime

import strawberry

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
