"""Template tasks: created with their booking (createBooking, bookSlot), moved with it, deleted when it
is cancelled; and the milestones a move would put at risk, shown before anyone commits to it."""

from __future__ import annotations

from typing import Any

from db.models import Role
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.plan_support import MOVE, milestone, node, plan, update
from tests.graphql.slots_support import BOOK, FIND, SERIES, template

TASKS = [
    {"title": "Ingest the footage", "kind": "INGEST", "offsetMinutes": 0, "role": "technical producer"},
    {"title": "First cut", "kind": "EDIT", "offsetMinutes": 20 * 60, "role": "editor", "dependsOn": [0]},
    {"title": "Client review", "kind": "REVIEW", "offsetMinutes": 22 * 60, "dependsOn": [1]},
    {"title": "Deliver", "kind": "DELIVERY", "offsetMinutes": 23 * 60, "role": "colourist", "dependsOn": [2]},
]


async def _template(studio: StudioFixture) -> str:
    made = await template(
        studio,
        name="Interview with video",
        durationMinutes=120,
        needs=[
            {"kind": "ROOM", "category": "podcast studio"},
            {"kind": "CREW", "role": "technical producer", "skills": ["technical producer"]},
        ],
        tasks=TASKS,
    )
    assert made["__typename"] == "SessionTemplateCreated", made
    return str(made["template"]["id"])


async def _interview(cat: Catalogue, template_id: str, role: Role = Role.COORDINATOR) -> dict[str, Any]:
    """Monday 10:00-12:00 in Studio A with Jordan (technical producer), Mina (editor) and Edit Bay 1
    on Tuesday 09:00-18:00."""
    made = await create(
        cat,
        role,
        start=at(0, 10),
        end=at(0, 12),
        templateId=template_id,
        allocations=[
            {"resourceId": cat.gid("Studio A")},
            {"resourceId": cat.gid("Jordan Blake"), "role": "technical producer"},
            {"resourceId": cat.gid("Mina Haddad"), "role": "editor"},
            {"resourceId": cat.gid("Edit Bay 1"), "start": iso(at(1, 9)), "end": iso(at(1, 18))},
        ],
    )
    assert made["__typename"] == "BookingCreated", made
    return made


async def test_a_templated_booking_gets_the_templates_tasks(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await _interview(cat, await _template(studio))
    assert made["warnings"] == ["No crew member is booked as colourist; \u201cDeliver\u201d is unassigned."]
    booking = await node(studio, made["booking"]["id"])
    tasks = {t["title"]: t for t in booking["tasks"]}
    assert [
        (t["title"], t["kind"], t["status"], t["dueAt"], (t["assignee"] or {}).get("name")) for t in booking["tasks"]
    ] == [
        ("Ingest the footage", "INGEST", "TODO", "2031-03-03T12:00:00Z", "Jordan Blake"),
        ("First cut", "EDIT", "TODO", "2031-03-04T08:00:00Z", "Mina Haddad"),
        ("Client review", "REVIEW", "TODO", "2031-03-04T10:00:00Z", None),
        ("Deliver", "DELIVERY", "TODO", "2031-03-04T11:00:00Z", None),
    ]
    assert [d["title"] for d in tasks["First cut"]["dependsOn"]] == ["Ingest the footage"]
    assert [d["title"] for d in tasks["Deliver"]["dependsOn"]] == ["Client review"]
    assert all(t["booking"]["id"] == made["booking"]["id"] for t in booking["tasks"])
    # The dependencies hold: the cut cannot start before the ingest is done.
    refused = await update(studio, id=tasks["First cut"]["id"], status="IN_PROGRESS")
    assert refused["__typename"] == "InvalidTransitionError"


async def test_an_unknown_template_books_nothing(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat = await build(studio)
    theirs = await _template(other_studio)
    made = await create(
        cat, start=at(0, 10), end=at(0, 12), templateId=theirs, allocations=[{"resourceId": cat.gid("Studio A")}]
    )
    assert (made["__typename"], made["code"]) == ("NotFoundError", "NOT_FOUND")
    assert (await studio.data("{ bookings(first: 5) { edges { node { id } } } }"))["bookings"]["edges"] == []
    assert (await plan(cat))["tasks"] == []


async def test_moving_a_booking_moves_its_open_tasks_and_cancelling_deletes_them(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await _interview(cat, await _template(studio))
    gid = made["booking"]["id"]
    tasks = {t["title"]: t for t in (await node(studio, gid))["tasks"]}
    assert (await update(studio, id=tasks["Ingest the footage"]["id"], status="DONE"))["__typename"] == "TaskUpdated"

    moved = await studio.data(MOVE, {"input": {"id": gid, "start": iso(at(1, 10)), "end": iso(at(1, 12))}})
    assert moved["moveBooking"]["__typename"] == "BookingMoved", moved
    dues = {t["title"]: (t["dueAt"], t["status"]) for t in (await node(studio, gid))["tasks"]}
    assert dues == {
        "Ingest the footage": ("2031-03-03T12:00:00Z", "DONE"),  # done: stays where it was
        "First cut": ("2031-03-05T08:00:00Z", "TODO"),
        "Client review": ("2031-03-05T10:00:00Z", "TODO"),
        "Deliver": ("2031-03-05T11:00:00Z", "TODO"),
    }

    cancelled = await studio.data("mutation($id: ID!) { cancelBooking(id: $id) { __typename } }", {"id": gid})
    assert cancelled["cancelBooking"]["__typename"] == "BookingCancelled"
    left = (await plan(cat))["tasks"]
    assert [(t["title"], t["status"]) for t in left] == [("Ingest the footage", "DONE")]


async def test_a_dry_run_move_lists_the_milestones_it_puts_at_risk(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await _interview(cat, await _template(studio))
    gid = made["booking"]["id"]
    cut = next(t for t in (await node(studio, gid))["tasks"] if t["kind"] == "EDIT")
    m = (await milestone(cat, "Episode 12 live", at(2, 12)))["milestone"]
    assert (await update(studio, id=cut["id"], milestoneId=m["id"]))["__typename"] == "TaskUpdated"
    assert (await node(studio, m["id"]))["status"] == "PLANNED"

    later = {"id": gid, "start": iso(at(1, 10)), "end": iso(at(1, 12)), "dryRun": True}
    dry = (await studio.data(MOVE, {"input": later}))["moveBooking"]
    assert dry["__typename"] == "MoveImpact" and dry["fits"]
    assert dry["milestonesAtRisk"] == [
        {
            "id": m["id"],
            "name": "Episode 12 live",
            "status": "AT_RISK",
            "risks": [
                "EDIT task \u201cFirst cut\u201d has Edit Bay 1 booked until Wed 05 Mar 18:00 GMT, "
                "after Episode 12 live (Wed 05 Mar 12:00 GMT)."
            ],
        }
    ]
    # Nothing moved, and the milestone is as it was.
    assert (await node(studio, m["id"]))["status"] == "PLANNED"
    assert (await node(studio, cut["id"]))["dueAt"] == "2031-03-04T08:00:00Z"
    earlier = {"id": gid, "start": iso(at(0, 9)), "end": iso(at(0, 11)), "dryRun": True}
    assert (await studio.data(MOVE, {"input": earlier}))["moveBooking"]["milestonesAtRisk"] == []


async def test_book_slot_with_a_template_creates_its_tasks(studio: StudioFixture) -> None:
    cat = await build(studio)
    template_id = await _template(studio)
    found = await studio.data(
        FIND, {"input": {"templateId": template_id, "from": iso(at(0, 10)), "until": iso(at(0, 11)), "first": 1}}
    )
    (slot,) = found["findSlots"]
    booked = await studio.gql(
        BOOK,
        {"input": {"projectId": cat.project, "slotKey": slot["key"], "title": "Interview", "templateId": template_id}},
    )
    result = booked["data"]["bookSlot"]
    assert result["__typename"] == "BookingCreated", result
    tasks = (await node(studio, result["booking"]["id"]))["tasks"]
    assert [(t["title"], (t["assignee"] or {}).get("name")) for t in tasks] == [
        ("Ingest the footage", "Jordan Blake"),
        ("First cut", None),
        ("Client review", None),
        ("Deliver", None),
    ]


async def test_each_occurrence_of_a_templated_series_gets_its_tasks(studio: StudioFixture) -> None:
    cat = await build(studio)
    template_id = await _template(studio)
    first = {
        "projectId": cat.project,
        "title": "Weekly interview",
        "start": iso(at(0, 10)),
        "end": iso(at(0, 12)),
        "templateId": template_id,
        "allocations": [
            {"resourceId": cat.gid("Studio A")},
            {"resourceId": cat.gid("Jordan Blake"), "role": "technical producer"},
        ],
    }
    made = (await studio.data(SERIES, {"input": {"booking": first, "rrule": "FREQ=WEEKLY;COUNT=2"}}))[
        "createBookingSeries"
    ]
    assert made["__typename"] == "BookingSeriesCreated", made
    dues = []
    for booking in made["series"]["bookings"]:
        tasks = (await node(studio, booking["id"]))["tasks"]
        assert [t["title"] for t in tasks] == [t["title"] for t in TASKS]
        dues.append(tasks[0]["dueAt"])
    assert dues == ["2031-03-03T12:00:00Z", "2031-03-10T12:00:00Z"]
