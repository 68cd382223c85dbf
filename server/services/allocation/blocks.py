"""Blocks: maintenance or time off on a unit resource, through the same conflict machinery."""

from __future__ import annotations

from datetime import datetime

from db.models import POOL_KINDS, Block, ResourceKind
from db.repositories import bookings as booking_rows
from db.repositories import cage as cage_rows
from db.repositories import occupancy, tenancy
from db.repositories import resources as resource_rows
from server.events.types import AVAILABILITY, RESOURCES, DomainEvent, rooms_topic
from server.services import validation as v
from server.services import versions
from server.services.allocation import conflicts
from server.services.allocation.claims import Claim
from server.services.allocation.commands import BlockResource
from server.services.allocation.windows import check_window
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx


async def block_resource(tx: Tx, principal: Principal, cmd: BlockResource, now: datetime) -> Block:
    """Take a room, item or crew member out of use for a window; clashing bookings refuse it."""
    require(principal, Action.BLOCK_RESOURCES)
    studio = await tenancy.studio(tx.session, principal)
    assert studio is not None
    resource = await resource_rows.get(tx.session, principal, cmd.resource_id)
    if resource is None:
        raise NotFound("No such resource.")
    if resource.retired_at is not None:
        raise Invalid(f"{resource.name} is retired.", field="resourceId")
    if resource.kind in POOL_KINDS:
        raise Invalid("Blocks apply to rooms, equipment items and crew, not pools.", field="resourceId")
    window = check_window(cmd.start, cmd.end, max_hours=max(studio.max_booking_hours, 24 * 366))
    reason = v.text(cmd.reason, "reason", max_length=200, required=False) or ""
    # A block is the resource's own unavailability: its turnaround buffers do not apply to it.
    claim = Claim(resource, window, 1, None, None, 0, buffers=False)
    await conflicts.ensure_free(tx, principal, [claim], now)
    block = Block(
        studio_id=principal.studio_id,
        resource_id=resource.id,
        start_at=window.start,
        end_at=window.end,
        reason=reason,
        active=True,
        created_by_token_id=principal.token_id,
        created_at=now,
    )
    tx.session.add(block)
    await tx.session.flush()
    row = occupancy.ClaimRow(
        principal.studio_id, resource.id, claim.buffered.start, claim.buffered.end, block_id=block.id
    )
    await conflicts.write(tx, principal, [(claim, row)], now)
    _emit(tx, block, resource.kind, resource.location_id, "ResourceBlocked")
    return block


async def unblock_resource(
    tx: Tx, principal: Principal, block_id: int, expected_version: int | None, now: datetime
) -> Block:
    """Lift a block; the resource is bookable in that window again."""
    require(principal, Action.BLOCK_RESOURCES)
    await versions.claim(tx, Block, principal.studio_id, block_id, expected_version)
    block = await booking_rows.block_for_update(tx.session, principal, block_id)
    if block is None:
        raise NotFound("No such block.")
    if not block.active:
        raise InvalidTransition("The block was already lifted.")
    if await cage_rows.block_holds_item_in_maintenance(tx.session, block.id):
        # Lifting it here would leave a damaged item bookable while the cage still holds it back.
        raise InvalidTransition("This block keeps a damaged item in maintenance: release it with releaseAsset.")
    block.active = False
    await occupancy.release_block(tx.session, block.id)
    await tx.session.flush()
    resource = await resource_rows.get(tx.session, principal, block.resource_id)
    assert resource is not None
    _emit(tx, block, resource.kind, resource.location_id, "ResourceUnblocked")
    return block


def _emit(tx: Tx, block: Block, kind: ResourceKind, location_id: int | None, type_: str) -> None:
    payload = {
        "blockId": block.id,
        "resourceIds": [block.resource_id],
        "start": block.start_at.isoformat(),
        "end": block.end_at.isoformat(),
    }
    tx.emit(DomainEvent(RESOURCES, type_, payload))
    tx.emit(DomainEvent(AVAILABILITY, type_, payload))
    if kind == ResourceKind.ROOM and location_id is not None:
        tx.emit(DomainEvent(rooms_topic(location_id), type_, {**payload, "roomIds": [block.resource_id]}))
