"""Check-out: against a booking, ad hoc, kits, and every illogical scan (refused, recorded, nothing else changed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import Booking, BookingStatus, CustodyState, Role
from db.types import utcnow
from server.services.allocation.commands import BlockResource
from server.services.cage.checkout import check_out
from server.services.cage.returns import return_asset
from server.services.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound
from tests.conftest import StudioFixture
from tests.integration import cage_support as cs

HOUR = timedelta(hours=1)


async def _out(studio: StudioFixture, code: str, booking_id: int | None, role: Role = Role.SCANNER, **kw):  # type: ignore[no-untyped-def]
    return await check_out(
        studio.runtime.uow, await cs.principal(studio, role), code=code, booking_id=booking_id, key=cs.key(), **kw
    )


async def _refused(studio: StudioFixture, item_id: int, exc_type: type[DomainError], *args, **kw) -> DomainError:  # type: ignore[no-untyped-def]
    """Run a check-out that must be refused; assert only one refused scan was added."""
    before = await cs.snapshot(studio, item_id)
    with pytest.raises(exc_type) as caught:
        await _out(studio, *args, **kw)
    after = await cs.snapshot(studio, item_id)
    assert (after.custody, after.records, after.blocks) == (before.custody, before.records, before.blocks)
    assert after.scans == before.scans + 1
    return caught.value


async def test_check_out_against_a_booking_records_custody_scan_and_events(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Camera body A", code="CAM-A")
    start = utcnow() - HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=start + 4 * HOUR, title="Episode 4")
    seq = await cs.last_seq(studio)

    out = await _out(studio, "CAM-A", booking)

    assert (out.asset_id, out.item_ids, out.left_behind, out.kit_id, out.booking_id) == (
        item,
        [item],
        [],
        None,
        booking,
    )
    assert out.due_at == start + 4 * HOUR
    assert (await cs.resource(studio, item)).custody == CustodyState.CHECKED_OUT
    (record,) = await cs.custody_records(studio, item)
    scanner = await cs.principal(studio, Role.SCANNER)
    assert (record.booking_id, record.custodian, record.due_at, record.returned_at, record.out_token_id) == (
        booking,
        "Episode 4",
        start + 4 * HOUR,
        None,
        scanner.token_id,
    )
    (scan,) = await cs.scans(studio, resource_id=item)
    assert (scan.action, scan.outcome, scan.code, scan.booking_id, scan.token_id, scan.location_id) == (
        "CHECK_OUT",
        "CHECKED_OUT",
        "CAM-A",
        booking,
        scanner.token_id,
        studio.locations["Cage"],
    )
    events = await cs.events(studio, seq)
    topics = {(e.topic, e.type) for e in events}
    assert (f"assets:{studio.locations['Cage']}", "AssetCheckedOut") in topics
    assert ("availability", "AssetCheckedOut") in topics
    asset_event = next(e for e in events if e.topic.startswith("assets:"))
    assert asset_event.payload["resourceId"] == item
    assert asset_event.payload["custody"] == "CHECKED_OUT"
    assert asset_event.payload["bookingId"] == booking
    # The booking's project feed hears of it too: gear out and in are the booking's actuals.
    # It carries the booking's new version: a check-out against a booking is a change to it.
    async with studio.runtime.uow.read() as session:
        row = await session.get(Booking, booking)
        assert row is not None
        project, version = row.project_id, row.version
    assert version == 2
    assert [(e.type, e.payload) for e in events if e.topic == "bookings"] == [
        ("AssetCheckedOut", {"projectId": project, "bookingId": booking, "version": 2})
    ]
    seq = await cs.last_seq(studio)
    await return_asset(
        studio.runtime.uow, scanner, code="CAM-A", condition=None, notes=None, missing_accessories=None, key=cs.key()
    )
    back = [(e.type, e.payload) for e in await cs.events(studio, seq) if e.topic == "bookings"]
    assert back == [("AssetReturned", {"projectId": project, "bookingId": booking, "version": 3})]


async def test_check_out_through_the_kit_of_the_booking(studio: StudioFixture) -> None:
    body, lens = await cs.item(studio, code="KB-1"), await cs.item(studio, code="KL-1")
    kit = await cs.kit(studio, [body, lens], code="KIT-1")
    booking = await cs.booking(studio, kits_=[kit])

    out = await _out(studio, "KL-1", booking)

    assert out.item_ids == [lens]
    assert (await cs.resource(studio, body)).custody == CustodyState.IN_CAGE


async def test_kit_label_checks_out_what_is_in_the_cage_and_reports_the_rest(studio: StudioFixture) -> None:
    body, lens, tripod = [
        await cs.item(studio, n, code=c) for n, c in (("Body", "KB"), ("Lens", "KL"), ("Tripod", "KT"))
    ]
    kit = await cs.kit(studio, [body, lens, tripod], code="KIT-CAM", name="Camera package")
    booking = await cs.booking(studio, kits_=[kit])
    # The lens was scanned out on its own first.
    assert (await _out(studio, "KL", booking)).item_ids == [lens]

    out = await _out(studio, "KIT-CAM", booking)

    assert out.kit_id == kit
    assert out.asset_id == body
    assert out.item_ids == [body, tripod]
    assert [(m.resource_id, m.reason) for m in out.left_behind] == [(lens, "Lens is already checked out.")]
    for rid in (body, tripod):
        (record,) = await cs.custody_records(studio, rid)
        assert (record.kit_id, record.booking_id) == (kit, booking)
    # Partial return, tracked per item.
    back = await return_asset(
        studio.runtime.uow,
        await cs.principal(studio, Role.SCANNER),
        code="KT",
        condition=None,
        notes=None,
        missing_accessories=None,
        key=cs.key(),
    )
    assert back.booking_id == booking
    assert (await cs.resource(studio, tripod)).custody == CustodyState.IN_CAGE
    assert (await cs.resource(studio, body)).custody == CustodyState.CHECKED_OUT


async def test_kit_label_with_nothing_to_give_is_refused(studio: StudioFixture) -> None:
    body = await cs.item(studio, "Body", code="NB")
    kit = await cs.kit(studio, [body], code="KIT-N", name="Solo kit")
    booking = await cs.booking(studio, kits_=[kit])
    await _out(studio, "KIT-N", booking)

    with pytest.raises(InvalidTransition) as caught:
        await _out(studio, "KIT-N", booking)
    assert caught.value.message == "Nothing of Solo kit can go out: Body is already checked out."
    refused = (await cs.scans(studio))[-1]
    assert (refused.outcome, refused.code, refused.resource_id, refused.booking_id) == (
        "INVALID_TRANSITION",
        "KIT-N",
        None,
        booking,
    )


async def test_ad_hoc_check_out_by_a_coordinator(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="AH-1")
    coordinator = await cs.principal(studio, Role.COORDINATOR)

    out = await _out(studio, "AH-1", None, Role.COORDINATOR)

    assert (out.booking_id, out.due_at) == (None, None)
    (record,) = await cs.custody_records(studio, item)
    assert (record.custodian, record.booking_id, record.due_at) == (coordinator.name, None, None)


async def test_ad_hoc_with_due_time_needs_the_item_free_until_then(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="AH-2")
    later = utcnow() + 2 * HOUR
    await cs.booking(studio, items=[item], start=later, end=later + HOUR)

    error = await _refused(studio, item, Conflict, "AH-2", None, Role.COORDINATOR, due_at=later + HOUR)
    assert isinstance(error, Conflict)
    assert [(c.resource_id, c.start) for c in error.clashes] == [(item, later)]

    out = await _out(studio, "AH-2", None, Role.COORDINATOR, due_at=later - HOUR)
    assert out.due_at == later - HOUR


async def test_ad_hoc_needs_the_item_free_now(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="AH-3")
    admin = await cs.principal(studio)
    now = utcnow()
    block = await studio.runtime.allocation.block_resource(
        admin,
        BlockResource(resource_id=item, start=now - HOUR, end=now + HOUR, reason="calibration"),
    )
    error = await _refused(studio, item, Conflict, "AH-3", None, Role.ADMIN)
    assert isinstance(error, Conflict)
    assert [(c.resource_id, c.booking_id) for c in error.clashes] == [(item, None)]
    assert block.id > 0


async def test_without_a_booking_the_booking_holding_the_item_now_is_used(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="NOW-1")
    start = utcnow() - HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=start + 2 * HOUR, title="Running now")

    out = await _out(studio, "NOW-1", None, Role.SCANNER)

    assert (out.booking_id, out.due_at) == (booking, start + 2 * HOUR)
    (record,) = await cs.custody_records(studio, item)
    assert (record.booking_id, record.custodian) == (booking, "Running now")


async def test_without_a_booking_a_kit_split_across_bookings_needs_its_pick_list(studio: StudioFixture) -> None:
    a, b = await cs.item(studio, code="SPLIT-A"), await cs.item(studio, code="SPLIT-B")
    await cs.kit(studio, [a, b], code="KIT-SPLIT")
    await cs.booking(studio, items=[a])
    await cs.booking(studio, items=[b])
    with pytest.raises(InvalidTransition) as caught:
        await _out(studio, "KIT-SPLIT", None, Role.SCANNER)
    assert caught.value.message == "Its items are held by several bookings now: scan the booking's pick list first."


async def test_scanner_may_not_check_out_ad_hoc(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="AH-4")
    await _refused(studio, item, Forbidden, "AH-4", None, Role.SCANNER)
    (scan,) = await cs.scans(studio, resource_id=item)
    assert (scan.outcome, scan.action) == ("FORBIDDEN", "CHECK_OUT")


async def test_out_when_already_out(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Mic 1", code="OUT-1")
    booking = await cs.booking(studio, items=[item])
    await _out(studio, "OUT-1", booking)
    error = await _refused(studio, item, InvalidTransition, "OUT-1", booking)
    assert error.message == "Mic 1 is already checked out."


async def test_item_not_on_the_pick_list(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Mic 2", code="PL-1")
    other = await cs.item(studio, code="PL-2")
    booking = await cs.booking(studio, items=[other], title="Podcast")
    error = await _refused(studio, item, InvalidTransition, "PL-1", booking)
    assert error.message == "Mic 2 is not on the pick list of Podcast."


@pytest.mark.parametrize("status", ["CANCELLED", "COMPLETED"])
async def test_booking_that_no_longer_blocks(studio: StudioFixture, status: str) -> None:
    item = await cs.item(studio, code=f"NB-{status}")
    booking = await cs.booking(studio, items=[item], title="Done")
    admin = await cs.principal(studio)
    if status == "CANCELLED":
        await studio.runtime.allocation.cancel_booking(admin, booking)
    else:
        await studio.runtime.allocation.start_booking(admin, booking, None)
        await studio.runtime.allocation.complete_booking(admin, booking, None)
    error = await _refused(studio, item, InvalidTransition, f"NB-{status}", booking)
    assert error.message == f"The booking Done is {status}: no gear goes out for it."


async def test_allocation_that_is_over(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="OVER-1")
    start = utcnow() - 5 * HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=start + 2 * HOUR)
    await _refused(studio, item, InvalidTransition, "OVER-1", booking)


async def test_taken_by_another_booking_before_ours_starts(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="EARLY-1")
    now = utcnow()
    ours = await cs.booking(studio, items=[item], start=now + 3 * HOUR, end=now + 5 * HOUR)
    theirs = await cs.booking(studio, items=[item], start=now + HOUR, end=now + 2 * HOUR)
    error = await _refused(studio, item, Conflict, "EARLY-1", ours)
    assert isinstance(error, Conflict)
    assert [c.booking_id for c in error.clashes] == [theirs]


async def test_unknown_and_foreign_codes(studio: StudioFixture, other_studio: StudioFixture) -> None:
    await cs.item(other_studio, code="THEIRS-1")
    booking = await cs.booking(studio, items=[await cs.item(studio)])
    for code in ("NOPE-404", "THEIRS-1"):
        with pytest.raises(NotFound) as caught:
            await _out(studio, code, booking)
        assert caught.value.message == f"Unknown code {code}: no item or kit of this studio carries it."
    refused = await cs.scans(studio)
    assert [(s.code, s.outcome, s.resource_id, s.booking_id) for s in refused[-2:]] == [
        ("NOPE-404", "NOT_FOUND", None, None),
        ("THEIRS-1", "NOT_FOUND", None, None),
    ]
    assert await cs.scans(other_studio) == []


async def test_unknown_booking_is_not_found(studio: StudioFixture, other_studio: StudioFixture) -> None:
    item = await cs.item(studio, code="UB-1")
    theirs = await cs.booking(other_studio, items=[await cs.item(other_studio)])
    for booking_id in (0, theirs):
        error = await _refused(studio, item, NotFound, "UB-1", booking_id)
        assert error.message == "No such booking."


async def test_scanner_at_another_location(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Post monitor", code="LOC-1", at="Post")
    booking = await cs.booking(studio, items=[item])
    error = await _refused(studio, item, Forbidden, "LOC-1", booking)
    assert error.message == "Post monitor belongs to another location; this scanner works only at its own."
    # A scanner bound to Post may.
    token, _ = await studio.mint(Role.SCANNER, location="Post", name="Post scanner")
    studio.tokens[Role.SCANNER] = token
    assert (await _out(studio, "LOC-1", booking)).item_ids == [item]


async def test_maintenance_missing_and_retired_items_do_not_go_out(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Damaged cam", code="DMG-1")
    booking = await cs.booking(studio, items=[item])
    await _out(studio, "DMG-1", booking)
    await return_asset(
        studio.runtime.uow,
        await cs.principal(studio, Role.SCANNER),
        code="DMG-1",
        condition="DAMAGED",
        notes="cracked",
        missing_accessories=None,
        key=cs.key(),
    )
    error = await _refused(studio, item, InvalidTransition, "DMG-1", booking)
    assert error.message == "Damaged cam is in maintenance until it is released."


async def test_hold_past_expiry_gives_nothing(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="HOLD-1")
    booking = await cs.booking(studio, items=[item], status=BookingStatus.HOLD)

    async def expire(tx):  # type: ignore[no-untyped-def]
        from db.models import Booking

        row = await tx.session.get(Booking, booking)
        row.hold_expires_at = utcnow() - timedelta(minutes=1)

    await studio.runtime.uow.run(expire, studio_id=studio.id)
    await _refused(studio, item, InvalidTransition, "HOLD-1", booking)
