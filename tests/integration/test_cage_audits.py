"""Audits: batches of repeated reads, found / missing / unexpected, marking missing, and the refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import AuditSighting, CustodyState, Role
from server.services.cage.audits import finish_audit, mark_missing, record_audit_scans, start_audit
from server.services.cage.checkout import check_out
from server.services.cage.returns import return_asset
from server.services.errors import Forbidden, Invalid, InvalidTransition, NotFound
from tests.conftest import StudioFixture
from tests.integration import cage_support as cs

GIAI_96 = "3414F4E4E4000000000181CD"  # urn:epc:id:giai:4012345.98765


async def _start(studio: StudioFixture, role: Role = Role.SCANNER, location: str | None = None) -> int:
    who = await cs.principal(studio, role)
    where = studio.locations[location] if location else None
    return await start_audit(studio.runtime.uow, who, location_id=where, key=cs.key())


async def _scan(
    studio: StudioFixture, audit_id: int, codes: list[str], role: Role = Role.SCANNER, key: str | None = None
):  # type: ignore[no-untyped-def]
    who = await cs.principal(studio, role)
    return await record_audit_scans(studio.runtime.uow, who, audit_id=audit_id, codes=codes, key=key or cs.key())


async def _finish(studio: StudioFixture, audit_id: int, role: Role = Role.SCANNER):  # type: ignore[no-untyped-def]
    return await finish_audit(studio.runtime.uow, await cs.principal(studio, role), audit_id=audit_id, key=cs.key())


async def test_found_missing_and_unexpected_from_repeated_reads(studio: StudioFixture) -> None:
    a = await cs.item(studio, "A mic", code="AUD-A", epc=GIAI_96)
    b = await cs.item(studio, "B mic", code="AUD-B")
    c = await cs.item(studio, "C mic", code="AUD-C")
    stray = await cs.item(studio, "D post monitor", code="AUD-D", at="Post")
    out = await cs.item(studio, "E cam out", code="AUD-E")
    await check_out(
        studio.runtime.uow,
        await cs.principal(studio, Role.SCANNER),
        code="AUD-E",
        booking_id=await cs.booking(studio, items=[out]),
        key=cs.key(),
    )
    audit = await _start(studio)

    first = await _scan(studio, audit, [GIAI_96] * 20 + ["urn:epc:id:giai:4012345.98765", "AUD-B", "AUD-B", "NOPE"])
    second = await _scan(studio, audit, ["AUD-B", "AUD-D", "AUD-E", "AUD-D"])

    assert (first.seen_ids, first.new_count, first.unresolved) == (sorted([a, b]), 2, ["NOPE"])
    assert (second.seen_ids, second.new_count, second.unresolved) == (sorted([b, stray, out]), 2, [])
    async with studio.runtime.uow.read() as s:
        count = await s.scalar(select(func.count()).where(AuditSighting.audit_id == audit))
    assert count == 4
    # One scan record per distinct code of a batch.
    assert [(x.code, x.outcome, x.resource_id) for x in await cs.scans(studio) if x.action == "AUDIT"] == [
        (GIAI_96, "SEEN", a),
        ("urn:epc:id:giai:4012345.98765", "SEEN", a),
        ("AUD-B", "SEEN", b),
        ("NOPE", "NOT_FOUND", None),
        ("AUD-B", "SEEN", b),
        ("AUD-D", "SEEN", stray),
        ("AUD-E", "SEEN", out),
    ]

    result = await _finish(studio, audit)

    assert (result.found, result.missing, result.unexpected) == ([a, b], [c], [stray, out])
    # The lists are kept with the audit.
    with pytest.raises(InvalidTransition):
        await _scan(studio, audit, ["AUD-C"])
    with pytest.raises(InvalidTransition):
        await _finish(studio, audit)


async def test_mark_missing_and_the_item_turning_up(studio: StudioFixture) -> None:
    seen = await cs.item(studio, "Seen", code="MM-1")
    lost = await cs.item(studio, "Lost lens", code="MM-2")
    audit = await _start(studio)
    with pytest.raises(InvalidTransition):
        await mark_missing(
            studio.runtime.uow, await cs.principal(studio, Role.SCANNER), audit_id=audit, resource_ids=None, key="mm0"
        )
    await _scan(studio, audit, ["MM-1"])
    assert (await _finish(studio, audit)).missing == [lost]
    scanner = await cs.principal(studio, Role.SCANNER)
    with pytest.raises(Invalid):
        await mark_missing(studio.runtime.uow, scanner, audit_id=audit, resource_ids=[seen], key="mm1")

    marked = await mark_missing(studio.runtime.uow, scanner, audit_id=audit, resource_ids=None, key="mm2")

    assert (marked.marked_ids, marked.unchanged_ids) == ([lost], [])
    assert (await cs.resource(studio, lost)).custody == CustodyState.MISSING
    (record,) = await cs.custody_records(studio, lost)
    assert record.returned_at is None and record.booking_id is None
    assert record.custodian.startswith("Missing since the audit of Cage on ")
    with pytest.raises(InvalidTransition):
        await check_out(studio.runtime.uow, await cs.principal(studio), code="MM-2", booking_id=None, key=cs.key())

    # It turns up and is scanned back in.
    back = await return_asset(
        studio.runtime.uow, scanner, code="MM-2", condition=None, notes=None, missing_accessories=None, key=cs.key()
    )
    assert back.custody_id == record.id
    assert (await cs.resource(studio, lost)).custody == CustodyState.IN_CAGE
    assert (await cs.scans(studio, resource_id=lost))[-1].outcome == "FOUND"
    again = await mark_missing(studio.runtime.uow, scanner, audit_id=audit, resource_ids=None, key="mm3")
    assert (again.marked_ids, again.unchanged_ids) == ([lost], [])


async def test_one_running_audit_per_location(studio: StudioFixture) -> None:
    await _start(studio)
    with pytest.raises(InvalidTransition):
        await _start(studio, Role.COORDINATOR, location="Cage")
    other = await _start(studio, Role.COORDINATOR, location="Post")
    assert other > 0


async def test_scanner_audits_only_its_own_location(studio: StudioFixture) -> None:
    with pytest.raises(Forbidden):
        await _start(studio, Role.SCANNER, location="Post")
    post = await _start(studio, Role.ADMIN, location="Post")
    with pytest.raises(Forbidden):
        await _scan(studio, post, ["X"])
    with pytest.raises(Forbidden):
        await _finish(studio, post)
    refused = (await cs.scans(studio))[-1]
    assert (refused.action, refused.outcome, refused.audit_id, refused.code) == ("AUDIT", "FORBIDDEN", post, "X")


async def test_audit_of_another_studio_is_not_found(studio: StudioFixture, other_studio: StudioFixture) -> None:
    theirs = await _start(other_studio)
    with pytest.raises(NotFound):
        await _scan(studio, theirs, ["X"])
    with pytest.raises(NotFound):
        await _finish(studio, theirs)


@pytest.mark.parametrize("role", [Role.PRODUCER, Role.CREW, Role.DISPLAY])
async def test_roles_without_the_cage_may_not_audit(studio: StudioFixture, role: Role) -> None:
    with pytest.raises(Forbidden):
        await _start(studio, role, location="Cage")
    assert await cs.scans(studio) == []


@pytest.mark.parametrize("codes", [[], [""] * 3, ["X"] * 1001])
async def test_batches_must_hold_codes(studio: StudioFixture, codes: list[str]) -> None:
    audit = await _start(studio)
    with pytest.raises(Invalid):
        await _scan(studio, audit, codes)
