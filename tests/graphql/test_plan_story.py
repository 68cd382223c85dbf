"""The seed story of the production plan, end to end through GraphQL and the review page.

The interview is booked from its template: INGEST (technical producer, at session end), EDIT (editor,
in the edit-bay window), REVIEW (the client's link), DELIVERY, all counting towards "Episode 12 live"
two days later. Moving the session a day, dry, shows the milestone at risk (the edit bay would end
after it); the real move is made and the edit bay re-booked, and the milestone is PLANNED again. The
footage goes on the NAS, the cut on the review share, the client approves it, the milestone is delivered.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tests.alloc_support import at, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.plan_support import DELIVER, MOVE, REVIEW_LINK, milestone, node, register, storage, update
from tests.graphql.slots_support import template

ADD = """mutation($input: AddAllocationsInput!) { addAllocations(input: $input) { __typename
  ... on UserError { code message } } }"""
REMOVE = "mutation($id: ID!) { removeAllocation(id: $id) { __typename ... on UserError { code message } } }"
ALLOCATIONS = "query($id: ID!) { node(id: $id) { ... on Booking { allocations { id start end resource { name } } } } }"


async def test_the_interview_from_booking_to_delivery(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await template(
        studio,
        name="Interview with video",
        durationMinutes=120,
        needs=[{"kind": "ROOM", "category": "podcast studio"}, {"kind": "CREW", "role": "technical producer"}],
        tasks=[
            {"title": "Ingest the footage", "kind": "INGEST", "offsetMinutes": 0, "role": "technical producer"},
            {"title": "First cut", "kind": "EDIT", "offsetMinutes": 20 * 60, "role": "editor", "dependsOn": [0]},
            {"title": "Client review", "kind": "REVIEW", "offsetMinutes": 22 * 60, "dependsOn": [1]},
            {"title": "Publish episode 12", "kind": "DELIVERY", "offsetMinutes": 23 * 60, "dependsOn": [2]},
        ],
    )
    # Monday 10:00-12:00 in Studio B; the edit bay on Tuesday 09:00-18:00.
    booked = await create(
        cat,
        title="Founders Unfiltered S2: interview",
        start=at(0, 10),
        end=at(0, 12),
        templateId=made["template"]["id"],
        allocations=[
            {"resourceId": cat.gid("Studio B")},
            {"resourceId": cat.gid("Jordan Blake"), "role": "technical producer"},
            {"resourceId": cat.gid("Mina Haddad"), "role": "editor"},
            {"resourceId": cat.gid("Edit Bay 1"), "start": iso(at(1, 9)), "end": iso(at(1, 18))},
        ],
    )
    assert (booked["__typename"], booked["warnings"]) == ("BookingCreated", [])
    session = booked["booking"]["id"]
    tasks = {t["kind"]: t for t in (await node(studio, session))["tasks"]}
    assert {k: (t["assignee"] or {}).get("name") for k, t in tasks.items()} == {
        "INGEST": "Jordan Blake",
        "EDIT": "Mina Haddad",
        "REVIEW": None,
        "DELIVERY": None,
    }
    live = (await milestone(cat, "Episode 12 live", at(2, 12)))["milestone"]
    for t in tasks.values():
        assert (await update(studio, id=t["id"], milestoneId=live["id"]))["__typename"] == "TaskUpdated"
    assert (await node(studio, live["id"]))["status"] == "PLANNED"

    # A day later, dry: the edit bay would end after the milestone.
    a_day_later = {"id": session, "start": iso(at(1, 10)), "end": iso(at(1, 12))}
    dry = (await studio.data(MOVE, {"input": {**a_day_later, "dryRun": True}}))["moveBooking"]
    assert [(m["name"], m["status"]) for m in dry["milestonesAtRisk"]] == [("Episode 12 live", "AT_RISK")]
    assert dry["milestonesAtRisk"][0]["risks"] == [
        "EDIT task \u201cFirst cut\u201d has Edit Bay 1 booked until Wed 05 Mar 18:00 GMT, "
        "after Episode 12 live (Wed 05 Mar 12:00 GMT)."
    ]

    # The real move, then the edit bay re-booked to end in time.
    assert (await studio.data(MOVE, {"input": a_day_later}))["moveBooking"]["__typename"] == "BookingMoved"
    assert (await node(studio, live["id"]))["status"] == "AT_RISK"
    allocations = (await studio.data(ALLOCATIONS, {"id": session}))["node"]["allocations"]
    bay = next(a for a in allocations if a["resource"]["name"] == "Edit Bay 1")
    assert (bay["start"], bay["end"]) == ("2031-03-05T09:00:00Z", "2031-03-05T18:00:00Z")
    assert (await studio.data(REMOVE, {"id": bay["id"]}))["removeAllocation"]["__typename"] == "AllocationRemoved"
    rebook = {
        "bookingId": session,
        "allocations": [{"resourceId": cat.gid("Edit Bay 1"), "start": iso(at(1, 13)), "end": iso(at(2, 10))}],
    }
    assert (await studio.data(ADD, {"input": rebook}))["addAllocations"]["__typename"] == "AllocationsAdded"
    back = await node(studio, live["id"])
    assert (back["status"], back["risks"]) == ("PLANNED", [])

    # Footage on the NAS, the cut on the review share.
    nas = await storage(studio, "NAS volume 1", 40_000)
    share = await storage(studio, "Review share", 2_000)
    footage = await register(cat, nas, 850_000, name="Interview A-cam", bookingId=session)
    assert footage["__typename"] == "MediaAssetRegistered"
    cut = (await register(cat, share, 2_400, name="Episode 12 cut", bookingId=session))["mediaAsset"]
    for kind in ("INGEST", "EDIT"):
        assert (await update(studio, id=tasks[kind]["id"], status="DONE"))["task"]["status"] == "DONE"

    # The client approves the cut through the review page.
    expires = iso(datetime.now(UTC) + timedelta(days=14))
    link = (await studio.data(REVIEW_LINK, {"input": {"mediaAssetId": cut["id"], "expiresAt": expires}}))[
        "createReviewLink"
    ]["link"]
    path = urlsplit(link["url"]).path
    page = await studio.http.get(path)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert page.status_code == 200 and csrf is not None
    approved = await studio.http.post(path, data={"csrf": csrf.group(1), "comment": "Ship it", "decision": "APPROVED"})
    assert approved.status_code == 200
    assert (await node(studio, tasks["REVIEW"]["id"]))["status"] == "DONE"

    # Delivery: refused while a task is open, delivered once all are done.
    refused = (await studio.data(DELIVER, {"id": live["id"]}))["deliverMilestone"]
    assert refused["__typename"] == "InvalidTransitionError"
    assert "\u201cPublish episode 12\u201d (TODO)" in refused["message"]
    assert (await update(studio, id=tasks["DELIVERY"]["id"], status="DONE"))["task"]["status"] == "DONE"
    delivered = (await studio.data(DELIVER, {"id": live["id"], "v": back["version"]}))["deliverMilestone"]
    assert delivered["__typename"] == "MilestoneDelivered"
    assert delivered["milestone"]["status"] == "DELIVERED"
    assert [t["status"] for t in delivered["milestone"]["tasks"]] == ["DONE"] * 4
