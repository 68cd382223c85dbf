"""Returns: an item comes back into the cage, in a condition, perhaps without some accessories.

Returns are per item: a kit label is refused at return (with the list of its items still out), so
every item that comes back is scanned and a partly returned kit shows exactly what is still out.
An item marked missing that turns up is returned the same way (its missing record is closed).

`DAMAGED` sends the item to `MAINTENANCE` (see `maintenance.py`): it leaves availability until a
coordinator releases it.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Booking, Condition, CustodyState, Kit, Resource
from db.repositories import cage as repo
from db.repositories import resources
from db.repositories import resources as resource_rows
from db.types import utcnow
from server.services import validation as v
from server.services import versions
from server.services.cage.codes import parse_code
from server.services.cage.conditions import clean_notes, parse_condition
from server.services.cage.maintenance import start_maintenance
from server.services.cage.resolve import resolve
from server.services.cage.scans import RETURN, ScanTrace, check_key, check_location, emit_asset, run_cage_op, scan_row
from server.services.errors import InvalidTransition
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

OPERATION = "returnAsset"


@dataclass(frozen=True)
class ReturnOutcome:
    asset_id: int
    condition: Condition
    custody_id: int | None
    booking_id: int | None
    late: bool  # returned after it was due
    maintenance_block_id: int | None
    affected_booking_ids: list[int]  # later bookings that still hold an item now in maintenance


async def return_asset(
    uow: UnitOfWork,
    principal: Principal,
    *,
    code: str,
    condition: str | None,
    notes: str | None,
    missing_accessories: list[str] | None,
    key: str,
) -> ReturnOutcome:
    """Take the item named by `code` back into the cage (see the module docstring)."""
    require(principal, Action.OPERATE_CAGE)
    clean_key = check_key(key)
    scanned = parse_code(code)
    state = parse_condition(condition)
    clean = clean_notes(notes)
    missing = v.unique_list(missing_accessories or [], "missingAccessories", max_items=50, max_length=80)
    request = {"code": scanned.text, "condition": state.value, "notes": clean, "missingAccessories": missing}
    trace = ScanTrace(RETURN, scanned.text)

    async def work(tx: Tx) -> dict[str, object]:
        now = utcnow()
        target = await resolve(tx.session, principal, scanned)
        if isinstance(target, Kit):
            raise await _kit_refusal(tx, principal, target)
        (item,) = await repo.lock_resources(tx.session, principal, [target.id])
        trace.resource_id = item.id
        check_location(principal, item)
        if item.retired_at is not None or item.custody == CustodyState.RETIRED:
            raise InvalidTransition(f"{item.name} is retired.")
        if item.custody == CustodyState.IN_CAGE:
            raise InvalidTransition(f"{item.name} is already in the cage: it was never checked out.")
        if item.custody == CustodyState.MAINTENANCE:
            raise InvalidTransition(f"{item.name} is already back, in maintenance until it is released.")
        was_missing = item.custody == CustodyState.MISSING
        record = (await repo.open_custody(tx.session, principal, [item.id])).get(item.id)
        booking_id = record.booking_id if record is not None else None
        trace.booking_id = booking_id
        late = False
        if record is not None:
            record.returned_at = now
            record.return_condition = state.value
            record.return_notes = clean
            record.missing_accessories = missing
            record.in_token_id = principal.token_id
            late = record.due_at is not None and now > record.due_at
        item.condition = state.value
        block_id: int | None = None
        affected: list[int] = []
        if state == Condition.DAMAGED:
            block_id, affected = await start_maintenance(tx, principal, item, now, clean, exclude_booking_id=booking_id)
            if record is not None:
                record.maintenance_block_id = block_id
        custody = CustodyState.MAINTENANCE if state == Condition.DAMAGED else CustodyState.IN_CAGE
        await tx.session.flush()
        await versions.bump(tx, Resource, [item.id], custody=custody)
        if booking_id is not None:
            await versions.bump(tx, Booking, [booking_id])
        outcome = "FOUND" if was_missing else "RETURNED"
        await repo.add_scans(
            tx.session, [scan_row(principal, trace, outcome, _detail(state, clean, missing), clean_key)]
        )
        held_for = await repo.booking(tx.session, principal, booking_id) if booking_id is not None else None
        project_id = held_for.project_id if held_for is not None else None
        emit_asset(
            tx,
            item,
            "AssetReturned",
            booking_id,
            project_id=project_id,
            booking_version=held_for.version if held_for is not None else None,
            condition=state.value,
            late=late,
        )
        return {
            "ok": {
                "asset": item.id,
                "condition": state.value,
                "custody": record.id if record is not None else None,
                "booking": booking_id,
                "late": late,
                "block": block_id,
                "affected": affected,
            }
        }

    result = await run_cage_op(
        uow, principal, key=clean_key, operation=OPERATION, request=request, work=work, trace=trace
    )
    return ReturnOutcome(
        asset_id=result["asset"],
        condition=Condition(result["condition"]),
        custody_id=result["custody"],
        booking_id=result["booking"],
        late=bool(result["late"]),
        maintenance_block_id=result["block"],
        affected_booking_ids=list(result["affected"]),
    )


async def _kit_refusal(tx: Tx, principal: Principal, kit: Kit) -> InvalidTransition:
    ids = (await resource_rows.kit_item_ids(tx.session, [kit.id]))[kit.id]
    out = await repo.open_custody(tx.session, principal, ids)
    names = [r.name for r in await resources.by_ids(tx.session, principal, list(out))]
    still = f"still out: {', '.join(sorted(names))}." if names else "none of it is out."
    return InvalidTransition(f"Scan each item of {kit.name} to return it; {still}")


def _detail(state: Condition, notes: str | None, missing: list[str]) -> str:
    parts = [state.value]
    if missing:
        parts.append("missing accessories: " + ", ".join(missing))
    if notes:
        parts.append(notes)
    return "; ".join(parts)
