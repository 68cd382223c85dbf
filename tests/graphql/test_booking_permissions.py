"""Every scheduling mutation for every role: staff may do all; producers their own projects'
bookings (no blocks); crew, scanners and displays none. Refusals change nothing."""

from __future__ import annotations

import pytest

from db.models import Role
from tests.alloc_support import at, build, create, iso
from tests.conftest import StudioFixture

OPS = {
    "createBooking": """mutation($i: CreateBookingInput!) { r: createBooking(input: $i) { __typename } }""",
    "updateBooking": """mutation($i: UpdateBookingInput!) { r: updateBooking(input: $i) { __typename } }""",
    "addAllocations": """mutation($i: AddAllocationsInput!) { r: addAllocations(input: $i) { __typename } }""",
    "removeAllocation": """mutation($id: ID!) { r: removeAllocation(id: $id) { __typename } }""",
    "moveBooking": """mutation($i: MoveBookingInput!) { r: moveBooking(input: $i) { __typename } }""",
    "confirmBooking": """mutation($id: ID!) { r: confirmBooking(id: $id) { __typename } }""",
    "startBooking": """mutation($id: ID!) { r: startBooking(id: $id) { __typename } }""",
    "completeBooking": """mutation($id: ID!) { r: completeBooking(id: $id) { __typename } }""",
    "cancelBooking": """mutation($id: ID!) { r: cancelBooking(id: $id) { __typename } }""",
    "blockResource": """mutation($i: BlockResourceInput!) { r: blockResource(input: $i) { __typename } }""",
    "unblockResource": """mutation($id: ID!) { r: unblockResource(id: $id) { __typename } }""",
}
SUCCESS = {
    "createBooking": "BookingCreated",
    "updateBooking": "BookingUpdated",
    "addAllocations": "AllocationsAdded",
    "removeAllocation": "AllocationRemoved",
    "moveBooking": "BookingMoved",
    "confirmBooking": "BookingConfirmed",
    "startBooking": "BookingStarted",
    "completeBooking": "BookingCompleted",
    "cancelBooking": "BookingCancelled",
    "blockResource": "ResourceBlocked",
    "unblockResource": "ResourceUnblocked",
}
STAFF_ONLY = {"blockResource", "unblockResource"}


def expected(role: Role, op: str) -> str:
    if role in (Role.ADMIN, Role.COORDINATOR):
        return SUCCESS[op]
    if role == Role.PRODUCER and op not in STAFF_ONLY:
        return SUCCESS[op]
    return "ForbiddenError"


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_every_mutation_for_every_role(studio: StudioFixture, role: Role) -> None:
    cat = await build(studio)
    room = [{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("SM7B 1")}]
    target = (await create(cat, start=at(0, 9), end=at(0, 10), allocations=room))["booking"]
    other = (await create(cat, start=at(1, 9), end=at(1, 10), allocations=room))["booking"]
    block = await studio.data(
        "mutation($i: BlockResourceInput!) { blockResource(input: $i) { ... on ResourceBlocked { block { id } } } }",
        {"i": {"resourceId": cat.gid("Booth"), "start": iso(at(2, 9)), "end": iso(at(2, 10))}},
        role=Role.COORDINATOR,
    )
    variables = {
        "createBooking": {
            "i": {
                "projectId": cat.project,
                "title": "x",
                "start": iso(at(3, 9)),
                "end": iso(at(3, 10)),
                "allocations": room,
            }
        },
        "updateBooking": {"i": {"id": target["id"], "title": "Renamed"}},
        "addAllocations": {"i": {"bookingId": target["id"], "allocations": [{"resourceId": cat.gid("SM7B 2")}]}},
        "removeAllocation": {"id": target["allocations"][1]["id"]},
        "moveBooking": {"i": {"id": target["id"], "start": iso(at(0, 11)), "end": iso(at(0, 12))}},
        "confirmBooking": {"id": target["id"]},
        "startBooking": {"id": target["id"]},
        "completeBooking": {"id": target["id"]},
        "cancelBooking": {"id": other["id"]},
        "blockResource": {"i": {"resourceId": cat.gid("Booth"), "start": iso(at(4, 9)), "end": iso(at(4, 10))}},
        "unblockResource": {"id": block["blockResource"]["block"]["id"]},
    }
    got = {}
    for op, query in OPS.items():
        body = await studio.gql(query, variables[op], role=role)
        assert "errors" not in body, (op, body)
        got[op] = body["data"]["r"]["__typename"]
    assert got == {op: expected(role, op) for op in OPS}
    if expected(role, "createBooking") == "ForbiddenError":
        # Refused: nothing changed.
        listing = await studio.data("{ bookings { edges { node { title status } } } }")
        assert [e["node"] for e in listing["bookings"]["edges"]] == [
            {"title": "Session", "status": "HOLD"},
            {"title": "Session", "status": "HOLD"},
        ]


async def test_producers_book_only_on_their_own_projects(studio: StudioFixture) -> None:
    cat = await build(studio)
    room = [{"resourceId": cat.gid("Studio A")}]
    theirs = await create(cat, start=at(0, 9), end=at(0, 10), allocations=room, projectId=cat.other_project)
    assert theirs["__typename"] == "BookingCreated"
    refused = await create(
        cat, Role.PRODUCER, start=at(1, 9), end=at(1, 10), allocations=room, projectId=cat.other_project
    )
    assert refused["code"] == "FORBIDDEN"
    # A booking of someone else's project reads as not found to the producer.
    body = await studio.gql(OPS["cancelBooking"], {"id": theirs["booking"]["id"]}, role=Role.PRODUCER)
    assert body["data"]["r"]["__typename"] == "NotFoundError"
    # Holds on anything for their own project.
    mine = await create(
        cat, Role.PRODUCER, start=at(0, 9), end=at(0, 10), allocations=[{"resourceId": cat.gid("Studio B")}]
    )
    assert mine["__typename"] == "BookingCreated"
