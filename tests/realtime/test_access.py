"""Who may see which board and feed, over HTTP and over the socket, for every role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from db.models import Role
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, World, WsClient, build_world, current, next_board, now

BOARD_QUERY = """
query($loc: ID!) {
  roomBoard(locationId: $loc) { seq location { name } rooms { room { name } state current { title } } }
}
"""

# What each role sees of the two sessions: Studio A belongs to the producer's project and calls
# the crew member; Studio B belongs to another project.
EXPECTED_TITLES: dict[Role, dict[str, str | None]] = {
    Role.ADMIN: {"Studio A": "Mine", "Studio B": "Theirs"},
    Role.COORDINATOR: {"Studio A": "Mine", "Studio B": "Theirs"},
    Role.PRODUCER: {"Studio A": "Mine", "Studio B": None},
    Role.CREW: {"Studio A": "Mine", "Studio B": None},
    Role.DISPLAY: {"Studio A": "Mine", "Studio B": "Theirs"},
}


async def _two_sessions(studio: StudioFixture) -> World:
    world = await build_world(studio)
    start, end = now() - timedelta(minutes=10), now() + timedelta(hours=2)
    await world.book("Studio A", start, end, title="Mine", crew=True)
    await world.book("Studio B", start, end, title="Theirs", project=world.other_project)
    return world


@pytest.mark.parametrize("role", list(EXPECTED_TITLES))
async def test_the_board_query_shows_each_role_what_it_may_see(studio: StudioFixture, role: Role) -> None:
    world = await _two_sessions(studio)
    data = await studio.data(BOARD_QUERY, {"loc": world.location()}, role=role)
    board = data["roomBoard"]
    assert {r["room"]["name"]: r["state"] for r in board["rooms"]} == {
        "Studio A": "IN_SESSION",
        "Studio B": "IN_SESSION",
    }
    assert current(board) == EXPECTED_TITLES[role]


@pytest.mark.parametrize(
    ("role", "location", "code"),
    [
        (Role.SCANNER, "Main floor", "FORBIDDEN"),
        (Role.DISPLAY, "Post", "FORBIDDEN"),
        (Role.CLIENT, "Main floor", "FORBIDDEN"),
    ],
)
async def test_the_board_query_refuses_scanners_and_foreign_displays(
    studio: StudioFixture, role: Role, location: str, code: str
) -> None:
    world = await build_world(studio)
    body = await studio.gql(BOARD_QUERY, {"loc": world.location(location)}, role=role)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


async def test_another_studios_location_does_not_exist(studio: StudioFixture, other_studio: StudioFixture) -> None:
    world = await build_world(studio)
    body = await other_studio.gql(BOARD_QUERY, {"loc": world.location()})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


async def _first(address: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with WsClient.connect(address, token=token) as ws:
        await ws.subscribe("1", query, variables)
        return await ws.recv()


@pytest.mark.parametrize("role", list(EXPECTED_TITLES))
async def test_the_board_subscription_shows_each_role_what_it_may_see(
    studio: StudioFixture, live_server: str, role: Role
) -> None:
    world = await _two_sessions(studio)
    async with WsClient.connect(live_server, token=studio.tokens[role]) as ws:
        await ws.subscribe("1", BOARD, {"loc": world.location()})
        assert current(await next_board(ws, "1")) == EXPECTED_TITLES[role]


@pytest.mark.parametrize(
    ("role", "location", "code"),
    [
        (Role.SCANNER, "Main floor", "FORBIDDEN"),
        (Role.DISPLAY, "Post", "FORBIDDEN"),
        (Role.CLIENT, "Main floor", "FORBIDDEN"),
        (Role.ADMIN, None, "NOT_FOUND"),
    ],
)
async def test_a_refused_board_subscription_gets_the_protocols_error_message(
    studio: StudioFixture, live_server: str, role: Role, location: str | None, code: str
) -> None:
    world = await build_world(studio)
    loc = world.location(location) if location else "TG9jYXRpb246OTk5OTk5OQ"  # Location:9999999
    message = await _first(live_server, studio.tokens[role], BOARD, {"loc": loc})
    assert message["type"] == "error" and message["id"] == "1"
    assert [e["extensions"]["code"] for e in message["payload"]] == [code]


ASSETS = """
subscription($loc: ID) {
  assetStatusChanged(locationId: $loc) { seq snapshot custody asset { name } booking { title } }
}
"""


@pytest.mark.parametrize(
    ("role", "location", "outcome"),
    [
        (Role.ADMIN, "Cage", "next"),
        (Role.COORDINATOR, "Cage", "next"),
        (Role.PRODUCER, "Cage", "next"),
        (Role.CREW, "Cage", "next"),
        (Role.SCANNER, "Cage", "next"),
        (Role.SCANNER, "Main floor", "FORBIDDEN"),
        (Role.DISPLAY, "Main floor", "FORBIDDEN"),
        (Role.CLIENT, "Cage", "FORBIDDEN"),
    ],
)
async def test_asset_feed_access_for_every_role(
    studio: StudioFixture, live_server: str, role: Role, location: str, outcome: str
) -> None:
    await _camera(studio)
    loc = (await build_world(studio)).location(location)
    message = await _first(live_server, studio.tokens[role], ASSETS, {"loc": loc})
    if outcome == "next":
        assert message["type"] == "next", message
        assert message["payload"]["data"]["assetStatusChanged"]["asset"] == {"name": "Camera A"}
        assert message["payload"]["data"]["assetStatusChanged"]["snapshot"] is True
    else:
        assert message["type"] == "error"
        assert [e["extensions"]["code"] for e in message["payload"]] == [outcome]


async def _camera(studio: StudioFixture) -> None:
    await studio.data(
        """mutation($loc: ID!) { createResource(input: {kind: EQUIPMENT, name: "Camera A", code: "CAM-A",
           locationId: $loc}) { __typename } }""",
        {"loc": _gid("Location", studio.locations["Cage"])},
    )


def _gid(kind: str, pk: int) -> str:
    from server.schema.ids import to_global_id

    return to_global_id(kind, pk)


BOOKINGS = """
subscription($project: ID!) { bookingChanged(projectId: $project) { seq type snapshot booking { title status } } }
"""


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        (Role.ADMIN, "Mine"),
        (Role.COORDINATOR, "Mine"),
        (Role.PRODUCER, "Mine"),
        (Role.CREW, "Mine"),
        (Role.SCANNER, "FORBIDDEN"),
        (Role.DISPLAY, "FORBIDDEN"),
    ],
)
async def test_booking_feed_access_for_every_role(
    studio: StudioFixture, live_server: str, role: Role, outcome: str
) -> None:
    world = await _two_sessions(studio)
    message = await _first(live_server, studio.tokens[role], BOOKINGS, {"project": world.project})
    if outcome == "FORBIDDEN":
        assert message["type"] == "error"
        assert [e["extensions"]["code"] for e in message["payload"]] == ["FORBIDDEN"]
    else:
        assert message["type"] == "next", message
        assert message["payload"]["data"]["bookingChanged"]["booking"]["title"] == outcome


async def test_a_project_the_caller_may_not_see_does_not_exist_for_the_feed(
    studio: StudioFixture, live_server: str
) -> None:
    world = await _two_sessions(studio)
    message = await _first(live_server, studio.tokens[Role.PRODUCER], BOOKINGS, {"project": world.other_project})
    assert message["type"] == "error"
    assert [e["extensions"]["code"] for e in message["payload"]] == ["NOT_FOUND"]
