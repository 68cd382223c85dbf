"""Audits: a stock-take of one location from batches of (mostly RFID) reads.

- `startAudit`: one running audit per location (the database enforces it).
- `recordAuditScans`: a batch of codes, repeats and all; each item is sighted once per audit (its
  first sighting kept). Codes that name no item (unknown codes, kit labels, malformed reads) are
  returned as `unresolved` and do not refuse the batch: a reader in the field reads what it reads.
  One scan record per distinct code of a batch.
- `finishAudit` compares, at that moment:
  expected = items whose home is this location and that are `IN_CAGE`;
  found = expected items seen, and items in `MAINTENANCE` at home here that were seen;
  missing = expected items not seen (items in maintenance are not expected: they may be at the repairer);
  unexpected = items seen whose home is elsewhere, or that are checked out, missing or retired.
  The lists are kept with the audit, so they read the same later.
- `markMissing`: items missing in a finished audit and still `IN_CAGE` become `MISSING`. A missing
  item gets an open custody record ("missing since the audit of ...") that closes when the item is
  scanned back in, so its history shows the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Audit, CustodyRecord, CustodyState, Resource
from db.repositories import cage as repo
from db.repositories import resources, tenancy
from db.types import utcnow
from server.services import versions
from server.services.cage.codes import ScannedCode, parse_code
from server.services.cage.resolve import best_match
from server.services.cage.scans import (
    AUDIT,
    ScanTrace,
    assets_event,
    check_audit_location,
    check_key,
    emit_asset,
    run_cage_op,
    scan_row,
)
from server.services.errors import DomainError, Invalid, InvalidTransition, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

MAX_CODES_PER_BATCH = 1000
# Candidates per lookup statement: far below both drivers' bind-parameter limits.
MAX_CANDIDATES = 3000


@dataclass(frozen=True)
class AuditScans:
    audit_id: int
    seen_ids: list[int]  # items read in this batch
    new_count: int  # of those, first seen in this audit by this batch
    unresolved: list[str]


@dataclass(frozen=True)
class AuditResult:
    audit_id: int
    found: list[int]
    missing: list[int]
    unexpected: list[int]


@dataclass(frozen=True)
class MarkedMissing:
    audit_id: int
    marked_ids: list[int]
    unchanged_ids: list[int]  # missing in the audit but no longer in the cage's keeping (e.g. since checked out)


async def start_audit(uow: UnitOfWork, principal: Principal, *, location_id: int | None, key: str) -> int:
    """Open an audit of a location (a scanner's own location by default); returns its id."""
    require(principal, Action.AUDIT_CAGE)
    clean_key = check_key(key)
    where = location_id if location_id is not None else principal.location_id
    if where is None:
        raise Invalid("locationId is required.", field="locationId")

    async def work(tx: Tx) -> dict[str, object]:
        check_audit_location(principal, where)
        location = await tenancy.location(tx.session, principal, where)
        if location is None:
            raise NotFound("No such location.")
        running = await repo.running_audit(tx.session, principal, where)
        if running is not None:
            raise InvalidTransition(
                f"An audit of {location.name} is already running (started {running.started_at:%Y-%m-%d %H:%M} UTC)."
            )
        row = await repo.add_audit(
            tx.session,
            Audit(
                studio_id=principal.studio_id,
                location_id=where,
                started_at=utcnow(),
                started_by_token_id=principal.token_id,
            ),
        )
        tx.emit(assets_event(where, "AuditStarted", {"auditId": row.id}))
        return {"ok": {"audit": row.id}}

    result = await run_cage_op(
        uow, principal, key=clean_key, operation="startAudit", request={"locationId": where}, work=work, trace=None
    )
    return int(result["audit"])


async def record_audit_scans(
    uow: UnitOfWork, principal: Principal, *, audit_id: int, codes: list[str], key: str
) -> AuditScans:
    """Record a batch of reads in a running audit."""
    require(principal, Action.AUDIT_CAGE)
    clean_key = check_key(key)
    if not codes:
        raise Invalid("codes may not be empty.", field="codes")
    if len(codes) > MAX_CODES_PER_BATCH:
        raise Invalid(f"At most {MAX_CODES_PER_BATCH} codes per batch.", field="codes")
    distinct = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not distinct:
        raise Invalid("codes may not be empty.", field="codes")
    request = {"auditId": audit_id, "codes": distinct}
    label = distinct[0] + (f" (+{len(distinct) - 1} more)" if len(distinct) > 1 else "")
    trace = ScanTrace(AUDIT, label)

    async def work(tx: Tx) -> dict[str, object]:
        now = utcnow()
        row = await _audit(tx, principal, audit_id, lock=True, trace=trace)
        if row.finished_at is not None:
            raise InvalidTransition("This audit is finished; start a new one.")
        matched = await _resolve_all(tx, principal, distinct)
        seen = sorted({r.id for r in matched.values() if r is not None})
        before = await repo.sighted(tx.session, row.id)
        await repo.add_sightings(tx.session, row.id, seen, now)
        scans = [
            scan_row(
                principal,
                trace,
                "SEEN" if item is not None else NotFound.code,
                None if item is not None else "names no item of this studio",
                clean_key,
                code=code[:200],
                resource_id=item.id if item is not None else None,
            )
            for code, item in matched.items()
        ]
        await repo.add_scans(tx.session, scans)
        unresolved = [code for code, item in matched.items() if item is None]
        new = [rid for rid in seen if rid not in before]
        return {"ok": {"audit": row.id, "seen": seen, "new": len(new), "unresolved": unresolved}}

    result = await run_cage_op(
        uow, principal, key=clean_key, operation="recordAuditScans", request=request, work=work, trace=trace
    )
    return AuditScans(result["audit"], list(result["seen"]), int(result["new"]), list(result["unresolved"]))


async def _audit(
    tx: Tx, principal: Principal, audit_id: int, *, lock: bool = False, trace: ScanTrace | None = None
) -> Audit:
    row = await repo.audit(tx.session, principal, audit_id, for_update=lock)
    if row is None:
        raise NotFound("No such audit.")
    if trace is not None:
        trace.audit_id = row.id
    check_audit_location(principal, row.location_id)
    return row


async def _resolve_all(tx: Tx, principal: Principal, codes: list[str]) -> dict[str, Resource | None]:
    """The item each code names (None for unknown codes, kit labels and malformed reads)."""
    parsed: dict[str, ScannedCode | None] = {}
    for code in codes:
        try:
            parsed[code] = parse_code(code)
        except DomainError:
            parsed[code] = None
    out: dict[str, Resource | None] = {code: None for code in codes}
    chunk: list[tuple[str, ScannedCode]] = []
    size = 0
    for code, scanned in parsed.items():
        if scanned is None:
            continue
        weight = len(scanned.tags) + len(scanned.epcs)
        if chunk and size + weight > MAX_CANDIDATES:
            await _resolve_chunk(tx, principal, chunk, out)
            chunk, size = [], 0
        chunk.append((code, scanned))
        size += weight
    if chunk:
        await _resolve_chunk(tx, principal, chunk, out)
    return out


async def _resolve_chunk(
    tx: Tx, principal: Principal, chunk: list[tuple[str, ScannedCode]], out: dict[str, Resource | None]
) -> None:
    tags = sorted({t for _, s in chunk for t in s.tags})
    epcs = sorted({e for _, s in chunk for e in s.epcs})
    rows = await repo.equipment_matching(tx.session, principal, tags, epcs)
    for code, scanned in chunk:
        mine = [r for r in rows if r.code in scanned.tags or r.epc in scanned.epcs]
        out[code] = best_match(scanned, mine)


async def finish_audit(uow: UnitOfWork, principal: Principal, *, audit_id: int, key: str) -> AuditResult:
    """Close a running audit and say what was found, missing and unexpected (see the module docstring)."""
    require(principal, Action.AUDIT_CAGE)
    clean_key = check_key(key)

    async def work(tx: Tx) -> dict[str, object]:
        row = await _audit(tx, principal, audit_id, lock=True)
        if row.finished_at is not None:
            raise InvalidTransition("This audit is already finished.")
        here = await repo.equipment_at(tx.session, principal, row.location_id)
        seen_ids = await repo.sighted(tx.session, row.id)
        seen = await resources.by_ids(tx.session, principal, sorted(seen_ids))
        result = classify(row.location_id, here, seen)
        row.finished_at = utcnow()
        row.finished_by_token_id = principal.token_id
        row.result = result
        await tx.session.flush()
        counts = {k: len(v) for k, v in result.items()}
        tx.emit(assets_event(row.location_id, "AuditFinished", {"auditId": row.id, **counts}))
        return {"ok": {"audit": row.id, **result}}

    result = await run_cage_op(
        uow, principal, key=clean_key, operation="finishAudit", request={"auditId": audit_id}, work=work, trace=None
    )
    return AuditResult(result["audit"], list(result["found"]), list(result["missing"]), list(result["unexpected"]))


def classify(location_id: int, here: list[Resource], seen: list[Resource]) -> dict[str, list[int]]:
    """found / missing / unexpected item ids (see the module docstring), each ordered by name."""
    seen_ids = {r.id for r in seen}
    expected = [r for r in here if r.custody == CustodyState.IN_CAGE]

    def at_home(r: Resource) -> bool:
        return r.location_id == location_id and r.retired_at is None

    found = [r for r in expected if r.id in seen_ids]
    found += [r for r in seen if at_home(r) and r.custody == CustodyState.MAINTENANCE]
    missing = [r for r in expected if r.id not in seen_ids]
    unexpected = [
        r for r in seen if not at_home(r) or r.custody not in (CustodyState.IN_CAGE, CustodyState.MAINTENANCE)
    ]

    def ids(rows: list[Resource]) -> list[int]:
        return [r.id for r in sorted(rows, key=lambda r: (r.name, r.id))]

    return {"found": ids(found), "missing": ids(missing), "unexpected": ids(unexpected)}


async def mark_missing(
    uow: UnitOfWork, principal: Principal, *, audit_id: int, resource_ids: list[int] | None, key: str
) -> MarkedMissing:
    """Mark items missing in a finished audit as MISSING (all of them when no ids are given)."""
    require(principal, Action.AUDIT_CAGE)
    clean_key = check_key(key)
    wanted = None if resource_ids is None else sorted(set(resource_ids))

    async def work(tx: Tx) -> dict[str, object]:
        now = utcnow()
        row = await _audit(tx, principal, audit_id, lock=True)
        if row.finished_at is None or row.result is None:
            raise InvalidTransition("Finish the audit before marking items missing.")
        missing = list(row.result.get("missing", []))
        ids = missing if wanted is None else wanted
        strays = [rid for rid in ids if rid not in missing]
        if strays:
            raise Invalid("Only items missing in this audit can be marked missing.", field="resourceIds")
        location = await tenancy.location(tx.session, principal, row.location_id)
        where = location.name if location is not None else "its location"
        custodian = f"Missing since the audit of {where} on {row.started_at:%Y-%m-%d}"[:120]
        items = await repo.lock_resources(tx.session, principal, ids)
        marked = [r for r in items if r.custody == CustodyState.IN_CAGE and r.retired_at is None]
        await repo.add_custody(
            tx.session,
            [
                CustodyRecord(
                    studio_id=principal.studio_id,
                    resource_id=r.id,
                    custodian=custodian,
                    checked_out_at=now,
                    missing_accessories=[],
                    out_token_id=principal.token_id,
                )
                for r in marked
            ],
        )
        await versions.bump(tx, Resource, [r.id for r in marked], custody=CustodyState.MISSING)
        for item in marked:
            emit_asset(tx, item, "AssetMarkedMissing", None, auditId=row.id)
        await tx.session.flush()
        marked_ids = {r.id for r in marked}
        return {
            "ok": {
                "audit": row.id,
                "marked": [rid for rid in ids if rid in marked_ids],
                "unchanged": [rid for rid in ids if rid not in marked_ids],
            }
        }

    request = {"auditId": audit_id, "resourceIds": wanted}
    result = await run_cage_op(
        uow, principal, key=clean_key, operation="markMissing", request=request, work=work, trace=None
    )
    return MarkedMissing(result["audit"], list(result["marked"]), list(result["unchanged"]))
