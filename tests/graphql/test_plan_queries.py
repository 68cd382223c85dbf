"""`Project.milestones` with status, risks and tasks costs a constant number of SQL statements,
however large the plan."""

from __future__ import annotations

from bench.plan import MILESTONES, build_plan
from db.models import Role
from server.schema.ids import to_global_id
from server.services import projects
from server.services.principal import Principal
from server.services.uow import Tx
from tests.alloc_support import build
from tests.conftest import StudioFixture
from tests.graphql.test_money_queries import counting


async def _project(studio: StudioFixture, name: str) -> int:
    admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="setup")

    async def work(tx: Tx) -> int:
        return (await projects.create_project(tx, admin, name, None, None, None)).id

    return await studio.runtime.uow.run(work, studio_id=studio.id)


async def test_milestones_with_risks_cost_the_same_statements_for_any_plan(studio: StudioFixture) -> None:
    await build(studio)
    small, large = await _project(studio, "Small plan"), await _project(studio, "Large plan")
    await build_plan(studio.runtime.uow, studio.id, small, bookings=2, tasks=10, milestones=2)
    await build_plan(studio.runtime.uow, studio.id, large, bookings=40, tasks=300, milestones=8)
    answers, counts = {}, {}
    for name, pk in (("small", small), ("large", large)):
        with counting(studio) as statements:
            answers[name] = (await studio.data(MILESTONES, {"id": to_global_id("Project", pk)}))["node"]["milestones"]
        counts[name] = len(statements)
    assert len(answers["small"]) == 2 and len(answers["large"]) == 8
    assert sum(len(m["tasks"]) for m in answers["large"]) == 300
    assert any(m["risks"] for m in answers["large"]), "the large plan has risks to find"
    assert counts["small"] == counts["large"], counts
