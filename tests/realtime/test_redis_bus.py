"""The Redis bus: delivery across instances, one SUBSCRIBE per channel, resync after a lost link."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from server.events.bus import Resync
from server.events.redis_bus import RedisBus, decode, encode
from server.events.types import BusMessage

pytestmark = pytest.mark.redis


def _url() -> str:
    return os.environ["CALLSHEET_TEST_REDIS_URL"]


def _message(seq: int, studio: int, topic: str = "bookings") -> BusMessage:
    return BusMessage(seq, studio, topic, "BookingCreated", {"bookingId": seq}, datetime.now(UTC))


def _studio() -> int:
    # Channels are global in Redis: a random studio id keeps parallel runs apart.
    return 10_000_000 + uuid.uuid4().int % 1_000_000


async def _kill_link(bus: RedisBus) -> int:
    async with Redis.from_url(_url()) as admin:
        clients = await admin.client_list()
        ids = [c["id"] for c in clients if c.get("name") == bus.link_name]
        for cid in ids:
            await admin.client_kill_filter(_id=cid)
    return len(ids)


async def _next(sub, within: float = 2.0):  # type: ignore[no-untyped-def]
    return await asyncio.wait_for(sub.get(), within)


def test_wire_format_round_trips() -> None:
    message = _message(7, 3)
    assert decode(encode(message)) == message


async def test_a_message_published_by_one_instance_reaches_the_other() -> None:
    a, b = RedisBus(_url()), RedisBus(_url())
    await a.start()
    await b.start()
    studio = _studio()
    try:
        async with b.subscribe([f"studio:{studio}:bookings"]) as sub:
            await a.publish([_message(1, studio), _message(2, studio, "projects")])
            got = await _next(sub)
            assert isinstance(got, BusMessage) and got.seq == 1 and got.payload == {"bookingId": 1}
            assert sub.pending() == 0
    finally:
        await a.close()
        await b.close()


async def test_one_redis_subscription_per_channel_however_many_subscribers() -> None:
    bus = RedisBus(_url())
    await bus.start()
    channel = f"studio:{_studio()}:bookings"
    try:
        async with Redis.from_url(_url()) as admin:
            async with bus.subscribe([channel]) as s1, bus.subscribe([channel]) as s2:
                assert (await admin.pubsub_numsub(channel)) == [(channel.encode(), 1)]
                await bus.publish([_message(5, int(channel.split(":")[1]))])
                assert (await _next(s1)).seq == 5
                assert (await _next(s2)).seq == 5
            await asyncio.sleep(0.1)
            assert (await admin.pubsub_numsub(channel)) == [(channel.encode(), 0)]
    finally:
        await bus.close()


async def test_a_lost_link_resyncs_subscribers_and_delivers_again_after_it_returns() -> None:
    bus, publisher = RedisBus(_url(), backoff_initial=0.02), RedisBus(_url())
    await bus.start()
    await publisher.start()
    studio = _studio()
    try:
        async with bus.subscribe([f"studio:{studio}:bookings"]) as sub:
            links = bus.links
            assert await _kill_link(bus) == 1
            assert isinstance(await _next(sub, 5), Resync)
            assert bus.links == links + 1
            assert await bus.healthy()
            await publisher.publish([_message(9, studio)])
            got = await _next(sub)
            assert isinstance(got, BusMessage) and got.seq == 9
    finally:
        await bus.close()
        await publisher.close()


async def test_an_unreachable_redis_is_unhealthy_and_never_blocks_subscribers() -> None:
    bus = RedisBus("redis://127.0.0.1:1/0", backoff_initial=0.01, confirm_timeout=0.2)
    await bus.start()
    try:
        assert not await bus.healthy()
        async with asyncio.timeout(1), bus.subscribe(["studio:1:bookings"]) as sub:
            assert sub.pending() == 0
        with pytest.raises(Exception):  # noqa: B017 - any connection error is fine
            await bus.publish([_message(1, 1)])
    finally:
        await bus.close()
