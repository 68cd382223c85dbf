"""The story of issue 3, step by step through GraphQL: a two-hour interview with remote guests,
video capture and same-week editing, booked in one request."""

from __future__ import annotations

from db.models import Role
from tests.alloc_support import CREATE, at, booking_input, build, iso
from tests.conftest import StudioFixture

CONFIRM = """
mutation($id: ID!) { confirmBooking(id: $id) { __typename
  ... on BookingConfirmed { booking { id status holdExpiresAt } } ... on UserError { code message } } }
"""
ADD = """
mutation($input: AddAllocationsInput!) { addAllocations(input: $input) { __typename
  ... on AllocationsAdded { warnings allocations { role start end resource { name } }
        booking { status allocations { resource { name } } } }
  ... on UserError { code message } } }
"""


async def test_the_interview_session_story(studio: StudioFixture) -> None:
    cat = await build(studio)
    # Given: Camera package A is already on a branded shoot that morning.
    shoot = await studio.gql(
        CREATE,
        {
            "input": booking_input(
                cat,
                at(1, 8),
                at(1, 13),
                [{"kitId": cat.kit("Camera package A")}, {"resourceId": cat.gid("Studio C")}],
                title="Branded shoot",
                status="CONFIRMED",
            )
        },
        role=Role.COORDINATOR,
    )
    assert shoot["data"]["createBooking"]["__typename"] == "BookingCreated"

    # When: the coordinator holds Studio B, two SM7Bs, a technical producer, camera package A and
    # 90 minutes of edit bay after the session, in one request.
    start, end = at(1, 11), at(1, 13)
    wanted = [
        {"resourceId": cat.gid("Studio B")},
        {"resourceId": cat.gid("SM7B 1")},
        {"resourceId": cat.gid("SM7B 2")},
        {"resourceId": cat.gid("Jordan Blake"), "role": "technical producer"},
        {"resourceId": cat.gid("Edit Bay 1"), "start": iso(end), "end": iso(at(1, 14.5))},
        {"kitId": cat.kit("Camera package A")},
    ]
    variables = {
        "input": booking_input(cat, start, end, wanted, title="Founders interview", holdExpiresAt=iso(at(0, 12)))
    }
    first = (await studio.gql(CREATE, variables, role=Role.COORDINATOR))["data"]["createBooking"]

    # Then: a conflict naming the clash, offering camera package B, which is free.
    assert first["__typename"] == "ConflictError", first
    assert first["code"] == "CONFLICT"
    clashing = {c["resource"]["name"] for c in first["conflicts"]}
    assert clashing == {"Camera body A", "Lens A"}
    assert {c["booking"]["title"] for c in first["conflicts"]} == {"Branded shoot"}
    assert [k["name"] for k in first["alternativeKits"]] == ["Camera package B"]
    assert {"Camera body B", "Lens B"} <= {r["name"] for r in first["alternatives"]}
    # Nothing of the request landed.
    listing = await studio.data("{ bookings { edges { node { title } } } }")
    assert [e["node"]["title"] for e in listing["bookings"]["edges"]] == ["Branded shoot"]

    # When: the coordinator swaps in camera package B.
    wanted[-1] = {"kitId": cat.kit("Camera package B")}
    variables["input"]["allocations"] = wanted
    second = (await studio.gql(CREATE, variables, role=Role.COORDINATOR))["data"]["createBooking"]

    # Then: the booking lands whole, as a HOLD.
    assert second["__typename"] == "BookingCreated", second
    booking = second["booking"]
    assert booking["status"] == "HOLD"
    names = sorted(a["resource"]["name"] for a in booking["allocations"])
    assert names == sorted(["Studio B", "SM7B 1", "SM7B 2", "Jordan Blake", "Edit Bay 1", "Camera body B", "Lens B"])
    bay = next(a for a in booking["allocations"] if a["resource"]["name"] == "Edit Bay 1")
    assert (bay["start"], bay["end"]) == ("2031-03-04T13:00:00Z", "2031-03-04T14:30:00Z")
    jordan = next(a for a in booking["allocations"] if a["resource"]["name"] == "Jordan Blake")
    assert jordan["role"] == "technical producer"
    assert {a["kit"]["name"] for a in booking["allocations"] if a["kit"]} == {"Camera package B"}

    # When: the producer confirms it.
    confirmed = (await studio.gql(CONFIRM, {"id": booking["id"]}, role=Role.PRODUCER))["data"]["confirmBooking"]
    assert confirmed == {
        "__typename": "BookingConfirmed",
        "booking": {"id": booking["id"], "status": "CONFIRMED", "holdExpiresAt": None},
    }

    # Later the client adds a social-clip package: extra editor time on the confirmed booking.
    extra = {
        "bookingId": booking["id"],
        "allocations": [
            {"resourceId": cat.gid("Mina Haddad"), "role": "editor", "start": iso(at(2, 9)), "end": iso(at(2, 12))},
            {"resourceId": cat.gid("Edit Bay 2"), "start": iso(at(2, 9)), "end": iso(at(2, 12))},
        ],
    }
    added = (await studio.gql(ADD, {"input": extra}, role=Role.COORDINATOR))["data"]["addAllocations"]
    assert added["__typename"] == "AllocationsAdded", added
    assert added["warnings"] == []
    assert {a["resource"]["name"] for a in added["allocations"]} == {"Mina Haddad", "Edit Bay 2"}
    assert added["booking"]["status"] == "CONFIRMED"
    assert len(added["booking"]["allocations"]) == 9
