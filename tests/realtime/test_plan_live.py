"""Milestone status reaches `bookingChanged` subscribers when a task of a booking changes."""

from __future__ import annotations

from db.models import Role
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.graphql.plan_support import milestone, new_task, update
from tests.realtime.support import WsClient

FEED = """subscription($p: ID!) { bookingChanged(projectId: $p) {
  type snapshot booking { id tasks { title dueAt } project { milestones { name status } } } } }"""


async def test_a_task_change_pushes_the_milestones_new_status(studio: StudioFixture, live_server: str) -> None:
    cat = await build(studio)
    made = await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    booking = made["booking"]["id"]
    live = (await milestone(cat, "Episode 12 live", at(3, 12)))["milestone"]
    cut = await new_task(
        cat, title="First cut", kind="EDIT", bookingId=booking, dueAt=at(2, 12), milestoneId=live["id"]
    )
    async with WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]) as staff:
        await staff.subscribe("b", FEED, {"p": cat.project})
        first = (await staff.next("b"))["bookingChanged"]
        assert first["snapshot"] and first["booking"]["project"]["milestones"] == [
            {"name": "Episode 12 live", "status": "PLANNED"}
        ]
        assert (await update(studio, id=cut["id"], dueAt=at(3, 18)))["__typename"] == "TaskUpdated"
        pushed = (await staff.next("b"))["bookingChanged"]
        assert (pushed["type"], pushed["booking"]["id"]) == ("PlanChanged", booking)
        assert pushed["booking"]["tasks"] == [{"title": "First cut", "dueAt": "2031-03-06T18:00:00Z"}]
        assert pushed["booking"]["project"]["milestones"] == [{"name": "Episode 12 live", "status": "AT_RISK"}]
