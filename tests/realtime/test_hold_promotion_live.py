"""A promotion reaches live views: the room board shows the promoted hold holding the room, and the
project's `bookingChanged` feed carries a `HoldPromoted` event (then the queued hold's own feed)."""

from __future__ import annotations

from db.models import Role
from tests.conftest import StudioFixture
from tests.graphql.holds_support import CANCEL, QUEUE
from tests.realtime.support import BOARD, WsClient, build_world, current, iso, next_board, soon, states, wait_for_board

FEED = """
subscription($p: ID!) { bookingChanged(projectId: $p) { seq type snapshot booking { title status rank } } }
"""


async def test_the_board_and_the_feed_follow_a_promotion(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    start, end = soon(-60), soon(3600)
    holder = await world.book("Studio A", start, end, title="First pencil", status="HOLD", project=world.other_project)
    variables = {
        "projectId": world.project,
        "title": "Second pencil",
        "start": iso(start),
        "end": iso(end),
        "allocations": [{"resourceId": world.room("Studio A")}],
        "queueIfTaken": True,
    }
    queued = (await studio.data(QUEUE, {"input": variables}, role=Role.COORDINATOR))["createBooking"]
    assert (queued["__typename"], queued["rank"]) == ("HoldQueued", 2)
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as display,
        WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]) as desk,
    ):
        await display.subscribe("b", BOARD, {"loc": world.location()})
        first = await next_board(display, "b")
        assert (states(first)["Studio A"], current(first)["Studio A"]) == ("HELD", "First pencil")
        await desk.subscribe("p", FEED, {"p": world.project})
        snapshot = (await desk.next("p"))["bookingChanged"]
        assert (snapshot["type"], snapshot["booking"]) == (
            "SNAPSHOT",
            {"title": "Second pencil", "status": "HOLD", "rank": 2},
        )
        assert (await studio.data(CANCEL, {"id": holder}))["cancelBooking"]["__typename"] == "BookingCancelled"
        board, _ = await wait_for_board(display, "b", lambda b: current(b)["Studio A"] == "Second pencil")
        assert states(board)["Studio A"] == "HELD"
        event = (await desk.next("p"))["bookingChanged"]
        assert (event["type"], event["booking"]) == (
            "HoldPromoted",
            {"title": "Second pencil", "status": "HOLD", "rank": 1},
        )
