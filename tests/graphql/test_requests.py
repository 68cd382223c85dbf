"""Client requests and their approval: a request occupies nothing and never clashes; approval runs
every check of createBooking or changes nothing; a decline keeps its reason for the client."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from db.models import Booking, Event, Occupancy, Project, Role
from server.schema.ids import to_global_id
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.slots_support import template
from tests.money_support import price_catalogue

REQUEST = """mutation($input: RequestBookingInput!) { requestBooking(input: $input) { __typename
  ... on BookingRequested { booking { id status title requestNote start end
      allocations { resource { name } } project { name client { name } } } }
  ... on UserError { code message } ... on ValidationError { field } } }"""
APPROVE = """mutation($input: ApproveBookingInput!) { approveBooking(input: $input) { __typename
  ... on BookingApproved { booking { id status version } }
  ... on ConflictError { conflicts { resource { name } booking { id } } }
  ... on UserError { code message } } }"""
DECLINE = """mutation($input: DeclineBookingInput!) { declineBooking(input: $input) { __typename
  ... on BookingDeclined { booking { id status declineReason } }
  ... on UserError { code message } ... on ValidationError { field } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Booking { status version declineReason requestNote } } }"""


async def _portal(studio: StudioFixture) -> Catalogue:
    """The catalogue, with the other project belonging to the CLIENT token's client."""
    cat = await build(studio)

    async def work(tx: Any) -> None:
        await tx.session.execute(
            update(Project).where(Project.id == cat.other_project_id).values(client_id=studio.client_id)
        )

    await studio.runtime.uow.run(work, studio_id=studio.id)
    return cat


def _ask(cat: Catalogue, day: int = 1, room: str = "Studio A", **extra: Any) -> dict[str, Any]:
    return {
        "projectId": extra.pop("projectId", cat.other_project),
        "title": extra.pop("title", "Album launch"),
        "start": iso(at(day, 10)),
        "end": iso(at(day, 12)),
        "allocations": [{"resourceId": cat.gid(room)}],
        **extra,
    }


async def request(cat: Catalogue, role: Role = Role.CLIENT, **kw: Any) -> dict[str, Any]:
    return (await cat.studio.data(REQUEST, {"input": _ask(cat, **kw)}, role=role))["requestBooking"]


async def _counts(studio: StudioFixture) -> tuple[int, int]:
    async with studio.runtime.uow.read() as session:
        bookings = await session.scalar(select(func.count(Booking.id)).where(Booking.studio_id == studio.id))
        claims = await session.scalar(
            select(func.count(Occupancy.id)).where(Occupancy.studio_id == studio.id, Occupancy.active.is_(True))
        )
    return int(bookings or 0), int(claims or 0)


async def _event_types(studio: StudioFixture) -> list[str]:
    async with studio.runtime.uow.read() as session:
        rows = await session.scalars(
            select(Event.type).where(Event.studio_id == studio.id, Event.topic == "bookings").order_by(Event.seq)
        )
        return list(rows)


async def test_a_request_occupies_nothing_and_never_clashes(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    held = await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert held["__typename"] == "BookingCreated"
    before = await _counts(studio)
    asked = await request(cat, note="Two guests, one needs step-free access")
    assert asked["__typename"] == "BookingRequested", asked
    booking = asked["booking"]
    assert booking["status"] == "REQUESTED" and booking["requestNote"] == "Two guests, one needs step-free access"
    assert booking["allocations"] == [{"resource": {"name": "Studio A"}}]
    assert booking["project"] == {"name": "Other show", "client": {"name": "Acme Records"}}
    assert await _counts(studio) == (before[0] + 1, before[1])  # a row, and no claim
    # The slot it asks for stays free for anyone else.
    other = await create(cat, start=at(2, 10), end=at(2, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    asked_too = await request(cat, day=2)
    assert other["__typename"] == "BookingCreated" and asked_too["__typename"] == "BookingRequested"
    assert (await _event_types(studio))[-2:] == ["BookingCreated", "BookingRequested"]


async def test_a_request_with_the_same_key_is_answered_once(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    first = await request(cat, idempotencyKey="ask-1")
    again = await request(cat, idempotencyKey="ask-1")
    assert first["__typename"] == again["__typename"] == "BookingRequested"
    assert first["booking"]["id"] == again["booking"]["id"]
    count = await _counts(studio)
    changed = await request(cat, idempotencyKey="ask-1", title="Something else")
    assert changed["code"] == "IDEMPOTENCY_MISMATCH"
    assert await _counts(studio) == count


async def test_bad_requests_are_refused_and_change_nothing(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat = await _portal(studio)
    theirs = await build(other_studio)
    before = await _counts(studio)
    backwards = {**_ask(cat), "end": iso(at(1, 9))}
    refused = (await studio.data(REQUEST, {"input": backwards}, role=Role.CLIENT))["requestBooking"]
    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationError", "VALIDATION", "end")
    foreign = {**_ask(cat), "allocations": [{"resourceId": theirs.gid("Studio A")}]}
    refused = (await studio.data(REQUEST, {"input": foreign}, role=Role.CLIENT))["requestBooking"]
    assert (refused["__typename"], refused["code"]) == ("NotFoundError", "NOT_FOUND")
    # Another client's project does not exist for a client; crew are not the client's to ask for.
    not_theirs = await request(cat, projectId=cat.project)
    assert (not_theirs["__typename"], not_theirs["code"]) == ("NotFoundError", "NOT_FOUND")
    crew = {**_ask(cat), "allocations": [{"resourceId": cat.gid("Sam Okafor"), "role": "recording engineer"}]}
    refused = (await studio.data(REQUEST, {"input": crew}, role=Role.CLIENT))["requestBooking"]
    assert refused["code"] == "NOT_FOUND"
    blank = await request(cat, title="  ")
    assert (blank["code"], blank["field"]) == ("VALIDATION", "title")
    assert await _counts(studio) == before


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_who_may_request(studio: StudioFixture, role: Role) -> None:
    cat = await _portal(studio)
    answer = await request(cat, role=role, projectId=cat.project if role == Role.PRODUCER else cat.other_project)
    may = role in (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CLIENT)
    assert answer["__typename"] == ("BookingRequested" if may else "ForbiddenError"), (role, answer)


async def test_approval_claims_the_slot_through_the_checks_of_create(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await request(cat))["booking"]
    before = await _counts(studio)
    approved = (await studio.data(APPROVE, {"input": {"id": asked["id"]}}, role=Role.COORDINATOR))["approveBooking"]
    assert approved["__typename"] == "BookingApproved", approved
    assert approved["booking"]["status"] == "HOLD" and approved["booking"]["version"] == 2
    assert await _counts(studio) == (before[0], before[1] + 1)
    clash = await create(cat, start=at(1, 11), end=at(1, 13), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert clash["__typename"] == "ConflictError"
    assert (await _event_types(studio))[-1] == "BookingApproved"
    # Only a REQUESTED booking can be approved or declined.
    again = (await studio.data(APPROVE, {"input": {"id": asked["id"]}}))["approveBooking"]
    assert (again["__typename"], again["code"]) == ("InvalidTransitionError", "INVALID_TRANSITION")
    declined = (await studio.data(DECLINE, {"input": {"id": asked["id"], "reason": "Late"}}))["declineBooking"]
    assert declined["code"] == "INVALID_TRANSITION"
    assert (await studio.data(READ, {"id": asked["id"]}))["node"]["status"] == "HOLD"


async def test_approving_into_a_taken_slot_is_a_conflict_and_changes_nothing(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await request(cat))["booking"]
    taken = await create(
        cat, start=at(1, 9), end=at(1, 11), allocations=[{"resourceId": cat.gid("Studio A")}], title="First"
    )
    before, shown = await _counts(studio), (await studio.data(READ, {"id": asked["id"]}))["node"]
    refused = (await studio.data(APPROVE, {"input": {"id": asked["id"], "status": "CONFIRMED"}}))["approveBooking"]
    assert refused["__typename"] == "ConflictError"
    assert refused["conflicts"] == [{"resource": {"name": "Studio A"}, "booking": {"id": taken["booking"]["id"]}}]
    assert await _counts(studio) == before
    assert (
        (await studio.data(READ, {"id": asked["id"]}))["node"]
        == shown
        == {
            "status": "REQUESTED",
            "version": 1,
            "declineReason": None,
            "requestNote": None,
        }
    )


async def test_approving_into_a_taken_slot_with_queue_if_taken_joins_the_line(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await request(cat))["booking"]
    taken = await create(
        cat, start=at(1, 9), end=at(1, 11), allocations=[{"resourceId": cat.gid("Studio A")}], title="First"
    )
    queue_it = """mutation($input: ApproveBookingInput!) { approveBooking(input: $input) { __typename
      ... on HoldQueued { rank ahead { id } booking { id status rank } } ... on UserError { code } } }"""
    confirmed = await studio.data(queue_it, {"input": {"id": asked["id"], "status": "CONFIRMED", "queueIfTaken": True}})
    assert confirmed["approveBooking"] == {"__typename": "ValidationError", "code": "VALIDATION"}
    before = await _counts(studio)
    answer = (await studio.data(queue_it, {"input": {"id": asked["id"], "queueIfTaken": True}}))["approveBooking"]
    assert answer == {
        "__typename": "HoldQueued",
        "rank": 2,
        "ahead": [{"id": taken["booking"]["id"]}],
        "booking": {"id": asked["id"], "status": "HOLD", "rank": 2},
    }
    assert await _counts(studio) == before  # queued: it claims nothing yet
    cancel = "mutation($id: ID!) { cancelBooking(id: $id) { __typename } }"
    cancelled = await studio.data(cancel, {"id": taken["booking"]["id"]})
    assert cancelled["cancelBooking"]["__typename"] == "BookingCancelled"
    read = "query($id: ID!) { node(id: $id) { ... on Booking { status rank } } }"
    assert (await studio.data(read, {"id": asked["id"]}))["node"] == {"status": "HOLD", "rank": 1}


async def test_approving_over_budget_is_refused_and_changes_nothing(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    await price_catalogue(cat)
    budget = """mutation($id: ID!) { setProjectBudget(input: {projectId: $id, approvedBudget: "10"}) { __typename } }"""
    await studio.data(budget, {"id": cat.other_project})
    asked = (await request(cat))["booking"]
    before = await _counts(studio)
    refused = (await studio.data(APPROVE, {"input": {"id": asked["id"]}}, role=Role.COORDINATOR))["approveBooking"]
    assert (refused["__typename"], refused["code"]) == ("BudgetExceededError", "BUDGET_EXCEEDED")
    assert await _counts(studio) == before
    assert (await studio.data(READ, {"id": asked["id"]}))["node"]["status"] == "REQUESTED"
    allowed = (await studio.data(APPROVE, {"input": {"id": asked["id"], "allowOverBudget": True}}))["approveBooking"]
    assert allowed["__typename"] == "BookingApproved"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_who_may_approve_and_decline(studio: StudioFixture, role: Role) -> None:
    cat = await _portal(studio)
    theirs = (await request(cat))["booking"]["id"]
    produced = (await request(cat, role=Role.ADMIN, projectId=cat.project, day=3))["booking"]["id"]
    hold = (await studio.data(APPROVE, {"input": {"id": produced}}, role=role))["approveBooking"]
    confirm = (await studio.data(APPROVE, {"input": {"id": theirs, "status": "CONFIRMED"}}, role=role))[
        "approveBooking"
    ]
    outcome = {
        Role.ADMIN: ("BookingApproved", "BookingApproved"),
        Role.COORDINATOR: ("BookingApproved", "BookingApproved"),
        # A producer approves its own projects' requests, as holds; another project's is not theirs to see.
        Role.PRODUCER: ("BookingApproved", "NotFoundError"),
    }.get(role, ("ForbiddenError", "ForbiddenError"))
    assert (hold["__typename"], confirm["__typename"]) == outcome, (role, hold, confirm)
    if role == Role.PRODUCER:
        mine = (await request(cat, role=Role.ADMIN, projectId=cat.project, day=4))["booking"]["id"]
        refused = (await studio.data(APPROVE, {"input": {"id": mine, "status": "CONFIRMED"}}, role=role))[
            "approveBooking"
        ]
        assert refused["__typename"] == "ForbiddenError"
        assert (await studio.data(READ, {"id": mine}))["node"]["status"] == "REQUESTED"
    fresh = (await request(cat, day=5))["booking"]["id"]
    declined = (await studio.data(DECLINE, {"input": {"id": fresh, "reason": "Closed"}}, role=role))["declineBooking"]
    want = (
        "BookingDeclined"
        if role in (Role.ADMIN, Role.COORDINATOR)
        else ("NotFoundError" if role == Role.PRODUCER else "ForbiddenError")
    )
    assert declined["__typename"] == want, (role, declined)


async def test_a_decline_needs_a_reason_and_the_client_reads_it(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await request(cat))["booking"]
    for blank in ("", "   "):
        refused = (await studio.data(DECLINE, {"input": {"id": asked["id"], "reason": blank}}))["declineBooking"]
        assert (refused["__typename"], refused["field"]) == ("ValidationError", "reason")
    assert (await studio.data(READ, {"id": asked["id"]}))["node"]["status"] == "REQUESTED"
    done = (await studio.data(DECLINE, {"input": {"id": asked["id"], "reason": "The studio is closed that week"}}))[
        "declineBooking"
    ]
    assert done["booking"] == {
        "id": asked["id"],
        "status": "DECLINED",
        "declineReason": "The studio is closed that week",
    }
    seen = (await studio.data(READ, {"id": asked["id"]}, role=Role.CLIENT))["node"]
    assert seen["status"] == "DECLINED" and seen["declineReason"] == "The studio is closed that week"
    assert (await _event_types(studio))[-1] == "BookingDeclined"


async def test_the_client_reads_its_own_and_nothing_else(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    await create(
        cat,
        projectId=cat.other_project,
        title="Acme session",
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("Sam Okafor")}],
    )
    await create(cat, title="Brightwave session", start=at(2, 10), end=at(2, 12), allocations=[])
    seen = await studio.data(
        """{ projects(first: 20) { edges { node { name client { name } budget { estimate { amount } } } } }
             bookings(first: 20) { edges { node { title status start end
               allocations { resource { name kind } } project { name } } } } }""",
        role=Role.CLIENT,
    )
    assert [e["node"] for e in seen["projects"]["edges"]] == [
        {"name": "Other show", "client": {"name": "Acme Records"}, "budget": None}
    ]
    assert [e["node"] for e in seen["bookings"]["edges"]] == [
        {
            "title": "Acme session",
            "status": "HOLD",
            "start": iso(at(1, 10)).replace("+00:00", "Z"),
            "end": iso(at(1, 12)).replace("+00:00", "Z"),
            # The room, never the crew.
            "allocations": [{"resource": {"name": "Studio A", "kind": "ROOM"}}],
            "project": {"name": "Other show"},
        }
    ]
    other = to_global_id("Project", cat.project_id)
    hidden = await studio.data(
        "query($id: ID!) { node(id: $id) { id } project(id: $id) { id } }", {"id": other}, role=Role.CLIENT
    )
    assert hidden == {"node": None, "project": None}
    free = await studio.data(
        """query($s: DateTime!, $e: DateTime!) { rooms: availability(input: {start: $s, end: $e}) { resource { kind } }
             crew: availability(input: {start: $s, end: $e, kind: CREW}) { resource { name } } }""",
        {"s": iso(at(1, 10)), "e": iso(at(1, 12))},
        role=Role.CLIENT,
    )
    assert free["rooms"] and {r["resource"]["kind"] for r in free["rooms"]} == {"ROOM"}
    assert free["crew"] == []


async def test_concurrent_approvals_of_clashing_requests_claim_the_slot_once(studio: StudioFixture) -> None:
    import asyncio

    cat = await _portal(studio)
    asked = [(await request(cat, title=f"Ask {i}"))["booking"]["id"] for i in range(6)]
    answers = await asyncio.gather(
        *(studio.data(APPROVE, {"input": {"id": gid}}, role=Role.COORDINATOR) for gid in asked)
    )
    kinds = sorted(a["approveBooking"]["__typename"] for a in answers)
    assert kinds == ["BookingApproved"] + ["ConflictError"] * 5
    statuses = [(await studio.data(READ, {"id": gid}))["node"]["status"] for gid in asked]
    assert sorted(statuses) == ["HOLD"] + ["REQUESTED"] * 5
    assert (await _counts(studio))[1] == 1  # one claim on Studio A


async def test_an_approved_request_gets_the_tasks_of_the_template_it_asked_for(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    made = await template(
        studio,
        name="Podcast episode",
        durationMinutes=120,
        needs=[{"kind": "ROOM", "category": "podcast studio"}],
        tasks=[
            {"title": "Ingest", "kind": "INGEST", "offsetMinutes": 0},
            {"title": "Edit", "kind": "EDIT", "offsetMinutes": 600, "role": "editor", "dependsOn": [0]},
        ],
    )
    assert made["__typename"] == "SessionTemplateCreated", made
    asked = await request(cat, templateId=made["template"]["id"])
    assert asked["__typename"] == "BookingRequested", asked
    tasks = "query($id: ID!) { node(id: $id) { ... on Booking { tasks { title dueAt dependsOn { title } } } } }"
    # A request occupies nothing and plans nothing: its tasks come with the approval.
    assert (await studio.data(tasks, {"id": asked["booking"]["id"]}))["node"] == {"tasks": []}
    approved = (await studio.data(APPROVE, {"input": {"id": asked["booking"]["id"]}}))["approveBooking"]
    assert approved["__typename"] == "BookingApproved", approved
    planned = (await studio.data(tasks, {"id": asked["booking"]["id"]}))["node"]["tasks"]
    assert sorted((t["title"], [d["title"] for d in t["dependsOn"]]) for t in planned) == [
        ("Edit", ["Ingest"]),
        ("Ingest", []),
    ]
    assert {t["title"]: t["dueAt"] for t in planned}["Ingest"] == asked["booking"]["end"]


async def test_a_declined_request_plans_nothing(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    made = await template(
        studio,
        name="Podcast episode",
        durationMinutes=120,
        needs=[{"kind": "ROOM", "category": "podcast studio"}],
        tasks=[{"title": "Ingest", "kind": "INGEST", "offsetMinutes": 0}],
    )
    asked = await request(cat, templateId=made["template"]["id"])
    declined = await studio.data(DECLINE, {"input": {"id": asked["booking"]["id"], "reason": "Fully booked"}})
    assert declined["declineBooking"]["__typename"] == "BookingDeclined"
    tasks = "query($id: ID!) { node(id: $id) { ... on Booking { tasks { title } } } }"
    assert (await studio.data(tasks, {"id": asked["booking"]["id"]}))["node"] == {"tasks": []}
