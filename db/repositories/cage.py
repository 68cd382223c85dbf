"""The equipment cage: scanned codes, custody records, scans, audits and the maintenance blocks of damaged gear."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Allocation,
    ApiToken,
    Audit,
    AuditSighting,
    Block,
    Booking,
    CustodyRecord,
    CustodyState,
    Kit,
    Occupancy,
    Resource,
    ResourceKind,
    ScanRecord,
    Studio,
)
from db.models.scheduling import hold_live_sql
from db.repositories import occupancy
from db.repositories.claims import HeldClaim
from db.repositories.scoping import Scope, scoped

# Codes


async def equipment_matching(
    session: AsyncSession, scope: Scope | None, tags: Sequence[str], epcs: Sequence[str]
) -> list[Resource]:
    """Equipment whose asset tag is one of `tags` or whose EPC is one of `epcs`."""
    conditions = []
    if tags:
        conditions.append(Resource.code.in_(list(tags)))
    if epcs:
        conditions.append(Resource.epc.in_(list(epcs)))
    if not conditions:
        return []
    stmt = scoped(Resource, scope).where(Resource.kind == ResourceKind.EQUIPMENT, or_(*conditions))
    return list((await session.scalars(stmt.order_by(Resource.id))).all())


async def kits_matching(session: AsyncSession, scope: Scope | None, tags: Sequence[str]) -> list[Kit]:
    """Kits whose label is one of `tags`."""
    if not tags:
        return []
    stmt = scoped(Kit, scope).where(Kit.code.in_(list(tags))).order_by(Kit.id)
    return list((await session.scalars(stmt)).all())


async def lock_resources(session: AsyncSession, scope: Scope | None, ids: Sequence[int]) -> list[Resource]:
    """Resources by id, locked in id order until the transaction ends (SQLite: the write lock does it)."""
    if not ids:
        return []
    stmt = scoped(Resource, scope).where(Resource.id.in_(sorted(set(ids)))).order_by(Resource.id).with_for_update()
    return list((await session.scalars(stmt)).all())


# Bookings and claims


async def booking(session: AsyncSession, scope: Scope | None, booking_id: int) -> Booking | None:
    """A booking of the caller's studio (the cage checks its own rules, not the caller's reading rights)."""
    return await session.scalar(scoped(Booking, scope).where(Booking.id == booking_id))


async def allocations_of_items(
    session: AsyncSession, scope: Scope | None, booking_id: int, resource_ids: Sequence[int]
) -> list[Allocation]:
    """The booking's allocations of these items, earliest first."""
    stmt = (
        scoped(Allocation, scope)
        .where(Allocation.booking_id == booking_id, Allocation.resource_id.in_(list(resource_ids)))
        .order_by(Allocation.start_at, Allocation.id)
    )
    return list((await session.scalars(stmt)).all())


async def claims(
    session: AsyncSession,
    studio_id: int,
    resource_ids: Sequence[int],
    start: datetime,
    end: datetime | None,
    now: datetime,
    *,
    exclude_booking_id: int | None = None,
    include_lapsed: bool = False,
) -> list[HeldClaim]:
    """Active claims on these items overlapping [start, end) (end None: open-ended).

    Holds past their expiry no longer block and are left out, unless `include_lapsed`: the database's
    overlap guard still sees them until the sweeper releases them, so writers of new claims count them.
    """
    if not resource_ids:
        return []
    stmt = (
        select(
            Occupancy.resource_id,
            Occupancy.start_at,
            Occupancy.end_at,
            Allocation.start_at,
            Allocation.end_at,
            Allocation.booking_id,
            Occupancy.block_id,
            Booking.status,
            Booking.hold_expires_at,
        )
        .outerjoin(Allocation, Allocation.id == Occupancy.allocation_id)
        .outerjoin(Booking, Booking.id == Allocation.booking_id)
        .where(
            Occupancy.studio_id == studio_id,
            Occupancy.active.is_(True),
            Occupancy.resource_id.in_(list(resource_ids)),
            Occupancy.end_at > start,
        )
        .order_by(Occupancy.resource_id, Occupancy.start_at)
    )
    if not include_lapsed:
        stmt = stmt.where(hold_live_sql(now))
    if end is not None:
        stmt = stmt.where(Occupancy.start_at < end)
    if exclude_booking_id is not None:
        stmt = stmt.where(or_(Allocation.booking_id.is_(None), Allocation.booking_id != exclude_booking_id))
    return [
        HeldClaim(
            buffered_start=b_start,
            start=start if start is not None else b_start,
            end=end if end is not None else b_end,
            buffered_end=b_end,
            resource_id=rid,
            booking_id=booking_id,
            block_id=block_id,
            status=status,
            hold_expires_at=expires,
        )
        for rid, b_start, b_end, start, end, booking_id, block_id, status, expires in await session.execute(stmt)
    ]


async def bookings_holding_after(
    session: AsyncSession, studio_id: int, resource_id: int, moment: datetime
) -> list[int]:
    """Bookings with an active claim on the item that ends after `moment`, in time order."""
    stmt = (
        select(Allocation.booking_id, Occupancy.start_at)
        .join(Occupancy, Occupancy.allocation_id == Allocation.id)
        .where(
            Occupancy.studio_id == studio_id,
            Occupancy.resource_id == resource_id,
            Occupancy.active.is_(True),
            Occupancy.end_at > moment,
        )
        .order_by(Occupancy.start_at)
    )
    return list(dict.fromkeys(booking_id for booking_id, _ in await session.execute(stmt)))


async def add_block(
    session: AsyncSession,
    *,
    studio_id: int,
    resource_id: int,
    start: datetime,
    end: datetime,
    reason: str,
    token_id: int | None,
) -> Block | None:
    """A block and its claim in a window found free; None if a racing claim took part of it (PostgreSQL)."""
    block = Block(
        studio_id=studio_id,
        resource_id=resource_id,
        start_at=start,
        end_at=end,
        reason=reason,
        active=True,
        created_by_token_id=token_id,
    )
    session.add(block)
    await session.flush()
    row = occupancy.ClaimRow(studio_id, resource_id, start, end, block_id=block.id)
    refused = await occupancy.claim(session, [row], postgres=session.get_bind().dialect.name == "postgresql")
    if refused:
        await session.delete(block)
        await session.flush()
        return None
    return block


async def end_block(session: AsyncSession, studio_id: int, block_id: int, at: datetime) -> bool:
    """End an active block at `at` (or lift it entirely if it had not started); False if it was not active."""
    block = await session.scalar(
        select(Block).where(Block.studio_id == studio_id, Block.id == block_id, Block.active.is_(True))
    )
    if block is None:
        return False
    claim = update(Occupancy).where(Occupancy.block_id == block_id)
    if block.start_at < at < block.end_at:
        block.end_at = at
        await session.execute(claim.values(end_at=at))
    elif at <= block.start_at:
        block.active = False
        await session.execute(claim.values(active=False))
    await session.flush()
    return True


# Custody


async def open_custody(
    session: AsyncSession, scope: Scope | None, resource_ids: Sequence[int]
) -> dict[int, CustodyRecord]:
    """The open custody record of each of these items that has one."""
    if not resource_ids:
        return {}
    stmt = scoped(CustodyRecord, scope).where(
        CustodyRecord.resource_id.in_(list(resource_ids)), CustodyRecord.returned_at.is_(None)
    )
    return {row.resource_id: row for row in (await session.scalars(stmt)).all()}


async def add_custody(session: AsyncSession, rows: Iterable[CustodyRecord]) -> None:
    session.add_all(list(rows))
    await session.flush()


async def last_maintenance_block(session: AsyncSession, scope: Scope | None, resource_id: int) -> int | None:
    """The maintenance block of the item's latest damaged return, if any."""
    stmt = (
        scoped(CustodyRecord, scope)
        .where(CustodyRecord.resource_id == resource_id, CustodyRecord.maintenance_block_id.is_not(None))
        .order_by(CustodyRecord.returned_at.desc(), CustodyRecord.id.desc())
        .limit(1)
    )
    row = await session.scalar(stmt)
    return row.maintenance_block_id if row is not None else None


@dataclass(frozen=True)
class DueCustody:
    custody_id: int
    studio_id: int
    resource_id: int
    booking_id: int | None
    location_id: int | None
    due_at: datetime
    grace_minutes: int


async def due_custody(session: AsyncSession, now: datetime, limit: int) -> list[DueCustody]:
    """Open check-outs of every studio past their due time plus the studio's grace, not yet marked overdue."""
    graces = list((await session.scalars(select(Studio.overdue_grace_minutes).distinct())).all())
    if not graces:
        return []
    # One condition per distinct grace (there are few), so the limit applies to rows really overdue.
    past_grace = or_(
        *[(Studio.overdue_grace_minutes == g) & (CustodyRecord.due_at <= now - timedelta(minutes=g)) for g in graces]
    )
    stmt = (
        select(
            CustodyRecord.id,
            CustodyRecord.studio_id,
            CustodyRecord.resource_id,
            CustodyRecord.booking_id,
            Resource.location_id,
            CustodyRecord.due_at,
            Studio.overdue_grace_minutes,
        )
        .join(Resource, Resource.id == CustodyRecord.resource_id)
        .join(Studio, Studio.id == CustodyRecord.studio_id)
        .where(
            CustodyRecord.returned_at.is_(None),
            CustodyRecord.overdue_at.is_(None),
            CustodyRecord.due_at.is_not(None),
            past_grace,
        )
        .order_by(CustodyRecord.due_at, CustodyRecord.id)
        .limit(limit)
    )
    return [
        DueCustody(cid, sid, rid, bid, loc, due, grace)
        for cid, sid, rid, bid, loc, due, grace in await session.execute(stmt)
        if due is not None
    ]


async def set_overdue(session: AsyncSession, custody_ids: Sequence[int], at: datetime) -> set[int]:
    """Mark these check-outs overdue unless they were returned or marked meanwhile; returns those marked."""
    if not custody_ids:
        return set()
    stmt = (
        update(CustodyRecord)
        .where(
            CustodyRecord.id.in_(list(custody_ids)),
            CustodyRecord.returned_at.is_(None),
            CustodyRecord.overdue_at.is_(None),
        )
        .values(overdue_at=at)
        .returning(CustodyRecord.id)
        .execution_options(synchronize_session=False)
    )
    return set((await session.scalars(stmt)).all())


# Scans


async def add_scans(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.add_all([ScanRecord(**row) for row in rows])
        await session.flush()


# Audits


async def audit(session: AsyncSession, scope: Scope | None, audit_id: int, *, for_update: bool = False) -> Audit | None:
    stmt = scoped(Audit, scope).where(Audit.id == audit_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def audits_by_ids(session: AsyncSession, scope: Scope | None, ids: Sequence[int]) -> list[Audit]:
    return list((await session.scalars(scoped(Audit, scope).where(Audit.id.in_(list(ids))))).all())


async def running_audit(session: AsyncSession, scope: Scope | None, location_id: int) -> Audit | None:
    stmt = scoped(Audit, scope).where(Audit.location_id == location_id, Audit.finished_at.is_(None))
    return await session.scalar(stmt)


async def add_audit(session: AsyncSession, audit_row: Audit) -> Audit:
    session.add(audit_row)
    await session.flush()
    return audit_row


async def add_sightings(session: AsyncSession, audit_id: int, resource_ids: Sequence[int], at: datetime) -> None:
    """Record items seen in an audit; an item already seen keeps its first sighting."""
    if not resource_ids:
        return
    values = [{"audit_id": audit_id, "resource_id": rid, "first_seen_at": at} for rid in sorted(set(resource_ids))]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(AuditSighting).values(values).on_conflict_do_nothing())


async def sighted(session: AsyncSession, audit_id: int) -> set[int]:
    stmt = select(AuditSighting.resource_id).where(AuditSighting.audit_id == audit_id)
    return set((await session.scalars(stmt)).all())


async def sighting_counts(session: AsyncSession, audit_ids: Sequence[int]) -> dict[int, int]:
    stmt = (
        select(AuditSighting.audit_id, func.count())
        .where(AuditSighting.audit_id.in_(list(audit_ids)))
        .group_by(AuditSighting.audit_id)
    )
    counts = {audit_id: int(n) for audit_id, n in await session.execute(stmt)}
    return {a: counts.get(a, 0) for a in audit_ids}


async def equipment_at(session: AsyncSession, scope: Scope | None, location_id: int) -> list[Resource]:
    """Items in service whose home is this location."""
    stmt = scoped(Resource, scope).where(
        Resource.kind == ResourceKind.EQUIPMENT, Resource.location_id == location_id, Resource.retired_at.is_(None)
    )
    return list((await session.scalars(stmt.order_by(Resource.id))).all())


# History


@dataclass(frozen=True)
class CustodyLine:
    record: CustodyRecord
    out_by: str | None
    in_by: str | None


async def custody_history(
    session: AsyncSession, scope: Scope | None, resource_id: int, limit: int
) -> list[CustodyLine]:
    """An item's custody records, newest first, with the names of the tokens that opened and closed them."""
    out_token, in_token = aliased(ApiToken), aliased(ApiToken)
    stmt = (
        select(CustodyRecord, out_token.name, in_token.name)
        .outerjoin(out_token, out_token.id == CustodyRecord.out_token_id)
        .outerjoin(in_token, in_token.id == CustodyRecord.in_token_id)
        .where(
            CustodyRecord.resource_id == resource_id,
            CustodyRecord.studio_id == (scope.studio_id if scope is not None else -1),
        )
        .order_by(CustodyRecord.checked_out_at.desc(), CustodyRecord.id.desc())
        .limit(limit)
    )
    return [CustodyLine(*row) for row in await session.execute(stmt)]


@dataclass(frozen=True)
class ScanLine:
    record: ScanRecord
    device: str | None


async def scan_history(session: AsyncSession, scope: Scope | None, resource_id: int, limit: int) -> list[ScanLine]:
    """Scans of an item, accepted or refused, newest first, with the name of the token that made each."""
    stmt = (
        select(ScanRecord, ApiToken.name)
        .outerjoin(ApiToken, ApiToken.id == ScanRecord.token_id)
        .where(
            ScanRecord.resource_id == resource_id,
            ScanRecord.studio_id == (scope.studio_id if scope is not None else -1),
        )
        .order_by(ScanRecord.at.desc(), ScanRecord.id.desc())
        .limit(limit)
    )
    return [ScanLine(*row) for row in await session.execute(stmt)]


async def block_holds_item_in_maintenance(session: AsyncSession, block_id: int) -> bool:
    """Whether this block is the one a damaged return put on an item that is still in maintenance."""
    stmt = (
        select(CustodyRecord.id)
        .join(Resource, Resource.id == CustodyRecord.resource_id)
        .where(CustodyRecord.maintenance_block_id == block_id, Resource.custody == CustodyState.MAINTENANCE)
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None
