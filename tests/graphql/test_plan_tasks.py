"""Tasks and milestones through GraphQL: dependencies, cycles, due times, delivery, computed status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import Role
from server.schema.ids import to_global_id
from tests.alloc_support import at, build
from tests.conftest import StudioFixture
from tests.graphql.plan_support import DELIVER, milestone, new_task, node, plan, task, update


async def test_a_task_cannot_start_before_its_dependencies_are_done(studio: StudioFixture) -> None:
    cat = await build(studio)
    ingest = await new_task(cat, title="Ingest", kind="INGEST", dueAt=at(0, 14))
    cut = await new_task(cat, title="First cut", kind="EDIT", dueAt=at(1, 12), dependsOn=[ingest["id"]])
    assert [d["title"] for d in cut["dependsOn"]] == ["Ingest"]

    for status in ("IN_PROGRESS", "DONE"):
        refused = await update(studio, id=cut["id"], status=status)
        assert refused["__typename"] == "InvalidTransitionError"
        assert refused["code"] == "INVALID_TRANSITION"
        assert "\u201cIngest\u201d (TODO)" in refused["message"]
    assert (await node(studio, cut["id"]))["status"] == "TODO"
    assert (await node(studio, cut["id"]))["version"] == 1

    blocked = await update(studio, id=cut["id"], status="BLOCKED")
    assert blocked["task"]["status"] == "BLOCKED"
    done = await update(studio, id=ingest["id"], status="DONE")
    assert done["task"]["status"] == "DONE" and done["task"]["completedAt"] is not None
    started = await update(studio, id=cut["id"], status="IN_PROGRESS", expectedVersion=2)
    assert started["task"]["status"] == "IN_PROGRESS" and started["task"]["version"] == 3


async def test_cycles_and_other_projects_tasks_are_refused(studio: StudioFixture) -> None:
    cat = await build(studio)
    a = await new_task(cat, title="A")
    b = await new_task(cat, title="B", dependsOn=[a["id"]])
    c = await new_task(cat, title="C", dependsOn=[b["id"]])
    elsewhere = await new_task(cat, title="Other show's task", projectId=cat.other_project)

    cycle = await update(studio, id=a["id"], dependsOn=[c["id"]])
    assert (cycle["__typename"], cycle["code"], cycle["field"]) == ("ValidationError", "VALIDATION", "dependsOn")
    itself = await update(studio, id=a["id"], dependsOn=[a["id"]])
    assert itself["__typename"] == "ValidationError"
    foreign = await task(cat, title="D", dependsOn=[elsewhere["id"]])
    assert (foreign["__typename"], foreign["field"]) == ("ValidationError", "dependsOn")
    foreign_update = await update(studio, id=c["id"], dependsOn=[elsewhere["id"]])
    assert foreign_update["__typename"] == "ValidationError"

    after = await plan(cat)
    assert [t["title"] for t in after["tasks"]] == ["A", "B", "C"]
    deps = {t["title"]: [d["title"] for d in t["dependsOn"]] for t in after["tasks"]}
    assert deps == {"A": [], "B": ["A"], "C": ["B"]}
    assert all(t["version"] == 1 for t in after["tasks"])


async def test_a_task_is_never_due_before_a_task_it_depends_on(studio: StudioFixture) -> None:
    cat = await build(studio)
    ingest = await new_task(cat, title="Ingest", dueAt=at(1, 12))
    early = await task(cat, title="Cut", dueAt=at(1, 11), dependsOn=[ingest["id"]])
    assert (early["__typename"], early["field"]) == ("ValidationError", "dueAt")
    cut = await new_task(cat, title="Cut", dueAt=at(1, 12), dependsOn=[ingest["id"]])
    # Moving the dependency past its dependent is refused too.
    late = await update(studio, id=ingest["id"], dueAt=at(1, 13))
    assert (late["__typename"], late["field"]) == ("ValidationError", "dueAt")
    assert [t["title"] for t in (await plan(cat))["tasks"]] == ["Ingest", "Cut"]
    assert (await node(studio, ingest["id"]))["dueAt"] == "2031-03-04T12:00:00Z"
    assert (await node(studio, cut["id"]))["version"] == 1
    # Due before the project's first booking is fine.
    assert (await task(cat, title="Prep", dueAt=at(-30, 9)))["__typename"] == "TaskCreated"


async def test_a_milestone_is_delivered_only_when_every_task_is_done(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await milestone(cat, "Episode 12 live", at(3, 12))
    m = made["milestone"]
    assert (m["status"], m["risks"], m["version"]) == ("PLANNED", [], 1)
    cut = await new_task(cat, title="Cut", kind="EDIT", dueAt=at(2, 12), milestoneId=m["id"])
    deliver = await new_task(cat, title="Deliver", kind="DELIVERY", dueAt=at(3, 10), milestoneId=m["id"])

    refused = await studio.data(DELIVER, {"id": m["id"]})
    assert refused["deliverMilestone"]["__typename"] == "InvalidTransitionError"
    assert "\u201cCut\u201d (TODO)" in refused["deliverMilestone"]["message"]
    assert "\u201cDeliver\u201d (TODO)" in refused["deliverMilestone"]["message"]
    still = await node(studio, m["id"])
    assert (still["status"], still["deliveredAt"], still["version"]) == ("PLANNED", None, 1)

    for t in (cut, deliver):
        assert (await update(studio, id=t["id"], status="DONE"))["__typename"] == "TaskUpdated"
    stale = await studio.data(DELIVER, {"id": m["id"], "v": 7})
    assert stale["deliverMilestone"]["__typename"] == "StaleVersionError"
    assert (stale["deliverMilestone"]["code"], stale["deliverMilestone"]["currentVersion"]) == ("STALE_VERSION", 1)
    done = (await studio.data(DELIVER, {"id": m["id"], "v": 1}))["deliverMilestone"]
    assert done["__typename"] == "MilestoneDelivered"
    assert (done["milestone"]["status"], done["milestone"]["version"]) == ("DELIVERED", 2)
    again = (await studio.data(DELIVER, {"id": m["id"]}))["deliverMilestone"]
    assert again["__typename"] == "InvalidTransitionError"


async def test_milestone_status_is_computed_when_read(studio: StudioFixture) -> None:
    cat = await build(studio)
    m = (await milestone(cat, "Episode 12 live", at(3, 12)))["milestone"]
    await new_task(cat, title="Cut", kind="EDIT", dueAt=at(2, 12), milestoneId=m["id"])
    assert (await node(studio, m["id"]))["status"] == "PLANNED"

    late_task = await new_task(cat, title="Colour", kind="EDIT", dueAt=at(3, 15), milestoneId=m["id"])
    risky = await node(studio, m["id"])
    assert risky["status"] == "AT_RISK"
    assert risky["risks"] == [
        "EDIT task \u201cColour\u201d is due Thu 06 Mar 15:00 GMT, after Episode 12 live (Thu 06 Mar 12:00 GMT)."
    ]
    # A dependency of a milestone task counts too, even when it is on no milestone itself.
    await update(studio, id=late_task["id"], dueAt=at(3, 11))
    grade = await new_task(cat, title="Grade", dueAt=at(3, 13))
    cut2 = await new_task(cat, title="Titles", dueAt=at(3, 13), dependsOn=[grade["id"]], milestoneId=m["id"])
    assert cut2["id"]
    chained = await node(studio, m["id"])
    assert chained["status"] == "AT_RISK"
    assert [r.split(" is due")[0] for r in chained["risks"]] == [
        "OTHER task \u201cGrade\u201d",
        "OTHER task \u201cTitles\u201d",
    ]

    past = (await milestone(cat, "Pilot", datetime.now(UTC) - timedelta(days=1)))["milestone"]
    assert past["status"] == "LATE"
    assert past["risks"][0].startswith("Pilot was due ")


async def test_every_role_plans_only_what_it_may(studio: StudioFixture) -> None:
    cat = await build(studio)
    sam = to_global_id("Resource", cat.ids["Sam Okafor"])
    theo = to_global_id("Resource", cat.ids["Theo Lindqvist"])
    outcomes = {}
    for role in Role:
        made = await task(cat, role, title=f"By {role.value}")
        outcomes[role] = made["__typename"]
    assert outcomes == {
        Role.ADMIN: "TaskCreated",
        Role.COORDINATOR: "TaskCreated",
        Role.PRODUCER: "TaskCreated",
        Role.CREW: "ForbiddenError",
        Role.SCANNER: "ForbiddenError",
        Role.DISPLAY: "ForbiddenError",
        Role.CLIENT: "ForbiddenError",
    }
    # A producer plans its own projects only.
    other = await task(cat, Role.PRODUCER, title="Not mine", projectId=cat.other_project)
    assert other["__typename"] == "ForbiddenError"

    mine = await new_task(cat, title="Record room tone", assigneeId=sam)
    theirs = await new_task(cat, title="Edit", assigneeId=theo)
    crew = await update(studio, Role.CREW, id=mine["id"], status="IN_PROGRESS")
    assert crew["task"]["status"] == "IN_PROGRESS"
    assert (await update(studio, Role.CREW, id=theirs["id"], status="DONE"))["__typename"] == "ForbiddenError"
    assert (await update(studio, Role.CREW, id=mine["id"], dueAt=at(5, 9)))["__typename"] == "ForbiddenError"
    assert (await node(studio, theirs["id"]))["status"] == "TODO"
    assert (await node(studio, mine["id"]))["dueAt"] is None
    for role in (Role.SCANNER, Role.DISPLAY, Role.CLIENT):
        assert (await update(studio, role, id=mine["id"], status="DONE"))["__typename"] == "ForbiddenError"

    # Crew read the tasks assigned to them only; devices none.
    seen = {
        role: (await studio.gql("query($id: ID!) { node(id: $id) { id } }", {"id": theirs["id"]}, role=role))["data"][
            "node"
        ]
        for role in Role
    }
    assert {r for r, v in seen.items() if v} == {Role.ADMIN, Role.COORDINATOR, Role.PRODUCER}
    assert (await node(studio, mine["id"], Role.CREW))["title"] == "Record room tone"
