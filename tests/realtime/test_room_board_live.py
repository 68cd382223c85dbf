"""The roomBoard subscription through the real app over real sockets."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from db.models import Role
from db.repositories.events import latest_seq
from tests.conftest import StudioFixture
from tests.realtime.support import (
    BOARD,
    WsClient,
    build_world,
    current,
    next_board,
    now,
    nxt,
    soon,
    states,
    wait_for_board,
)


async def test_an_independent_client_gets_a_snapshot_then_the_booking(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    transport = WebsocketsTransport(
        url=f"ws://{live_server}/graphql",
        init_payload={"authorization": f"Bearer {studio.tokens[Role.DISPLAY]}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=transport) as session:
        request = gql(BOARD)
        request.variable_values = {"loc": world.location()}
        stream = session.subscribe(request)
        first = (await anext(stream))["roomBoard"]
        assert first["location"] == {"name": "Main floor"}
        assert states(first) == {"Studio A": "FREE", "Studio B": "FREE"}
        await world.book("Studio A", now() - timedelta(minutes=5), now() + timedelta(hours=1), title="Morning mix")
        second = (await anext(stream))["roomBoard"]
        assert states(second) == {"Studio A": "IN_SESSION", "Studio B": "FREE"}
        assert current(second) == {"Studio A": "Morning mix", "Studio B": None}
        assert int(second["seq"]) > int(first["seq"])
        await stream.aclose()


async def test_the_board_follows_the_clock_without_any_write(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    start, end = soon(1.5), soon(3.0)
    await world.book("Studio A", start, end, title="Quick take")
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        first = await next_board(ws, "b")
        assert states(first)["Studio A"] == "FREE"
        assert first["rooms"][0]["next"] == {"title": "Quick take"}
        assert first["rooms"][0]["until"] == start.isoformat().replace("+00:00", "Z")
        in_session, _ = await wait_for_board(ws, "b", lambda b: states(b)["Studio A"] == "IN_SESSION", within=4)
        assert current(in_session)["Studio A"] == "Quick take"
        assert in_session["seq"] == first["seq"]
        free, _ = await wait_for_board(ws, "b", lambda b: states(b)["Studio A"] == "FREE", within=4)
        assert current(free)["Studio A"] is None


async def test_a_burst_of_writes_is_coalesced(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    loop = asyncio.get_running_loop()
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        first = await next_board(ws, "b")
        received: list[tuple[float, dict[str, Any]]] = []
        target, reached = [1 << 62], asyncio.Event()

        async def read() -> None:
            while True:
                board = await next_board(ws, "b", within=30)
                received.append((loop.time(), board))
                if int(board["seq"]) >= target[0]:
                    reached.set()

        reader = asyncio.create_task(read())
        base = now() + timedelta(days=1)
        for i in range(8):
            start = base + timedelta(hours=i)
            await world.book("Studio A", start, start + timedelta(minutes=30), title=f"S{i}")
        async with studio.runtime.uow.read() as session:
            final = target[0] = await latest_seq(session, studio.id)
        if received and int(received[-1][1]["seq"]) >= final:
            reached.set()
        await asyncio.wait_for(reached.wait(), 5)
        reader.cancel()
        seqs = [int(first["seq"])] + [int(b["seq"]) for _, b in received]
        assert seqs == sorted(seqs) and seqs[-1] == final
        arrivals = [t for t, _ in received]
        assert all(b - a >= 0.2 for a, b in itertools.pairwise(arrivals)), arrivals
        assert len(received) < 8


async def test_subscribers_share_a_rendered_board_only_when_they_asked_the_same_with_the_same_rights(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    other = await world.book("Studio B", now() - timedelta(minutes=5), now() + timedelta(hours=1), title="Theirs")
    assert other
    names_only = "subscription($loc: ID!) { roomBoard(locationId: $loc) { rooms { room { name } current { title } } } }"
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as display,
        WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as crew,
    ):
        # Same operation id and query on two sockets with different rights; a second query shape.
        for ws in (display, crew):
            await ws.subscribe("1", BOARD, {"loc": world.location()})
            await next_board(ws, "1")
        await display.subscribe("2", names_only, {"loc": world.location()})
        await next_board(display, "2")

        await world.book(
            "Studio A", now() - timedelta(minutes=1), now() + timedelta(hours=1), title="Crew call", crew=True
        )
        seen_by_display = await next_board(display, "1")
        seen_by_crew = await next_board(crew, "1")
        second_shape = await next_board(display, "2")
    assert current(seen_by_display) == {"Studio A": "Crew call", "Studio B": "Theirs"}
    assert current(seen_by_crew) == {"Studio A": "Crew call", "Studio B": None}
    assert second_shape == {
        "rooms": [
            {"room": {"name": "Studio A"}, "current": {"title": "Crew call"}},
            {"room": {"name": "Studio B"}, "current": {"title": "Theirs"}},
        ]
    }


SERIES = """
mutation($input: CreateBookingSeriesInput!) {
  createBookingSeries(input: $input) { __typename ... on BookingSeriesCreated { series { bookings { id } } } }
}
"""


async def test_a_52_week_series_is_one_board_update(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws,
        WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as other,
    ):
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        await other.subscribe("p", BOARD, {"loc": world.location("Post")})
        first = await next_board(ws, "b")
        await next_board(other, "p")
        start = now().replace(microsecond=0) + timedelta(days=1)
        made = await studio.data(
            SERIES,
            {
                "input": {
                    "booking": {
                        "projectId": world.project,
                        "title": "Weekly",
                        "start": start.isoformat(),
                        "end": (start + timedelta(hours=1)).isoformat(),
                        "allocations": [{"resourceId": world.room("Studio A")}],
                    },
                    "rrule": "FREQ=WEEKLY;COUNT=52",
                }
            },
        )
        assert len(made["createBookingSeries"]["series"]["bookings"]) == 52, made
        async with studio.runtime.uow.read() as session:
            final = await latest_seq(session, studio.id)
        second = await next_board(ws, "b")
        assert int(second["seq"]) == final > int(first["seq"])
        assert nxt(second)["Studio A"] == "Weekly"
        # Nothing else follows: neither a second board of the series' room nor one of an untouched location.
        for client, op in ((ws, "b"), (other, "p")):
            try:
                extra = await next_board(client, op, within=1.0)
            except TimeoutError:
                continue
            raise AssertionError(f"an extra board after the series: {extra}")
