"""`notificationReceived`: each subscriber gets its own new notifications, over graphql-transport-ws."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from db.models import Role
from tests.conftest import StudioFixture
from tests.graphql.test_requests import APPROVE, REQUEST, _ask, _portal
from tests.realtime.support import WsClient
from tests.realtime.test_shared_feeds import counting

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


async def _notification_reads(cat: Any, live_server: str, day: int, coordinators: int, crews: int) -> int:
    """Statements that read notifications while one request reaches `coordinators` sockets of the
    recipient (and `crews` sockets of someone it is not for)."""
    studio = cat.studio
    async with AsyncExitStack() as stack:
        staff = [
            await stack.enter_async_context(WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]))
            for _ in range(coordinators)
        ]
        others = [
            await stack.enter_async_context(WsClient.connect(live_server, token=studio.tokens[Role.CREW]))
            for _ in range(crews)
        ]
        for ws in (*staff, *others):
            await ws.subscribe("n", FEED)
        await asyncio.sleep(0.5)  # every socket has read its opening backlog
        with counting(studio) as statements:
            await studio.data(REQUEST, {"input": _ask(cat, day=day)}, role=Role.CLIENT)
            for ws in staff:
                assert (await ws.next("n"))["notificationReceived"]["kind"] == "BOOKING_REQUESTED"
        return sum(1 for s in statements if "FROM notifications" in s and s.lstrip().upper().startswith("SELECT"))


async def test_a_notification_is_read_once_however_many_of_the_recipients_sockets_follow(
    studio: StudioFixture, live_server: str
) -> None:
    cat = await _portal(studio)
    one = await _notification_reads(cat, live_server, 3, coordinators=1, crews=0)
    many = await _notification_reads(cat, live_server, 4, coordinators=20, crews=20)
    assert one == many >= 1
