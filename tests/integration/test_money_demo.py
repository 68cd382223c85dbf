"""The demo studio has a rate card, so its week of sessions has exact estimates; loading twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Project, Rate, Role
from db.types import utcnow
from server import demo
from server.runtime import Runtime
from server.services.money import budgets
from server.services.principal import Principal


async def test_demo_rates_price_the_demo_week(runtime: Runtime) -> None:
    studio_id = await demo.load(runtime.uow, runtime.budget)
    await demo.load(runtime.uow, runtime.budget)
    principal = Principal(token_id=None, studio_id=studio_id, role=Role.COORDINATOR, name="check")
    async with runtime.uow.read() as session:
        rates = await session.scalar(select(func.count()).select_from(Rate).where(Rate.studio_id == studio_id))
        projects = {
            p.name: p.id for p in (await session.scalars(select(Project).where(Project.studio_id == studio_id))).all()
        }
        money = await budgets.budgets(session, principal, list(projects.values()), utcnow())
    assert rates == len(demo.RATE_CARD)
    founders = money[projects["Founders Unfiltered S2"]]
    # Interview 720.00, episode 4 290.00, social clips 340.00, episode 5 405.00, episode 6 275.00, edit 240.00.
    assert (founders.estimate_minor, founders.approved_minor) == (227000, 1200000)
    assert all(line.priced for line in founders.estimate_lines)
    brand = money[projects["Brightwave brand film"]]
    # Branded shoot 1290.00, voice-over 180.00, product demo 785.00.
    assert brand.estimate_minor == 225500
