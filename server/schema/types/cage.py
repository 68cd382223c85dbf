"""The equipment cage as the API shows it: custody periods, scans, audits and an item's history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from db.repositories.cage import CustodyLine, ScanLine
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Kit, Location, Resource
from server.schema.types.node import Node
from server.schema.types.scheduling import Booking

# Scan outcomes that changed or confirmed something; the others are the codes of refusals.
ACCEPTED_OUTCOMES = frozenset({"CHECKED_OUT", "RETURNED", "FOUND", "SEEN"})
COMMAND_PREFIX = "CS:"


def audit_card(audit_id: int) -> str:
    """The command code a scanner reads to record its scans into this audit."""
    return f"{COMMAND_PREFIX}AUDIT:{to_global_id('Audit', audit_id)}"


def pick_list_code(booking_id: int) -> str:
    """The command code a scanner reads to check gear out to this booking."""
    return f"{COMMAND_PREFIX}BOOKING:{to_global_id('Booking', booking_id)}"


async def _booking(info: strawberry.Info, booking_id: int | None) -> Booking | None:
    if booking_id is None:
        return None
    row = await info.context.loaders.visible_bookings_by_id.load(booking_id)
    return None if row is None else Booking.from_model(row)


async def _resources(info: strawberry.Info, ids: list[int]) -> list[Resource]:
    rows = await info.context.loaders.resources_by_id.load_many(ids)
    return [Resource.from_model(r) for r in rows if r is not None]


@strawberry.type(
    description="A time an item was out of the cage's keeping: a check-out to its return, or a time missing."
)
class CustodyPeriod:
    custodian: str = strawberry.field(
        description="Who had it: the booking's title, the person of an ad hoc check-out, or why it was missing."
    )
    since: datetime = strawberry.field(description="When it left the cage (or was marked missing).")
    due_at: datetime | None = strawberry.field(description="When it is due back, if it is.")
    overdue_at: datetime | None = strawberry.field(description="When it was marked overdue, if it was.")
    returned_at: datetime | None = strawberry.field(description="When it came back; null while it is still out.")
    condition: str | None = strawberry.field(description="OK, WORN or DAMAGED, as returned.")
    notes: str | None = strawberry.field(description="Notes given at the return.")
    missing_accessories: list[str] = strawberry.field(description="Accessories that did not come back.")
    checked_out_by: str | None = strawberry.field(description="The device or person token that checked it out.")
    returned_by: str | None = strawberry.field(description="The device or person token that returned it.")
    booking_id: strawberry.Private[int | None]
    kit_id: strawberry.Private[int | None]

    @strawberry.field(description="True when it was (or is) out past its due time plus the studio's grace.")
    def overdue(self) -> bool:
        return self.overdue_at is not None

    @strawberry.field(description="The booking it went out for; null for ad hoc, or where the caller may not see it.")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        return await _booking(info, self.booking_id)

    @strawberry.field(description="The kit label it went out under, if it went out with its kit.")
    async def kit(self, info: strawberry.Info) -> Kit | None:
        if self.kit_id is None:
            return None
        row = await info.context.loaders.kits_by_id.load(self.kit_id)
        return None if row is None else Kit.from_model(row)

    @classmethod
    def from_model(
        cls, row: models.CustodyRecord, out_by: str | None = None, in_by: str | None = None
    ) -> CustodyPeriod:
        return cls(
            custodian=row.custodian,
            since=row.checked_out_at,
            due_at=row.due_at,
            overdue_at=row.overdue_at,
            returned_at=row.returned_at,
            condition=row.return_condition,
            notes=row.return_notes,
            missing_accessories=list(row.missing_accessories or []),
            checked_out_by=out_by,
            returned_by=in_by,
            booking_id=row.booking_id,
            kit_id=row.kit_id,
        )

    @classmethod
    def from_line(cls, line: CustodyLine) -> CustodyPeriod:
        return cls.from_model(line.record, line.out_by, line.in_by)


@strawberry.type(description="One scan the cage saw, accepted or refused.")
class AssetScan:
    at: datetime = strawberry.field(description="When the server received it.")
    action: str = strawberry.field(description="CHECK_OUT, RETURN or AUDIT.")
    outcome: str = strawberry.field(
        description="CHECKED_OUT, RETURNED, FOUND (a missing item came back) or SEEN; otherwise the refusal's code."
    )
    accepted: bool = strawberry.field(description="False for a refused scan.")
    code: str = strawberry.field(description="The code as scanned.")
    device: str | None = strawberry.field(description="The name of the scanner (or person) token that sent it.")
    detail: str | None = strawberry.field(description="The condition and notes of a return, or why it was refused.")
    booking_id: strawberry.Private[int | None]
    location_id: strawberry.Private[int | None]

    @strawberry.field(description="The booking it was scanned for, where the caller may see it.")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        return await _booking(info, self.booking_id)

    @strawberry.field(description="Where the scanner that sent it is bound.")
    async def location(self, info: strawberry.Info) -> Location | None:
        if self.location_id is None:
            return None
        row = await info.context.loaders.locations_by_id.load(self.location_id)
        return None if row is None else Location.from_model(row)

    @classmethod
    def from_line(cls, line: ScanLine) -> AssetScan:
        row = line.record
        return cls(
            at=row.at,
            action=row.action,
            outcome=row.outcome,
            accepted=row.outcome in ACCEPTED_OUTCOMES,
            code=row.code,
            device=line.device,
            detail=row.detail,
            booking_id=row.booking_id,
            location_id=row.location_id,
        )


@strawberry.type(
    description="An item's history: who had it, when, for which booking, in what condition, and every scan."
)
class AssetHistory:
    asset: Resource = strawberry.field(description="The item.")
    custody: list[CustodyPeriod] = strawberry.field(description="Times out of the cage, newest first.")
    scans: list[AssetScan] = strawberry.field(description="Scans of the item, accepted and refused, newest first.")


@strawberry.type(description="A stock-take of one location.")
class Audit(Node):
    started_at: datetime = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(description="When it finished; null while it runs.")
    card_code: str = strawberry.field(description="Scan this code (CS:AUDIT:...) to record a scanner's reads into it.")
    pk: strawberry.Private[int]
    location_id: strawberry.Private[int]
    result: strawberry.Private[dict[str, list[int]] | None]

    @strawberry.field(description="True until it is finished.")
    def running(self) -> bool:
        return self.finished_at is None

    @strawberry.field(description="The audited location.")
    async def location(self, info: strawberry.Info) -> Location | None:
        row = await info.context.loaders.locations_by_id.load(self.location_id)
        return None if row is None else Location.from_model(row)

    @strawberry.field(description="Distinct items seen so far.")
    async def seen_count(self, info: strawberry.Info) -> int:
        return int(await info.context.loaders.sighting_counts_by_audit.load(self.pk))

    @strawberry.field(description="Expected items that were seen (null until finished).")
    async def found(self, info: strawberry.Info) -> list[Resource] | None:
        return None if self.result is None else await _resources(info, self.result.get("found", []))

    @strawberry.field(description="Expected items (home here, in the cage) not seen (null until finished).")
    async def missing(self, info: strawberry.Info) -> list[Resource] | None:
        return None if self.result is None else await _resources(info, self.result.get("missing", []))

    @strawberry.field(description="Items seen here that belong elsewhere or were out (null until finished).")
    async def unexpected(self, info: strawberry.Info) -> list[Resource] | None:
        return None if self.result is None else await _resources(info, self.result.get("unexpected", []))

    @classmethod
    def from_model(cls, row: models.Audit) -> Audit:
        return cls(
            id=strawberry.ID(to_global_id("Audit", row.id)),
            pk=row.id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            card_code=audit_card(row.id),
            location_id=row.location_id,
            result=row.result,
        )


@strawberry.type(description="A component of a scanned kit that did not go out.")
class MissingKitItem:
    reason: str = strawberry.field(description="Why it stayed (already out, in maintenance, not on the pick list...).")
    resource_id: strawberry.Private[int]

    @strawberry.field(description="The component.")
    async def resource(self, info: strawberry.Info) -> Resource | None:
        row = await info.context.loaders.resources_by_id.load(self.resource_id)
        return None if row is None else Resource.from_model(row)
