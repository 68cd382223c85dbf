"""Entry points for the API: each runs one mutation's function in one transaction (keyed ones
through `idempotency.run_once`, so a replay returns the first result)."""

from __future__ import annotations

from datetime import datetime

from db.models import Block, Booking
from db.repositories import bookings as booking_rows
from db.types import utcnow
from server.services import idempotency
from server.services.allocation import blocks, bookings, transitions
from server.services.allocation.bookings import MoveImpact
from server.services.allocation.commands import (
    AddAllocations,
    BlockResource,
    CreateBooking,
    MoveBooking,
    Outcome,
    UpdateBooking,
)
from server.services.errors import NotFound
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork


async def _run(uow: UnitOfWork, principal: Principal, work):  # type: ignore[no-untyped-def]
    return await uow.run(work, studio_id=principal.studio_id, actor=principal.actor, token_id=principal.token_id)


async def _keyed(
    uow: UnitOfWork, principal: Principal, key: str | None, operation: str, request: dict, work
) -> Outcome:  # type: ignore[no-untyped-def]
    if key is None:
        return await _run(uow, principal, work)
    result, _replayed = await idempotency.run_once(
        uow,
        studio_id=principal.studio_id,
        key=key,
        operation=operation,
        request=request,
        work=lambda tx: _as_result(work, tx),
        actor=principal.actor,
        token_id=principal.token_id,
    )
    async with uow.read() as session:
        booking = await booking_rows.get_visible(session, principal, int(result["bookingId"]))
    if booking is None:
        raise NotFound("No such booking.")
    return Outcome(booking, list(result["allocationIds"]), list(result["warnings"]))


async def _as_result(work, tx: Tx) -> dict:  # type: ignore[no-untyped-def]
    outcome: Outcome = await work(tx)
    return outcome.to_result()


async def create_booking(uow: UnitOfWork, principal: Principal, cmd: CreateBooking) -> Outcome:
    now = utcnow()
    return await _keyed(
        uow,
        principal,
        cmd.idempotency_key,
        "createBooking",
        cmd.canonical(),
        lambda tx: bookings.create_booking(tx, principal, cmd, now),
    )


async def add_allocations(uow: UnitOfWork, principal: Principal, cmd: AddAllocations) -> Outcome:
    now = utcnow()
    return await _keyed(
        uow,
        principal,
        cmd.idempotency_key,
        "addAllocations",
        cmd.canonical(),
        lambda tx: bookings.add_allocations(tx, principal, cmd, now),
    )


async def update_booking(uow: UnitOfWork, principal: Principal, cmd: UpdateBooking) -> Outcome:
    now = utcnow()
    return await _run(uow, principal, lambda tx: bookings.update_booking(tx, principal, cmd, now))


async def remove_allocation(uow: UnitOfWork, principal: Principal, allocation_id: int) -> Outcome:
    now = utcnow()
    return await _run(uow, principal, lambda tx: bookings.remove_allocation(tx, principal, allocation_id, now))


async def move_booking(uow: UnitOfWork, principal: Principal, cmd: MoveBooking) -> MoveImpact:
    now = utcnow()
    return await _run(uow, principal, lambda tx: bookings.move_booking(tx, principal, cmd, now))


async def confirm_booking(uow: UnitOfWork, principal: Principal, booking_id: int) -> Booking:
    now = utcnow()
    return await _run(uow, principal, lambda tx: transitions.confirm_booking(tx, principal, booking_id, now))


async def cancel_booking(uow: UnitOfWork, principal: Principal, booking_id: int) -> Booking:
    now = utcnow()
    return await _run(uow, principal, lambda tx: transitions.cancel_booking(tx, principal, booking_id, now))


async def start_booking(uow: UnitOfWork, principal: Principal, booking_id: int, at: datetime | None) -> Booking:
    when = at or utcnow()
    return await _run(uow, principal, lambda tx: transitions.start_booking(tx, principal, booking_id, when))


async def complete_booking(uow: UnitOfWork, principal: Principal, booking_id: int, at: datetime | None) -> Booking:
    when = at or utcnow()
    return await _run(uow, principal, lambda tx: transitions.complete_booking(tx, principal, booking_id, when))


async def block_resource(uow: UnitOfWork, principal: Principal, cmd: BlockResource) -> Block:
    now = utcnow()
    return await _run(uow, principal, lambda tx: blocks.block_resource(tx, principal, cmd, now))


async def unblock_resource(uow: UnitOfWork, principal: Principal, block_id: int) -> Block:
    now = utcnow()
    return await _run(uow, principal, lambda tx: blocks.unblock_resource(tx, principal, block_id, now))
