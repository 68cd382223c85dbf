"""The event feeds: availability for a window, a project's bookings, and custody at a location."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from db.models import Role
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture
from tests.realtime.support import WsClient, build_world, now

AVAILABILITY = """
subscription($f: AvailabilityInput!) {
  availabilityChanged(filter: $f) { seq resources { resource { name } availableQuantity } }
}
"""
BOOKINGS = """
subscription($p: ID!) { bookingChanged(projectId: $p) { seq type snapshot booking { title status } } }
"""
ASSETS = """
subscription($loc: ID) { assetStatusChanged(locationId: $loc) { seq snapshot custody asset { name model } } }
"""


def _names(update: dict[str, object]) -> list[str]:
    return sorted(r["resource"]["name"] for r in update["resources"])  # type: ignore[attr-defined,index]


async def test_availability_follows_bookings_in_its_window_only(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    day = (now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    window = {"start": day.isoformat(), "end": (day + timedelta(hours=2)).isoformat()}
    async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as ws:
        await ws.subscribe("a", AVAILABILITY, {"f": {**window, "kind": "ROOM", "locationId": world.location()}})
        first = (await ws.next("a"))["availabilityChanged"]
        assert _names(first) == ["Studio A", "Studio B"]
        # A booking a month away cannot change this window: no update.
        await world.book("Studio A", day + timedelta(days=30), day + timedelta(days=30, hours=1))
        with pytest.raises(TimeoutError):
            await ws.next("a", within=0.8)
        await world.book("Studio A", day, day + timedelta(hours=1), title="Takes A")
        second = (await ws.next("a"))["availabilityChanged"]
        assert _names(second) == ["Studio B"]
        assert int(second["seq"]) > int(first["seq"])


@pytest.mark.parametrize(
    ("role", "window", "code"),
    [(Role.DISPLAY, 1, "FORBIDDEN"), (Role.ADMIN, -1, "BAD_USER_INPUT")],
    ids=["display", "end before start"],
)
async def test_availability_refusals(
    studio: StudioFixture, live_server: str, role: Role, window: int, code: str
) -> None:
    start = now() + timedelta(days=1)
    f = {"start": start.isoformat(), "end": (start + timedelta(hours=window)).isoformat()}
    async with WsClient.connect(live_server, token=studio.tokens[role]) as ws:
        await ws.subscribe("a", AVAILABILITY, {"f": f})
        message = await ws.recv()
        assert message["type"] == "error"
        assert [e["extensions"]["code"] for e in message["payload"]] == [code]


async def test_a_project_feed_starts_with_its_open_bookings_then_follows_them(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    start = now() + timedelta(days=1)
    await world.book("Studio A", start, start + timedelta(hours=1), title="Existing")
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.PRODUCER]) as producer,
        WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as crew,
    ):
        await producer.subscribe("p", BOOKINGS, {"p": world.project})
        snapshot = (await producer.next("p"))["bookingChanged"]
        assert (snapshot["type"], snapshot["snapshot"], snapshot["booking"]) == (
            "SNAPSHOT",
            True,
            {"title": "Existing", "status": "CONFIRMED"},
        )
        created = await world.book("Studio B", start, start + timedelta(hours=1), title="With crew", crew=True)
        later = start + timedelta(hours=3)
        await world.book("Studio A", later, later + timedelta(hours=1), title="Elsewhere", project=world.other_project)
        event = (await producer.next("p"))["bookingChanged"]
        assert (event["type"], event["snapshot"], event["booking"]) == (
            "BookingCreated",
            False,
            {"title": "With crew", "status": "CONFIRMED"},
        )
        assert int(event["seq"]) > int(snapshot["seq"])
        # Crew see the project once called to it, and only their own calls in it.
        await crew.subscribe("p", BOOKINGS, {"p": world.project})
        crew_snapshot = (await crew.next("p"))["bookingChanged"]
        assert crew_snapshot["booking"] == {"title": "With crew", "status": "CONFIRMED"}

        body = await studio.gql(
            "mutation($id: ID!) { cancelBooking(id: $id) { __typename } }", {"id": created}, role=Role.COORDINATOR
        )
        assert body["data"]["cancelBooking"]["__typename"] == "BookingCancelled"
        cancelled = (await producer.next("p"))["bookingChanged"]
        assert cancelled["booking"] == {"title": "With crew", "status": "CANCELLED"}
        assert int(cancelled["seq"]) > int(event["seq"])
        assert (await crew.next("p"))["bookingChanged"]["booking"] == {"title": "With crew", "status": "CANCELLED"}
        with pytest.raises(TimeoutError):  # nothing of the other project
            await producer.next("p", within=0.5)


async def test_the_custody_feed_starts_with_every_item_then_sends_changes(
    studio: StudioFixture, live_server: str
) -> None:
    cage = to_global_id("Location", studio.locations["Cage"])
    ids = []
    for name in ("Camera A", "Camera B"):
        data = await studio.data(
            """mutation($loc: ID!, $name: String!) { createResource(input: {kind: EQUIPMENT, name: $name,
               locationId: $loc}) { ... on ResourceCreated { resource { id } } } }""",
            {"loc": cage, "name": name},
        )
        ids.append(data["createResource"]["resource"]["id"])
    async with WsClient.connect(live_server, token=studio.tokens[Role.SCANNER]) as ws:
        await ws.subscribe("c", ASSETS, {"loc": None})  # a scanner follows its own location
        snapshot = [(await ws.next("c"))["assetStatusChanged"] for _ in range(2)]
        assert [(e["asset"]["name"], e["custody"], e["snapshot"]) for e in snapshot] == [
            ("Camera A", "IN_CAGE", True),
            ("Camera B", "IN_CAGE", True),
        ]
        await studio.data(
            'mutation($id: ID!) { updateResource(input: {id: $id, model: "FX6"}) { __typename } }', {"id": ids[1]}
        )
        change = (await ws.next("c"))["assetStatusChanged"]
        assert (change["asset"], change["snapshot"]) == ({"name": "Camera B", "model": "FX6"}, False)
        assert int(change["seq"]) > int(snapshot[0]["seq"])
        await asyncio.sleep(0)


async def test_a_checkout_reaches_every_follower_with_the_booking_only_where_they_may_see_it(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    created = await studio.data(
        """mutation($loc: ID!) { createResource(input: {kind: EQUIPMENT, name: "Camera A", code: "CAM-A",
           locationId: $loc}) { ... on ResourceCreated { resource { id } } } }""",
        {"loc": to_global_id("Location", studio.locations["Cage"])},
    )
    camera = created["createResource"]["resource"]["id"]
    body = await studio.gql(
        """mutation($input: CreateBookingInput!) { createBooking(input: $input) {
             ... on BookingCreated { booking { id } } ... on UserError { code message } } }""",
        {
            "input": {
                "projectId": world.project,
                "title": "Location shoot",
                "start": (now() - timedelta(minutes=5)).isoformat(),
                "end": (now() + timedelta(hours=3)).isoformat(),
                "status": "CONFIRMED",
                "allocations": [{"resourceId": camera}],
            }
        },
        role=Role.COORDINATOR,
    )
    booking = body["data"]["createBooking"]["booking"]["id"]
    query = ASSETS.replace("asset { name model }", "asset { name } booking { title }")
    cage = to_global_id("Location", studio.locations["Cage"])
    roles = (Role.ADMIN, Role.SCANNER, Role.CREW)
    async with (
        WsClient.connect(live_server, token=studio.tokens[roles[0]]) as admin,
        WsClient.connect(live_server, token=studio.tokens[roles[1]]) as scanner,
        WsClient.connect(live_server, token=studio.tokens[roles[2]]) as crew,
    ):
        followers = (admin, scanner, crew)
        for ws in followers:
            await ws.subscribe("1", query, {"loc": cage})
            assert (await ws.next("1"))["assetStatusChanged"]["snapshot"] is True
        result = await studio.gql(
            """mutation($input: CheckOutAssetInput!) { checkOutAsset(input: $input) { __typename } }""",
            {"input": {"code": "CAM-A", "bookingId": booking, "idempotencyKey": "scan-1"}},
            role=Role.SCANNER,
        )
        assert result["data"]["checkOutAsset"]["__typename"] == "AssetCheckedOut", result
        seen = [(await ws.next("1"))["assetStatusChanged"] for ws in followers]
    assert [(e["custody"], e["snapshot"], e["booking"]) for e in seen] == [
        ("CHECKED_OUT", False, {"title": "Location shoot"}),
        ("CHECKED_OUT", False, {"title": "Location shoot"}),
        ("CHECKED_OUT", False, None),
    ]
    assert len({e["seq"] for e in seen}) == 1
