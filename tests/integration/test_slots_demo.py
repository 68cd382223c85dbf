"""The demo studio sells its packages: findSlots answers for them as soon as the demo is loaded."""

from __future__ import annotations

from datetime import timedelta

from db.models import Role
from db.types import utcnow
from server import demo
from server.runtime import Runtime
from server.services.principal import Principal
from server.services.slots.search import SlotQuery


async def test_the_demo_templates_find_slots(runtime: Runtime) -> None:
    studio_id = await demo.load(runtime.uow, runtime.budget)
    coordinator = Principal(token_id=None, studio_id=studio_id, role=Role.COORDINATOR, name="test")
    listed = {t.name: t for t in await runtime.slots.templates(coordinator)}
    assert {"Interview with video", "Social clip"} <= set(listed)
    await demo.load(runtime.uow, runtime.budget)
    assert len(await runtime.slots.templates(coordinator)) == len(listed)
    start = utcnow()
    for name in ("Interview with video", "Social clip"):
        query = SlotQuery(start=start, end=start + timedelta(days=14), template_id=listed[name].id, first=3)
        slots = await runtime.slots.find_slots(coordinator, query)
        assert len(slots) == 3, name
        assert all(len({a.resource_id for a in s.assignments}) == len(s.assignments) for s in slots)
