"""Two `callsheet serve` processes sharing PostgreSQL and Redis: a booking made through one reaches
a subscriber of the other within a second; one of them is the sweeper; both stop cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from db.models import Role
from server.config import Settings
from tests.conftest import StudioFixture
from tests.realtime.serving import Instance, start_several
from tests.realtime.support import BOARD, CREATE_BOOKING, WsClient, build_world, current, next_board, now

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def two_instances(settings: Settings, runtime: Any) -> AsyncIterator[tuple[Instance, Instance]]:
    a, b = await start_several(settings, 2)
    try:
        yield a, b
    finally:
        await asyncio.gather(a.stop(), b.stop())


async def test_a_booking_through_one_instance_reaches_a_subscriber_of_the_other_within_a_second(
    studio: StudioFixture, two_instances: tuple[Instance, Instance]
) -> None:
    a, b = two_instances
    world = await build_world(studio)
    loop = asyncio.get_running_loop()
    async with (
        WsClient.connect(b.address, token=studio.tokens[Role.DISPLAY]) as display,
        httpx.AsyncClient(base_url=f"http://{a.address}") as http,
    ):
        await display.subscribe("board", BOARD, {"loc": world.location()})
        await display.subscribe(
            "feed",
            "subscription($p: ID!) { bookingChanged(projectId: $p) { seq type snapshot booking { title } } }",
            {"p": world.project},
        )
        first = await next_board(display, "board")
        assert current(first) == {"Studio A": None, "Studio B": None}
        for _ in range(10):  # let the first board's coalescing window pass
            await asyncio.sleep(0.03)
        variables = {
            "input": {
                "projectId": world.project,
                "title": "Across instances",
                "start": (now() - timedelta(minutes=1)).isoformat(),
                "end": (now() + timedelta(hours=1)).isoformat(),
                "status": "CONFIRMED",
                "allocations": [{"resourceId": world.room("Studio A")}],
            }
        }
        headers = {"Authorization": f"Bearer {studio.tokens[Role.COORDINATOR]}"}
        started = loop.time()
        response = await http.post("/graphql", json={"query": CREATE_BOOKING, "variables": variables}, headers=headers)
        assert response.json()["data"]["createBooking"]["__typename"] == "BookingCreated"
        board = await next_board(display, "board", within=1.0)
        elapsed = loop.time() - started
        assert current(board)["Studio A"] == "Across instances"
        assert elapsed < 1.0, elapsed
        # The project feed on the other instance saw it too (the display may not see projects, so
        # it was refused; an admin on instance B follows it).
    async with WsClient.connect(b.address, token=studio.tokens[Role.ADMIN]) as admin:
        await admin.subscribe(
            "feed",
            "subscription($p: ID!) { bookingChanged(projectId: $p) { type snapshot booking { title } } }",
            {"p": world.project},
        )
        snapshot = (await admin.next("feed"))["bookingChanged"]
        assert snapshot == {"type": "SNAPSHOT", "snapshot": True, "booking": {"title": "Across instances"}}


async def test_exactly_one_instance_sweeps_and_both_stop_cleanly_with_subscribers_connected(
    studio: StudioFixture, two_instances: tuple[Instance, Instance]
) -> None:
    a, b = two_instances
    world = await build_world(studio)
    async with httpx.AsyncClient() as client:
        for _ in range(50):  # the election runs as each instance starts
            leaders = [(await client.get(f"http://{i.address}/healthz")).json()["sweeper"]["leader"] for i in (a, b)]
            if any(leaders):
                break
            await asyncio.sleep(0.1)
    assert sorted(leaders) == [False, True]
    async with (
        WsClient.connect(a.address, token=studio.tokens[Role.DISPLAY]) as on_a,
        WsClient.connect(b.address, token=studio.tokens[Role.DISPLAY]) as on_b,
    ):
        for ws in (on_a, on_b):
            await ws.subscribe("board", BOARD, {"loc": world.location()})
            await next_board(ws, "board")
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it so the exit status says why.
        codes = await asyncio.gather(a.stop(), b.stop())
        assert codes == [-signal.SIGTERM, -signal.SIGTERM]
        for ws in (on_a, on_b):
            code, _ = await ws.closed(within=5)
            assert code == 1012  # service restart: clients reconnect, to the other instance if need be
    logs = [i.output.decode(errors="replace") for i in (a, b)]
    assert all("Application shutdown complete." in log for log in logs), logs
    assert not any("Traceback" in log for log in logs), logs
