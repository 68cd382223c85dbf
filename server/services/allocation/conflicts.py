"""Find every clash of a set of claims, explain it, and write claims so that none can slip through.

The friendly check runs first (inside the write transaction) and names each clash; the database
makes it true: the exclusion constraint on PostgreSQL (a conflict-safe insert that reports the rows
it could not write), the write lock of `BEGIN IMMEDIATE` on SQLite. Stock pools are locked and swept.
A refusal carries what to search alternatives for, not the alternatives: the search waits until the
transaction has rolled back and a client asks (`alternatives`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from db.repositories import bookings as booking_rows
from db.repositories import occupancy
from db.repositories.scoping import sees_every_booking
from server.services.allocation import alternatives, holds
from server.services.allocation.claims import Claim
from server.services.allocation.sweep import peak
from server.services.allocation.windows import Window
from server.services.errors import Clash, Conflict
from server.services.principal import Principal
from server.services.uow import Tx

MAX_CLASHES = 50


@dataclass
class Report:
    """The clashes of a request and the claims that caused them."""

    clashes: list[Clash] = field(default_factory=list)
    clashed: list[Claim] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.clashes)


async def check(
    tx: Tx,
    principal: Principal,
    claims: Sequence[Claim],
    now: datetime,
    *,
    exclude_booking_id: int | None = None,
    exclude_block_id: int | None = None,
    writing: bool = True,
) -> Report:
    """Every clash of these claims with active claims and pool uses; lapsed holds in the way are
    expired on the spot when `writing` (a dry run only looks past them)."""
    report = Report()
    units = [c for c in claims if c.is_unit]
    pools = [c for c in claims if not c.is_unit]
    if units:
        found = await occupancy.holders(
            tx.session,
            principal.studio_id,
            [(c.resource.id, c.buffered.start, c.buffered.end) for c in units],
            exclude_booking_id=exclude_booking_id,
            exclude_block_id=exclude_block_id,
        )
        lapsed = sorted({h.booking_id for h in found if h.lapsed(now) and h.booking_id is not None})
        if lapsed and writing:
            await holds.expire(tx, lapsed, now)
        for claim in units:
            mine = claim.buffered
            hits = [
                h
                for h in found
                if h.resource_id == claim.resource.id and Window(h.start, h.end).overlaps(mine) and not h.lapsed(now)
            ]
            for h in hits:
                report.clashes.append(Clash(claim.resource.id, h.start, h.end, h.booking_id))
            if hits:
                report.clashed.append(claim)
    if pools:
        if writing:
            await occupancy.lock_pools(tx.session, principal.studio_id, [c.resource.id for c in pools])
        await _check_pools(tx, principal, pools, now, exclude_booking_id, report)
    report.clashes = await _visible(tx, principal, report.clashes[:MAX_CLASHES])
    return report


async def _check_pools(
    tx: Tx,
    principal: Principal,
    pools: Sequence[Claim],
    now: datetime,
    exclude_booking_id: int | None,
    report: Report,
) -> None:
    def widened(c: Claim) -> tuple[int, datetime, datetime]:
        pad = c.resource.setup_minutes + c.resource.teardown_minutes
        from datetime import timedelta

        return c.resource.id, c.window.start - timedelta(minutes=pad), c.window.end + timedelta(minutes=pad)

    uses = await occupancy.pool_uses(
        tx.session, principal.studio_id, [widened(c) for c in pools], now, exclude_booking_id=exclude_booking_id
    )
    for claim in pools:
        p = claim.resource
        mine = claim.buffered
        spans = [
            (Window(u.start, u.end).buffered(p.setup_minutes, p.teardown_minutes), u)
            for u in uses
            if u.resource_id == p.id
        ]
        spans = [(w, u) for w, u in spans if w.overlaps(mine)]
        load = peak([(w, u.quantity) for w, u in spans], mine)
        if load + claim.quantity > p.quantity:
            report.clashed.append(claim)
            for _w, u in spans:
                report.clashes.append(Clash(p.id, u.start, u.end, u.booking_id))


async def _visible(tx: Tx, principal: Principal, clashes: list[Clash]) -> list[Clash]:
    """Keep booking ids only where the caller may see the booking."""
    ids = sorted({c.booking_id for c in clashes if c.booking_id is not None})
    if not ids or sees_every_booking(principal):
        # Clashes come from this studio's claims only, so staff may see every booking named.
        return clashes
    seen = {b.id for b in await booking_rows.visible_by_ids(tx.session, principal, ids)}
    return [c if c.booking_id in seen else Clash(c.resource_id, c.start, c.end, None) for c in clashes]


def refuse(principal: Principal, report: Report, requested: Sequence[Claim], now: datetime) -> Conflict:
    """The ConflictError for a report, with what its alternatives are to be searched for (no SQL)."""
    names = list(dict.fromkeys(c.resource.name for c in report.clashed))
    message = f"{_join(names)} {'is' if len(names) == 1 else 'are'} not free in the asked window."
    return Conflict(message, report.clashes, sought=alternatives.sought(principal, report.clashed, requested, now))


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


async def ensure_free(
    tx: Tx,
    principal: Principal,
    claims: Sequence[Claim],
    now: datetime,
    *,
    exclude_booking_id: int | None = None,
    exclude_block_id: int | None = None,
) -> None:
    """Raise a Conflict naming every clash, or return with pools locked and lapsed holds expired."""
    report = await check(
        tx, principal, claims, now, exclude_booking_id=exclude_booking_id, exclude_block_id=exclude_block_id
    )
    if report:
        raise refuse(principal, report, claims, now)


async def write(
    tx: Tx, principal: Principal, claims: Sequence[tuple[Claim, occupancy.ClaimRow]], now: datetime
) -> None:
    """Write the unit claims' occupancy rows; a claim the database refuses becomes a Conflict."""
    refused = await occupancy.claim(tx.session, [row for _, row in claims], postgres=tx.is_postgres)
    if refused:
        await lost(tx, principal, claims, {(r.allocation_id, r.block_id) for r in refused}, now)


async def lost(
    tx: Tx,
    principal: Principal,
    claims: Sequence[tuple[Claim, occupancy.ClaimRow]],
    refused: set[tuple[int | None, int | None]],
    now: datetime,
) -> None:
    """Raise the Conflict of claims the database refused (keyed by (allocation, block))."""
    # A racing transaction committed an overlapping claim after our check: report it as the check would.
    losing = [c for c, row in claims if (row.allocation_id, row.block_id) in refused]
    report = await check(tx, principal, losing, now, writing=False)
    if not report:
        report = Report([Clash(c.resource.id, c.buffered.start, c.buffered.end, None) for c in losing], list(losing))
    raise refuse(principal, report, claims_of(claims), now)


def claims_of(pairs: Sequence[tuple[Claim, occupancy.ClaimRow]]) -> list[Claim]:
    return [c for c, _ in pairs]
