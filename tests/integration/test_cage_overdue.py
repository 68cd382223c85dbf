"""Overdue: past due plus the studio's grace, persisted once, published, and still occupying availability."""

from __future__ import annotations

from datetime import timedelta

from db.models import CustodyState, Role, Studio
from db.types import utcnow
from server.services.allocation import availability as avail
from server.services.cage.checkout import check_out
from server.services.cage.overdue import mark_overdue
from server.services.cage.returns import return_asset
from server.services.uow import Tx
from tests.conftest import StudioFixture
from tests.integration import cage_support as cs

HOUR = timedelta(hours=1)


async def _sweep(studio: StudioFixture, at) -> list[int]:  # type: ignore[no-untyped-def]
    return await studio.runtime.uow.run(lambda tx: mark_overdue(tx, at), studio_id=None)


async def _grace(studio: StudioFixture, minutes: int) -> None:
    async def work(tx: Tx) -> None:
        row = await tx.session.get(Studio, studio.id)
        assert row is not None
        row.overdue_grace_minutes = minutes

    await studio.runtime.uow.run(work, studio_id=studio.id)


async def test_overdue_after_due_plus_grace_once(studio: StudioFixture) -> None:
    await _grace(studio, 30)
    item = await cs.item(studio, code="OD-1")
    start = utcnow() - HOUR
    due = start + 2 * HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=due)
    await check_out(
        studio.runtime.uow, await cs.principal(studio, Role.SCANNER), code="OD-1", booking_id=booking, key=cs.key()
    )
    (record,) = await cs.custody_records(studio, item)

    assert record.id not in await _sweep(studio, due + timedelta(minutes=29))
    seq = await cs.last_seq(studio)
    marked_at = due + timedelta(minutes=30)
    assert record.id in await _sweep(studio, marked_at)
    assert record.id not in await _sweep(studio, marked_at + HOUR)

    (record,) = await cs.custody_records(studio, item)
    assert record.overdue_at == marked_at
    assert (await cs.resource(studio, item)).custody == CustodyState.CHECKED_OUT
    events = await cs.events(studio, seq)
    assert [(e.topic, e.type) for e in events] == [
        (f"assets:{studio.locations['Cage']}", "AssetOverdue"),
        ("availability", "AssetOverdue"),
        ("audit", "assetOverdue"),  # the system transition's audit entry, in the same transaction
        ("notifications", "NotificationsCreated"),  # GEAR_OVERDUE for the studio's staff, likewise
    ]
    assert events[0].payload == {
        "resourceId": item,
        "custody": "CHECKED_OUT",
        "bookingId": booking,
        "custodyId": record.id,
        "dueAt": due.isoformat(),
        "overdue": True,
    }


async def test_overdue_item_keeps_occupying_availability(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="OD-2")
    start = utcnow() - 3 * HOUR
    booking = await cs.booking(studio, items=[item], start=start, end=start + HOUR)

    async def out_since(tx: Tx) -> None:
        from db.models import CustodyRecord, Resource

        row = await tx.session.get(Resource, item)
        assert row is not None
        row.custody = CustodyState.CHECKED_OUT
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

    await studio.runtime.uow.run(out_since, studio_id=studio.id)
    await _sweep(studio, utcnow())
    admin = await cs.principal(studio)
    tomorrow = utcnow() + 24 * HOUR
    query = avail.AvailabilityQuery(start=tomorrow, end=tomorrow + HOUR)
    async with studio.runtime.uow.read() as session:
        free = await avail.available(session, admin, query, utcnow(), postgres=studio.runtime.database.is_postgres)
    assert item not in {r.id for r, _ in free}

    back = await return_asset(
        studio.runtime.uow, admin, code="OD-2", condition="OK", notes=None, missing_accessories=None, key=cs.key()
    )
    assert back.late is True
    async with studio.runtime.uow.read() as session:
        free = await avail.available(session, admin, query, utcnow(), postgres=studio.runtime.database.is_postgres)
    assert item in {r.id for r, _ in free}


async def test_returned_and_undated_check_outs_are_never_overdue(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="OD-3")
    ad_hoc = await cs.item(studio, code="OD-4")
    booking = await cs.booking(studio, items=[item])
    scanner, admin = await cs.principal(studio, Role.SCANNER), await cs.principal(studio)
    await check_out(studio.runtime.uow, scanner, code="OD-3", booking_id=booking, key=cs.key())
    await check_out(studio.runtime.uow, admin, code="OD-4", booking_id=None, key=cs.key())
    await return_asset(
        studio.runtime.uow, scanner, code="OD-3", condition=None, notes=None, missing_accessories=None, key=cs.key()
    )
    marked = await _sweep(studio, utcnow() + 30 * 24 * HOUR)
    mine = [r.id for rid in (item, ad_hoc) for r in await cs.custody_records(studio, rid)]
    assert not set(marked) & set(mine)
