"""Resolvers of the cage: arguments -> one service call -> result type."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.schema.cage.inputs import (
    CheckOutAssetInput,
    FinishAuditInput,
    MarkMissingInput,
    RecordAuditScansInput,
    ReleaseAssetInput,
    ReturnAssetInput,
    StartAuditInput,
)
from server.schema.cage.payloads import (
    AssetCheckedOut,
    AssetReleased,
    AssetReturned,
    AssetsMarkedMissing,
    AuditFinished,
    AuditScansRecorded,
    AuditStarted,
    CheckOutAssetResult,
    FinishAuditResult,
    MarkMissingResult,
    RecordAuditScansResult,
    ReleaseAssetResult,
    ReturnAssetResult,
    StartAuditResult,
)
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional, parse_global_id
from server.schema.types.cage import AssetHistory, AssetScan, Audit, CustodyPeriod, MissingKitItem
from server.schema.types.catalogue import Kit, Resource
from server.schema.types.scheduling import Booking
from server.services.cage import audits, checkout, history, maintenance, returns

Info = strawberry.Info[Context, None]


# Loading what a service answered with (through the request's loaders)


async def _resource(info: Info, pk: int) -> Resource:
    row = await info.context.loaders.resources_by_id.load(pk)
    assert row is not None  # the service just wrote it, in the caller's studio
    return Resource.from_model(row)


async def _resources(info: Info, ids: list[int]) -> list[Resource]:
    rows = await info.context.loaders.resources_by_id.load_many(ids)
    return [Resource.from_model(r) for r in rows if r is not None]


async def _booking(info: Info, pk: int | None) -> Booking | None:
    if pk is None:
        return None
    row = await info.context.loaders.visible_bookings_by_id.load(pk)
    return None if row is None else Booking.from_model(row)


async def _audit(info: Info, pk: int) -> Audit:
    row = await info.context.loaders.audits_by_id.load(pk)
    assert row is not None  # the service just wrote it, in the caller's studio
    return Audit.from_model(row)


def _booking_pk(gid: str | None) -> int | None:
    """A booking ID; one that names no booking becomes 0, which the service refuses (and logs) as not found."""
    if gid is None:
        return None
    parsed = parse_global_id(gid)
    return parsed[1] if parsed is not None and parsed[0] == "Booking" else 0


# Queries


async def asset_by_code(info: Info, code: str) -> Resource | None:
    row = await history.asset_by_code(info.context.uow, info.context.require_principal(), code)
    return None if row is None else Resource.from_model(row)


async def asset_history(info: Info, id: strawberry.ID, first: int = 50) -> AssetHistory | None:
    parsed = parse_global_id(id)
    if parsed is None or parsed[0] != "Resource":
        return None
    view = await history.asset_history(info.context.uow, info.context.require_principal(), parsed[1], first)
    if view is None:
        return None
    return AssetHistory(
        asset=Resource.from_model(view.item),
        custody=[CustodyPeriod.from_line(line) for line in view.custody],
        scans=[AssetScan.from_line(line) for line in view.scans],
    )


# Mutations


@result_union
async def check_out_asset(info: Info, input: CheckOutAssetInput) -> CheckOutAssetResult:
    principal = info.context.require_principal()
    out = await checkout.check_out(
        info.context.uow,
        principal,
        code=input.code,
        booking_id=_booking_pk(input.booking_id),
        key=input.idempotency_key,
        due_at=input.due_at,
    )
    kit = None
    if out.kit_id is not None:
        kit_row = await info.context.loaders.kits_by_id.load(out.kit_id)
        kit = Kit.from_model(kit_row) if kit_row is not None else None
    return AssetCheckedOut(
        asset=await _resource(info, out.asset_id),
        booking=await _booking(info, out.booking_id),
        due_at=out.due_at,
        items=await _resources(info, out.item_ids),
        kit=kit,
        missing=[MissingKitItem(reason=m.reason, resource_id=m.resource_id) for m in out.left_behind],
    )


@result_union
async def return_asset(info: Info, input: ReturnAssetInput) -> ReturnAssetResult:
    principal = info.context.require_principal()
    out = await returns.return_asset(
        info.context.uow,
        principal,
        code=input.code,
        condition=input.condition,
        notes=input.notes,
        missing_accessories=input.missing_accessories,
        key=input.idempotency_key,
    )
    affected = [b for b in [await _booking(info, pk) for pk in out.affected_booking_ids] if b is not None]
    return AssetReturned(
        asset=await _resource(info, out.asset_id),
        condition=out.condition.value,
        late=out.late,
        booking=await _booking(info, out.booking_id),
        affected_bookings=affected,
    )


@result_union
async def release_asset(info: Info, input: ReleaseAssetInput) -> ReleaseAssetResult:
    principal = info.context.require_principal()
    pk = decode_id(input.id, "Resource", "item")
    out = await maintenance.release_asset(
        info.context.uow, principal, resource_id=pk, condition=input.condition, key=input.idempotency_key
    )
    return AssetReleased(asset=await _resource(info, out.asset_id))


@result_union
async def start_audit(info: Info, input: StartAuditInput) -> StartAuditResult:
    principal = info.context.require_principal()
    location = decode_optional(input.location_id, "Location")
    audit_id = await audits.start_audit(info.context.uow, principal, location_id=location, key=input.idempotency_key)
    return AuditStarted(audit=await _audit(info, audit_id))


@result_union
async def record_audit_scans(info: Info, input: RecordAuditScansInput) -> RecordAuditScansResult:
    principal = info.context.require_principal()
    audit_pk = decode_id(input.audit_id, "Audit")
    out = await audits.record_audit_scans(
        info.context.uow, principal, audit_id=audit_pk, codes=input.codes, key=input.idempotency_key
    )
    return AuditScansRecorded(
        audit=await _audit(info, out.audit_id),
        seen=await _resources(info, out.seen_ids),
        newly_seen=out.new_count,
        unresolved=out.unresolved,
    )


@result_union
async def finish_audit(info: Info, input: FinishAuditInput) -> FinishAuditResult:
    principal = info.context.require_principal()
    audit_pk = decode_id(input.audit_id, "Audit")
    out = await audits.finish_audit(info.context.uow, principal, audit_id=audit_pk, key=input.idempotency_key)
    return AuditFinished(
        audit=await _audit(info, out.audit_id),
        found=await _resources(info, out.found),
        missing=await _resources(info, out.missing),
        unexpected=await _resources(info, out.unexpected),
    )


@result_union
async def mark_missing(info: Info, input: MarkMissingInput) -> MarkMissingResult:
    principal = info.context.require_principal()
    audit_pk = decode_id(input.audit_id, "Audit")
    ids = None if input.resource_ids is None else [decode_id(i, "Resource", "item") for i in input.resource_ids]
    out = await audits.mark_missing(
        info.context.uow, principal, audit_id=audit_pk, resource_ids=ids, key=input.idempotency_key
    )
    return AssetsMarkedMissing(
        audit=await _audit(info, out.audit_id),
        marked=await _resources(info, out.marked_ids),
        unchanged=await _resources(info, out.unchanged_ids),
    )


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class CageQuery:
    asset_by_code = strawberry.field(
        resolver=asset_by_code,
        description="The item a scanned code names (asset tag, GS1 GIAI/GRAI, EPC), if the caller may see it.",
    )
    asset_history = strawberry.field(
        resolver=asset_history,
        description="Who had an item, when, for which booking, in what condition, and every scan by which device.",
    )


@strawberry.type
class CageMutation:
    check_out_asset = strawberry.mutation(
        resolver=check_out_asset, description="A check-out scan: an item or a kit label leaves the cage."
    )
    return_asset = strawberry.mutation(
        resolver=return_asset, description="A return scan: an item comes back, in a condition."
    )
    release_asset = strawberry.mutation(
        resolver=release_asset, description="Put a repaired item back in the cage (ends its maintenance)."
    )
    start_audit = strawberry.mutation(resolver=start_audit, description="Start a stock-take of a location.")
    record_audit_scans = strawberry.mutation(
        resolver=record_audit_scans, description="Record a batch of reads into a running audit."
    )
    finish_audit = strawberry.mutation(
        resolver=finish_audit, description="Finish an audit: what was found, missing and unexpected."
    )
    mark_missing = strawberry.mutation(
        resolver=mark_missing, description="Mark items a finished audit did not find as MISSING."
    )
