"""The demo studio's week of sessions is booked through the allocation engine, once."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Allocation, Booking, Kit, Resource
from db.repositories import occupancy
from server import demo
from server.runtime import Runtime


async def _bookings(runtime: Runtime, studio_id: int) -> dict[str, Booking]:
    async with runtime.uow.read() as session:
        rows = (await session.scalars(select(Booking).where(Booking.studio_id == studio_id))).all()
    return {b.title: b for b in rows}


async def test_demo_week_is_booked_once_and_tells_the_seed_story(runtime: Runtime) -> None:
    studio_id = await demo.load(runtime.uow, runtime.budget)
    first = await _bookings(runtime, studio_id)
    assert {s.title for s in demo.WEEK} <= set(first)
    again = await demo.load(runtime.uow, runtime.budget)
    assert again == studio_id
    assert set(await _bookings(runtime, studio_id)) == set(first)

    interview = first["Founders Unfiltered S2: interview with remote guests"]
    async with runtime.uow.read() as session:
        held = (
            await session.execute(
                select(Resource.name, Allocation.role, Allocation.start_at, Allocation.end_at, Kit.name)
                .join(Resource, Resource.id == Allocation.resource_id)
                .outerjoin(Kit, Kit.id == Allocation.kit_id)
                .where(Allocation.booking_id == interview.id)
            )
        ).all()
        pairs = await occupancy.overlapping_pairs(session, studio_id)
        count = await session.scalar(select(func.count()).select_from(Booking).where(Booking.studio_id == studio_id))
    names = {r[0] for r in held}
    assert {"Studio B", "Shure SM7B #1", "Shure SM7B #2", "Jordan Blake", "Edit Bay 1"} <= names
    assert {r[4] for r in held if r[4]} == {"Camera package B"}
    assert next(r[1] for r in held if r[0] == "Jordan Blake") == "technical producer"
    bay = next(r for r in held if r[0] == "Edit Bay 1")
    assert (bay[3] - bay[2]).total_seconds() == 90 * 60 and bay[2] == interview.end_at
    shoot = first["Brightwave branded shoot"]
    assert shoot.start_at < interview.start_at < shoot.end_at  # camera package A is on the shoot that morning
    assert pairs == 0
    assert count == len(first)
