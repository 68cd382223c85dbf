"""Returns: conditions, missing accessories, damage to maintenance and release, kits per item, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import CustodyState, Role
from db.types import utcnow
from server.services.allocation import availability as avail
from server.services.cage.checkout import check_out
from server.services.cage.maintenance import OPEN_END, release_asset
from server.services.cage.returns import return_asset
from server.services.errors import Forbidden, Invalid, InvalidTransition, NotFound
from tests.conftest import StudioFixture
from tests.integration import cage_support as cs

HOUR = timedelta(hours=1)


async def _out(studio: StudioFixture, code: str, booking_id: int | None) -> None:
    scanner = await cs.principal(studio, Role.SCANNER if booking_id is not None else Role.ADMIN)
    await check_out(studio.runtime.uow, scanner, code=code, booking_id=booking_id, key=cs.key())


async def _back(  # type: ignore[no-untyped-def]
    studio: StudioFixture, code: str, condition: str | None = None, role: Role = Role.SCANNER, **kw
):
    return await return_asset(
        studio.runtime.uow,
        await cs.principal(studio, role),
        code=code,
        condition=condition,
        notes=kw.get("notes"),
        missing_accessories=kw.get("missing"),
        key=kw.get("key") or cs.key(),
    )


@pytest.mark.parametrize("condition", [None, "OK", "worn"])
async def test_return_closes_the_custody_record(studio: StudioFixture, condition: str | None) -> None:
    item = await cs.item(studio, code="R-1")
    booking = await cs.booking(studio, items=[item])
    await _out(studio, "R-1", booking)
    seq = await cs.last_seq(studio)

    back = await _back(studio, "R-1", condition, notes="scuffed strap", missing=["lens cap", "strap", "lens cap"])

    expected = "WORN" if condition == "worn" else "OK"
    assert (back.asset_id, back.condition.value, back.booking_id, back.late, back.maintenance_block_id) == (
        item,
        expected,
        booking,
        False,
        None,
    )
    (record,) = await cs.custody_records(studio, item)
    scanner = await cs.principal(studio, Role.SCANNER)
    assert record.returned_at is not None
    assert (record.return_condition, record.return_notes, record.missing_accessories, record.in_token_id) == (
        expected,
        "scuffed strap",
        ["lens cap", "strap"],
        scanner.token_id,
    )
    row = await cs.resource(studio, item)
    assert (row.custody, row.condition) == (CustodyState.IN_CAGE, expected)
    last = (await cs.scans(studio, resource_id=item))[-1]
    assert (last.action, last.outcome, last.booking_id) == ("RETURN", "RETURNED", booking)
    assert last.detail == f"{expected}; missing accessories: lens cap, strap; scuffed strap"
    returned = [e for e in await cs.events(studio, seq) if e.topic == f"assets:{studio.locations['Cage']}"]
    assert [(e.type, e.payload["custody"], e.payload["bookingId"]) for e in returned] == [
        ("AssetReturned", "IN_CAGE", booking)
    ]


async def test_damaged_goes_to_maintenance_blocked_until_released(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Camera body C", code="DMG-A")
    now = utcnow()
    booking = await cs.booking(studio, items=[item], start=now - HOUR, end=now + HOUR)
    later = await cs.booking(studio, items=[item], start=now + 5 * HOUR, end=now + 6 * HOUR, title="Later shoot")
    await _out(studio, "DMG-A", booking)

    back = await _back(studio, "DMG-A", "DAMAGED", notes="lens mount cracked")

    assert back.condition.value == "DAMAGED"
    assert back.affected_booking_ids == [later]
    row = await cs.resource(studio, item)
    assert (row.custody, row.condition) == (CustodyState.MAINTENANCE, "DAMAGED")
    ((block, claim),) = await cs.blocks(studio, item)
    # Returned early: the block fills the time from the end of the current booking to the later one.
    assert block.id == back.maintenance_block_id
    assert (block.start_at, block.end_at, block.active, block.reason) == (
        now + HOUR,
        now + 5 * HOUR,
        True,
        "Returned damaged: lens mount cracked",
    )
    assert claim is not None and (claim.start_at, claim.end_at, claim.active) == (now + HOUR, now + 5 * HOUR, True)
    (record,) = await cs.custody_records(studio, item)
    assert record.maintenance_block_id == block.id
    # Away for availability (custody), and refused for check-out.
    admin = await cs.principal(studio)
    query = avail.AvailabilityQuery(start=now + 2 * HOUR, end=now + 3 * HOUR, kind=None)
    async with studio.runtime.uow.read() as session:
        free = await avail.available(session, admin, query, utcnow(), postgres=studio.runtime.database.is_postgres)
    assert item not in {r.id for r, _ in free}

    released = await release_asset(studio.runtime.uow, admin, resource_id=item, condition=None, key=cs.key())

    assert released.block_id == block.id
    row = await cs.resource(studio, item)
    assert (row.custody, row.condition) == (CustodyState.IN_CAGE, "OK")
    ((block, claim),) = await cs.blocks(studio, item)
    assert block.active is False and claim is not None and claim.active is False  # released before it began


async def test_damaged_with_nothing_booked_after_is_blocked_open_ended(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="DMG-B")
    start = utcnow() - 3 * HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=start + HOUR)

    # Overdue by now; it still comes back.
    async def force_out(tx):  # type: ignore[no-untyped-def]
        from db.models import CustodyRecord, Resource

        res = await tx.session.get(Resource, item)
        res.custody = CustodyState.CHECKED_OUT
        tx.session.add(
            CustodyRecord(
                studio_id=studio.id,
                resource_id=item,
                booking_id=booking,
                custodian="Session",
                checked_out_at=start,
                due_at=start + HOUR,
                missing_accessories=[],
            )
        )

    await studio.runtime.uow.run(force_out, studio_id=studio.id)
    back = await _back(studio, "DMG-B", "damaged")
    assert back.late is True
    ((block, _claim),) = await cs.blocks(studio, item)
    assert block.end_at == OPEN_END and block.start_at <= utcnow()

    admin = await cs.principal(studio)
    await release_asset(studio.runtime.uow, admin, resource_id=item, condition="WORN", key=cs.key())
    ((block, claim),) = await cs.blocks(studio, item)
    assert block.active is True and block.end_at < OPEN_END and claim is not None and claim.end_at == block.end_at
    assert (await cs.resource(studio, item)).condition == "WORN"


async def test_release_needs_a_coordinator_and_an_item_in_maintenance(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Tripod", code="REL-1")
    with pytest.raises(Forbidden):
        await release_asset(
            studio.runtime.uow, await cs.principal(studio, Role.SCANNER), resource_id=item, condition=None, key="k"
        )
    with pytest.raises(InvalidTransition) as caught:
        await release_asset(studio.runtime.uow, await cs.principal(studio), resource_id=item, condition=None, key="k2")
    assert caught.value.message == "Tripod is not in maintenance."
    with pytest.raises(Invalid):
        await release_asset(
            studio.runtime.uow, await cs.principal(studio), resource_id=item, condition="DAMAGED", key="k3"
        )


async def test_return_when_in(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Boom pole", code="IN-1")
    before = await cs.snapshot(studio, item)
    with pytest.raises(InvalidTransition) as caught:
        await _back(studio, "IN-1")
    assert caught.value.message == "Boom pole is already in the cage: it was never checked out."
    after = await cs.snapshot(studio, item)
    assert (after.custody, after.records, after.condition) == (before.custody, before.records, before.condition)
    (scan,) = await cs.scans(studio, resource_id=item)
    assert (scan.action, scan.outcome) == ("RETURN", "INVALID_TRANSITION")


async def test_return_of_an_item_in_maintenance_is_refused(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Monitor", code="IN-2")
    await _out(studio, "IN-2", await cs.booking(studio, items=[item]))
    await _back(studio, "IN-2", "DAMAGED")
    with pytest.raises(InvalidTransition):
        await _back(studio, "IN-2")


async def test_unknown_code_at_return(studio: StudioFixture) -> None:
    with pytest.raises(NotFound):
        await _back(studio, "WHO-ARE-YOU")
    (scan,) = await cs.scans(studio)
    assert (scan.code, scan.action, scan.outcome, scan.resource_id) == ("WHO-ARE-YOU", "RETURN", "NOT_FOUND", None)


async def test_kit_label_at_return_lists_what_is_still_out(studio: StudioFixture) -> None:
    body, lens = await cs.item(studio, "Body B", code="KRB"), await cs.item(studio, "Lens B", code="KRL")
    kit = await cs.kit(studio, [body, lens], code="KIT-R", name="Package B")
    booking = await cs.booking(studio, kits_=[kit])
    await _out(studio, "KIT-R", booking)
    await _back(studio, "KRL")
    with pytest.raises(InvalidTransition) as caught:
        await _back(studio, "KIT-R")
    assert caught.value.message == "Scan each item of Package B to return it; still out: Body B."
    assert (await cs.resource(studio, body)).custody == CustodyState.CHECKED_OUT


async def test_scanner_returns_only_at_its_location(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="POST-1", at="Post")
    await _out(studio, "POST-1", None)
    before = await cs.snapshot(studio, item)
    with pytest.raises(Forbidden):
        await _back(studio, "POST-1")
    after = await cs.snapshot(studio, item)
    assert (after.custody, after.records) == (before.custody, before.records)
    back = await _back(studio, "POST-1", role=Role.COORDINATOR)
    assert back.asset_id == item


@pytest.mark.parametrize(
    ("condition", "notes", "field"),
    [("BROKEN", None, "condition"), ("OK", "x" * 2001, "notes"), ("OK", "bad\x00byte", "notes")],
)
async def test_malformed_returns_are_validation_errors(
    studio: StudioFixture, condition: str, notes: str | None, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await _back(studio, "ANY", condition, notes=notes)
    assert caught.value.field == field
    assert await cs.scans(studio) == []


async def test_a_damage_block_is_lifted_only_by_releasing_the_item(studio: StudioFixture) -> None:
    from server.schema.ids import to_global_id

    item = await cs.item(studio, "Camera body D", code="DMG-U")
    now = utcnow()
    booking = await cs.booking(studio, items=[item], start=now - HOUR, end=now + HOUR)
    await _out(studio, "DMG-U", booking)
    back = await _back(studio, "DMG-U", "DAMAGED")
    unblock = """mutation($id: ID!) { unblockResource(id: $id) { __typename ... on UserError { code message } } }"""

    refused = await studio.data(unblock, {"id": to_global_id("Block", back.maintenance_block_id)})

    assert refused["unblockResource"] == {
        "__typename": "InvalidTransitionError",
        "code": "INVALID_TRANSITION",
        "message": "This block keeps a damaged item in maintenance: release it with releaseAsset.",
    }
    ((block, claim),) = await cs.blocks(studio, item)
    assert block.active is True and claim is not None and claim.active is True
    assert (await cs.resource(studio, item)).custody == CustodyState.MAINTENANCE
    await release_asset(studio.runtime.uow, await cs.principal(studio), resource_id=item, condition=None, key=cs.key())
    assert (await cs.resource(studio, item)).custody == CustodyState.IN_CAGE
