"""Maintenance: a damaged item leaves availability until a coordinator releases it.

A damaged return puts the item in `MAINTENANCE` (which availability already treats as away,
open-ended) and writes a maintenance block so the overlap guard refuses new claims too. The block
fills the item's time from the return up to the next booking that already holds the item, or is
open-ended (to `OPEN_END`) when none does: a block may not overlap an existing claim, and the cage
never cancels someone's booking. Those later bookings are reported with the return so the
coordinator can swap the item. `releaseAsset` ends the block at the release and puts the item back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from db.models import CustodyState, Resource, ResourceKind
from db.repositories import cage as repo
from db.repositories.claims import HeldClaim
from db.types import utcnow
from server.services import versions
from server.services.cage.conditions import parse_release_condition
from server.services.cage.scans import check_key, emit_asset, run_cage_op
from server.services.errors import InvalidTransition, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

OPEN_END = datetime(2200, 1, 1, tzinfo=UTC)
OPERATION = "releaseAsset"


async def start_maintenance(
    tx: Tx, principal: Principal, item: Resource, now: datetime, notes: str | None, *, exclude_booking_id: int | None
) -> tuple[int | None, list[int]]:
    """Block a damaged item from now; returns (block id or None, later bookings still holding it)."""
    block_id = None
    reason = ("Returned damaged" + (f": {notes}" if notes else ""))[:200]
    for _attempt in range(3):
        start, end = _first_gap(
            await repo.claims(tx.session, principal.studio_id, [item.id], now, None, now, include_lapsed=True), now
        )
        if start >= end:
            break
        block = await repo.add_block(
            tx.session,
            studio_id=principal.studio_id,
            resource_id=item.id,
            start=start,
            end=end,
            reason=reason,
            token_id=principal.token_id,
        )
        if block is not None:
            block_id = block.id
            break
    affected = [
        b
        for b in await repo.bookings_holding_after(tx.session, principal.studio_id, item.id, now)
        if b != exclude_booking_id
    ]
    return block_id, affected


def _first_gap(claims: list[HeldClaim], now: datetime) -> tuple[datetime, datetime]:
    """The first free stretch of the item's time from now: up to its next claim, else open-ended."""
    start, end = now, OPEN_END
    for claim in claims:
        if claim.buffered_start <= start:
            start = max(start, claim.buffered_end)  # returned early: the block starts when the current claim ends
        else:
            end = claim.buffered_start
            break
    return start, end


@dataclass(frozen=True)
class ReleaseOutcome:
    asset_id: int
    block_id: int | None


async def release_asset(
    uow: UnitOfWork, principal: Principal, *, resource_id: int, condition: str | None, key: str
) -> ReleaseOutcome:
    """Put a repaired item back in the cage and end its maintenance block."""
    require(principal, Action.BLOCK_RESOURCES)
    clean_key = check_key(key)
    state = parse_release_condition(condition)

    async def work(tx: Tx) -> dict[str, object]:
        now = utcnow()
        items = await repo.lock_resources(tx.session, principal, [resource_id])
        if not items or items[0].kind != ResourceKind.EQUIPMENT:
            raise NotFound("No such item.")
        item = items[0]
        if item.custody != CustodyState.MAINTENANCE:
            raise InvalidTransition(f"{item.name} is not in maintenance.")
        block_id = await repo.last_maintenance_block(tx.session, principal, item.id)
        if block_id is not None:
            await repo.end_block(tx.session, principal.studio_id, block_id, now)
        item.condition = state.value
        await tx.session.flush()
        await versions.bump(tx, Resource, [item.id], custody=CustodyState.IN_CAGE)
        emit_asset(tx, item, "AssetReleased", None, condition=state.value)
        return {"ok": {"asset": item.id, "block": block_id}}

    request = {"id": resource_id, "condition": state.value}
    result = await run_cage_op(
        uow, principal, key=clean_key, operation=OPERATION, request=request, work=work, trace=None
    )
    return ReleaseOutcome(asset_id=result["asset"], block_id=result["block"])
