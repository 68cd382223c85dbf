"""`notificationReceived`: each subscriber gets its own new notifications, over graphql-transport-ws."""

from __future__ import annotations

import asyncio

from db.models import Role
from tests.conftest import StudioFixture
from tests.graphql.test_requests import APPROVE, REQUEST, _ask, _portal
from tests.realtime.support import WsClient

FEED = "subscription { notificationReceived { kind title booking { id } } }"


async def test_each_subscriber_gets_its_own_new_notifications(studio: StudioFixture, live_server: str) -> None:
    cat = await _portal(studio)
    old = (await studio.data(REQUEST, {"input": _ask(cat, day=1)}, role=Role.CLIENT))["requestBooking"]["booking"]
    async with (
        WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]) as staff,
        WsClient.connect(live_server, token=studio.tokens[Role.CLIENT]) as client,
        WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as crew,
    ):
        for ws in (staff, client, crew):
            await ws.subscribe("n", FEED)
        await asyncio.sleep(0.3)  # subscribed before the change
        asked = (await studio.data(REQUEST, {"input": _ask(cat, day=2)}, role=Role.CLIENT))["requestBooking"]
        got = (await staff.next("n"))["notificationReceived"]
        # Only what is new since subscribing: the earlier request is not sent again.
        assert got == {
            "kind": "BOOKING_REQUESTED",
            "title": "Booking requested: Album launch",
            "booking": {"id": asked["booking"]["id"]},
        }
        await studio.data(APPROVE, {"input": {"id": old["id"]}}, role=Role.COORDINATOR)
        mine = (await client.next("n"))["notificationReceived"]
        assert (mine["kind"], mine["booking"]) == ("BOOKING_APPROVED", {"id": old["id"]})
        # Neither the coordinator nor the crew were told of the approval; the crew of nothing at all.
        for ws in (staff, crew):
            try:
                extra = await ws.recv(within=0.5)
            except TimeoutError:
                continue
            raise AssertionError(f"unexpected message {extra}")


async def test_devices_subscribe_and_hear_nothing(studio: StudioFixture, live_server: str) -> None:
    cat = await _portal(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws:
        await ws.subscribe("n", FEED)
        await asyncio.sleep(0.3)
        await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
        try:
            message = await ws.recv(within=0.5)
        except TimeoutError:
            return
        raise AssertionError(f"a device was sent {message}")
