"""Check-out: an item (or every component of a kit) leaves the cage for a booking, or ad hoc.

Without a booking and without `dueAt`, the booking whose allocation holds the item now (setup time
included) is the one it goes out for, so a scanner in plain check-out mode needs no pick list for
gear that is booked now. Against a booking, the item must be allocated to it (directly or through
its kit), the booking must still block (HOLD not past its expiry, CONFIRMED or IN_PROGRESS), the
allocation must not be over, and nothing else may claim the item between now and the allocation's
start; the item is due back at the allocation's end. Ad hoc (no booking holds it now) needs a role
that may check gear out without one, and the item must be free now (and until `dueAt`, when one is
given); without `dueAt` it is never overdue, and it keeps the item unavailable until it is returned.

A kit label checks out every component that can go; the others are reported with the reason they
stayed (already out, in maintenance, not allocated, another location...). Only when none can go is
the scan refused.

The custodian written on the record is the booking's title for a booking check-out, and the name of
the person whose token made an ad hoc one; the device is kept separately (the record's token).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import (
    BLOCKING_STATUSES,
    Booking,
    CustodyRecord,
    CustodyState,
    Kit,
    Resource,
)
from db.models.scheduling import hold_lapsed
from db.repositories import cage as repo
from db.repositories import resources as resource_rows
from db.repositories.claims import HeldClaim
from db.types import utcnow
from server.services import versions
from server.services.cage.codes import parse_code
from server.services.cage.resolve import resolve
from server.services.cage.scans import (
    CHECK_OUT,
    ScanTrace,
    check_key,
    check_location,
    emit_asset,
    iso,
    parse_iso,
    run_cage_op,
    scan_row,
)
from server.services.errors import Clash, Conflict, DomainError, Forbidden, Invalid, InvalidTransition, NotFound
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

OPERATION = "checkOutAsset"
INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class LeftBehind:
    """A kit component that did not go out, and why."""

    resource_id: int
    reason: str


@dataclass(frozen=True)
class CheckOutOutcome:
    asset_id: int  # the scanned item, or the first component that went out of a scanned kit
    item_ids: list[int]
    left_behind: list[LeftBehind]
    kit_id: int | None
    booking_id: int | None
    due_at: datetime | None


async def check_out(
    uow: UnitOfWork,
    principal: Principal,
    *,
    code: str,
    booking_id: int | None,
    key: str,
    due_at: datetime | None = None,
) -> CheckOutOutcome:
    """Check the item or kit named by `code` out of the cage (see the module docstring)."""
    require(principal, Action.OPERATE_CAGE)
    clean_key = check_key(key)
    scanned = parse_code(code)
    if due_at is not None and due_at.tzinfo is None:
        raise Invalid("dueAt must carry a UTC offset.", field="dueAt")
    request = {"code": scanned.text, "bookingId": booking_id, "dueAt": iso(due_at)}
    trace = ScanTrace(CHECK_OUT, scanned.text)

    async def work(tx: Tx) -> dict[str, object]:
        now = utcnow()
        target = await resolve(tx.session, principal, scanned)
        if isinstance(target, Resource):
            trace.resource_id = target.id
        booking = None
        if booking_id is None and due_at is None:
            booking_id_now = await _booking_holding_now(tx, principal, target, now)
        else:
            booking_id_now = booking_id
        if booking_id_now is not None:
            booking = await _booking(tx, principal, booking_id_now, now)
            trace.booking_id = booking.id
        elif not allowed(principal, Action.AD_HOC_CHECKOUT):
            raise Forbidden("Your role may not check gear out without a booking: scan the booking's pick list first.")
        elif due_at is not None and due_at <= now:
            raise Invalid("dueAt must be in the future.", field="dueAt")
        if isinstance(target, Kit):
            return await _kit_out(tx, principal, target, booking, due_at, now, clean_key, trace)
        (item,) = await repo.lock_resources(tx.session, principal, [target.id])
        due = await _plan(tx, principal, item, booking, due_at, now)
        await _record(tx, principal, [(item, due)], booking, None, now, clean_key, trace, None)
        return _ok(item.id, [item.id], [], None, booking, due)

    result = await run_cage_op(
        uow, principal, key=clean_key, operation=OPERATION, request=request, work=work, trace=trace
    )
    return CheckOutOutcome(
        asset_id=result["asset"],
        item_ids=list(result["items"]),
        left_behind=[LeftBehind(rid, reason) for rid, reason in result["leftBehind"]],
        kit_id=result["kit"],
        booking_id=result["booking"],
        due_at=parse_iso(result["dueAt"]),
    )


def _ok(
    asset_id: int,
    item_ids: list[int],
    left: list[LeftBehind],
    kit_id: int | None,
    booking: Booking | None,
    due: datetime | None,
) -> dict[str, object]:
    return {
        "ok": {
            "asset": asset_id,
            "items": item_ids,
            "leftBehind": [[lb.resource_id, lb.reason] for lb in left],
            "kit": kit_id,
            "booking": booking.id if booking is not None else None,
            "dueAt": iso(due),
        }
    }


async def _booking(tx: Tx, principal: Principal, booking_id: int, now: datetime) -> Booking:
    booking = await repo.booking(tx.session, principal, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    if booking.status not in BLOCKING_STATUSES:
        raise InvalidTransition(f"The booking {booking.title} is {booking.status.value}: no gear goes out for it.")
    if hold_lapsed(booking.status, booking.hold_expires_at, now):
        raise InvalidTransition(f"The hold on {booking.title} has expired: no gear goes out for it.")
    return booking


async def _booking_holding_now(tx: Tx, principal: Principal, target: Resource | Kit, now: datetime) -> int | None:
    """The booking whose allocation holds the item (or the kit's items) now, if exactly one does."""
    ids = (
        (await resource_rows.kit_item_ids(tx.session, [target.id]))[target.id]
        if isinstance(target, Kit)
        else [target.id]
    )
    claims = await repo.claims(tx.session, principal.studio_id, ids, now, now + INSTANT, now)
    holders = sorted({c.booking_id for c in claims if c.booking_id is not None})
    if len(holders) > 1:
        raise InvalidTransition("Its items are held by several bookings now: scan the booking's pick list first.")
    return holders[0] if holders else None


def check_in_cage(item: Resource) -> None:
    """Only an item in the cage can leave it."""
    if item.retired_at is not None or item.custody == CustodyState.RETIRED:
        raise InvalidTransition(f"{item.name} is retired.")
    if item.custody == CustodyState.CHECKED_OUT:
        raise InvalidTransition(f"{item.name} is already checked out.")
    if item.custody == CustodyState.MAINTENANCE:
        raise InvalidTransition(f"{item.name} is in maintenance until it is released.")
    if item.custody == CustodyState.MISSING:
        raise InvalidTransition(f"{item.name} is marked missing: scan it in (return) before it goes out again.")


async def _plan(
    tx: Tx, principal: Principal, item: Resource, booking: Booking | None, due_at: datetime | None, now: datetime
) -> datetime | None:
    """When the item is due back if it goes out now; raises why it cannot."""
    check_location(principal, item)
    check_in_cage(item)
    if booking is None:
        clashes = await repo.claims(tx.session, principal.studio_id, [item.id], now, due_at or now + INSTANT, now)
        if clashes:
            what = "now" if due_at is None else "until it is due back"
            raise Conflict(f"{item.name} is not free {what}.", _clashes(clashes))
        return due_at
    allocations = await repo.allocations_of_items(tx.session, principal, booking.id, [item.id])
    if not allocations:
        raise InvalidTransition(f"{item.name} is not on the pick list of {booking.title}.")
    current = next((a for a in allocations if a.end_at > now), None)
    if current is None:
        raise InvalidTransition(f"{booking.title} had {item.name} until {allocations[-1].end_at:%Y-%m-%d %H:%M} UTC.")
    if current.start_at > now:
        clashes = await repo.claims(
            tx.session, principal.studio_id, [item.id], now, current.start_at, now, exclude_booking_id=booking.id
        )
        if clashes:
            raise Conflict(f"{item.name} is taken by others before {booking.title} starts.", _clashes(clashes))
    return current.end_at


def _clashes(claims: list[HeldClaim]) -> list[Clash]:
    return [Clash(c.resource_id, c.buffered_start, c.buffered_end, c.booking_id) for c in claims]


async def _kit_out(
    tx: Tx,
    principal: Principal,
    kit: Kit,
    booking: Booking | None,
    due_at: datetime | None,
    now: datetime,
    key: str,
    trace: ScanTrace,
) -> dict[str, object]:
    component_ids = (await resource_rows.kit_item_ids(tx.session, [kit.id]))[kit.id]
    items = {r.id: r for r in await repo.lock_resources(tx.session, principal, component_ids)}
    going: list[tuple[Resource, datetime | None]] = []
    left: list[LeftBehind] = []
    refusals: list[tuple[Resource, DomainError]] = []
    for rid in component_ids:
        item = items[rid]
        try:
            going.append((item, await _plan(tx, principal, item, booking, due_at, now)))
        except DomainError as exc:
            left.append(LeftBehind(rid, exc.message))
            refusals.append((item, exc))
    if not going:
        raise _nothing_goes(kit, refusals)
    await _record(tx, principal, going, booking, kit, now, key, trace, left)
    first, due = going[0]
    return _ok(first.id, [item.id for item, _ in going], left, kit.id, booking, due)


def _nothing_goes(kit: Kit, refusals: list[tuple[Resource, DomainError]]) -> DomainError:
    errors = [exc for _, exc in refusals]
    if errors and all(isinstance(e, Forbidden) for e in errors):
        return Forbidden(f"No item of {kit.name} belongs to this scanner's location.")
    if errors and all(isinstance(e, Conflict) for e in errors):
        clashes = [c for e in errors if isinstance(e, Conflict) for c in e.clashes]
        return Conflict(f"No item of {kit.name} is free.", clashes)
    reasons = "; ".join(exc.message for _, exc in refusals) or "the kit has no items"
    return InvalidTransition(f"Nothing of {kit.name} can go out: {reasons}")


async def _record(
    tx: Tx,
    principal: Principal,
    going: list[tuple[Resource, datetime | None]],
    booking: Booking | None,
    kit: Kit | None,
    now: datetime,
    key: str,
    trace: ScanTrace,
    left: list[LeftBehind] | None,
) -> None:
    custodian = (booking.title if booking is not None else principal.name)[:120]
    records = [
        CustodyRecord(
            studio_id=principal.studio_id,
            resource_id=item.id,
            booking_id=booking.id if booking is not None else None,
            kit_id=kit.id if kit is not None else None,
            custodian=custodian,
            checked_out_at=now,
            due_at=due,
            missing_accessories=[],
            out_token_id=principal.token_id,
        )
        for item, due in going
    ]
    await repo.add_custody(tx.session, records)
    await versions.bump(tx, Resource, [item.id for item, _ in going], custody=CustodyState.CHECKED_OUT)
    if booking is not None:
        # The booking's gear went out: a client holding an older copy must learn of it.
        await versions.bump(tx, Booking, [booking.id])
    detail = None
    if kit is not None:
        detail = f"with the kit {kit.name}" + (f"; {len(left)} item(s) stayed behind" if left else "")
    scans = []
    for (item, due), record in zip(going, records, strict=True):
        scans.append(
            scan_row(principal, trace, "CHECKED_OUT", detail, key, resource_id=item.id, booking_id=record.booking_id)
        )
        emit_asset(
            tx,
            item,
            "AssetCheckedOut",
            record.booking_id,
            project_id=booking.project_id if booking is not None else None,
            booking_version=booking.version if booking is not None else None,
            custodyId=record.id,
            dueAt=iso(due),
        )
    await repo.add_scans(tx.session, scans)
