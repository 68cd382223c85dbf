"""The slot finder against a brute-force reference on small random studios.

For random rooms and crew (random buffers) with random existing bookings, the reference tries every
aligned start and every (room, crew member) pair naively. The finder's first slot must be the
reference's first start (no earlier aligned start exists), every slot it returns must be one the
reference accepts with exactly its resources, and each must book (then is cancelled again).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.models import ResourceKind, Role
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.errors import Conflict
from server.services.principal import Principal
from server.services.resources import ResourceFields, create_resource
from server.services.slots.needs import NeedSpec
from server.services.slots.search import SlotQuery
from server.services.slots.service import BookSlot
from server.services.uow import Tx
from tests.alloc_support import build
from tests.conftest import StudioFixture

DAY = datetime(2031, 3, 4, tzinfo=UTC)  # a Tuesday, GMT in London: local time is UTC
OPEN, CLOSE = DAY + timedelta(hours=9), DAY + timedelta(hours=19)
_names = itertools.count(1)
_projects: dict[int, int] = {}  # the catalogue's project, built once per test's studio

resources_st = st.lists(st.sampled_from([0, 15, 30]), min_size=1, max_size=3)
booking_st = st.tuples(st.integers(0, 4), st.integers(14, 38), st.integers(1, 6))  # who, start (half-hours), length


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    room_buffers=resources_st,
    crew_count=st.integers(1, 2),
    bookings=st.lists(booking_st, max_size=6),
    duration=st.sampled_from([60, 90, 120]),
    step=st.sampled_from([15, 30, 60]),
)
async def test_the_finder_agrees_with_brute_force(
    studio: StudioFixture,
    room_buffers: list[int],
    crew_count: int,
    bookings: list[tuple[int, int, int]],
    duration: int,
    step: int,
) -> None:
    runtime = studio.runtime
    admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="property")
    if studio.id not in _projects:
        _projects[studio.id] = (await build(studio)).project_id
    project = _projects[studio.id]
    n = next(_names)
    category, skill = f"prop room {n}", f"prop skill {n}"

    async def make(tx: Tx) -> list[tuple[int, int, int]]:
        made = []
        for i, buf in enumerate(room_buffers):
            fields = ResourceFields(
                name=f"R{n}-{i}", category=category, capacity=4, setup_minutes=buf, teardown_minutes=buf
            )
            r = await create_resource(tx, admin, ResourceKind.ROOM, fields)
            made.append((r.id, buf, buf))
        for i in range(crew_count):
            fields = ResourceFields(name=f"C{n}-{i}", category="crew", skills=[skill])
            r = await create_resource(tx, admin, ResourceKind.CREW, fields)
            made.append((r.id, 0, 0))
        return made

    made = await runtime.uow.run(make, studio_id=studio.id)
    rooms, crew = made[: len(room_buffers)], made[len(room_buffers) :]
    taken: dict[int, list[tuple[datetime, datetime]]] = {rid: [] for rid, _, _ in made}
    for who, half_hours, length in bookings:
        rid, setup, teardown = made[who % len(made)]
        start = DAY + timedelta(minutes=30 * half_hours)
        end = start + timedelta(minutes=30 * length)
        cmd = CreateBooking(project, "busy", start, end, allocations=(AllocationRequest(resource_id=rid),))
        try:
            await runtime.allocation.create_booking(admin, cmd)
        except Conflict:
            continue
        taken[rid].append((start - timedelta(minutes=setup), end + timedelta(minutes=teardown)))

    def free(resource: tuple[int, int, int], t: datetime) -> bool:
        rid, setup, teardown = resource
        lo, hi = t - timedelta(minutes=setup), t + timedelta(minutes=duration + teardown)
        return all(not (s < hi and lo < e) for s, e in taken[rid])

    def reference(t: datetime) -> list[tuple[int, int]]:
        if t < OPEN or t + timedelta(minutes=duration) > CLOSE:
            return []
        return [(r[0], c[0]) for r, c in itertools.product(rooms, crew) if free(r, t) and free(c, t)]

    starts = [DAY + timedelta(minutes=step * k) for k in range(24 * 60 // step)]
    expected = [t for t in starts if reference(t)]
    needs = (NeedSpec(ResourceKind.ROOM, category=category), NeedSpec(ResourceKind.CREW, role=skill))
    query = SlotQuery(start=DAY, end=DAY + timedelta(days=1), needs=needs, duration_minutes=duration,
                      step_minutes=step, first=3)  # fmt: skip
    slots = await runtime.slots.find_slots(admin, query)
    assert [s.start for s in slots] == expected[:3]
    for slot in slots:
        pair = (slot.assignments[0].resource_id, slot.assignments[1].resource_id)
        assert pair in reference(slot.start)
        booked = await runtime.slots.book_slot(admin, BookSlot(project, slot.key, "slot"))
        await runtime.allocation.cancel_booking(admin, booked.booking.id)
