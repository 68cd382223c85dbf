"""The Redis pub/sub bus: many server processes share one stream of committed events.

One connection per process carries every SUBSCRIBE (one per channel, however many local
subscribers want it); messages are fanned out in-process to bounded per-subscriber queues
(`Fanout`). Redis pub/sub is fire-and-forget, so whenever the subscriber link is lost the bus
reconnects with capped exponential backoff and, once every channel is subscribed again, tells
every local subscriber to resync: they reload a snapshot from the database, where nothing is lost.

Publishing uses a separate small connection pool with short timeouts, so a Redis outage delays a
mutation by at most a couple of seconds and never fails it (the unit of work logs the failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from server.events.bus import Fanout, Subscription
from server.events.types import BusMessage
from server.telemetry import metrics

log = logging.getLogger(__name__)

# Errors that mean "the link is gone": reconnect, then resync.
LINK_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


def encode(message: BusMessage) -> str:
    return json.dumps(
        {
            "seq": message.seq,
            "studio": message.studio_id,
            "topic": message.topic,
            "type": message.type,
            "payload": message.payload,
            "at": message.at.isoformat(),
        },
        separators=(",", ":"),
    )


def decode(raw: str | bytes) -> BusMessage:
    data = json.loads(raw)
    return BusMessage(
        seq=int(data["seq"]),
        studio_id=int(data["studio"]),
        topic=str(data["topic"]),
        type=str(data["type"]),
        payload=dict(data["payload"]),
        at=datetime.fromisoformat(data["at"]),
    )


class RedisBus:
    """The `Bus` over Redis pub/sub."""

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
        confirm_timeout: float = 2.0,
        health_check_interval: float = 5.0,
    ) -> None:
        self.url = url
        self.fanout = Fanout()
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.confirm_timeout = confirm_timeout
        self.health_check_interval = health_check_interval
        # A private channel keeps the link subscribed (and so observable) with no local subscriber.
        self.control_channel = f"callsheet:bus:{uuid.uuid4().hex}"
        # Operators (and tests) find this process's subscriber link in CLIENT LIST by this name.
        self.link_name = f"callsheet-bus-{os.getpid()}-{self.control_channel[-8:]}"
        self.links = 0  # successful (re)connections of the subscriber link
        self._publisher: Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None
        self._client: Redis | None = None
        self._up = asyncio.Event()
        self._closing = False
        # Per channel: SUBSCRIBEs sent and confirmations received on the current link. Redis
        # answers in order, so a subscriber is confirmed once `acked >= ` the count it sent.
        self._sent: dict[str, int] = {}
        self._acked: dict[str, int] = {}
        self._progress = asyncio.Condition()

    # Lifecycle

    async def start(self) -> None:
        """Open the publisher and the subscriber link; waits briefly for Redis, never fails on it."""
        self._closing = False
        # One quick retry covers a pooled connection that Redis dropped; more would stall mutations.
        self._publisher = Redis.from_url(
            self.url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
        )
        self._reader = asyncio.create_task(self._run(), name="redis-bus-reader")
        try:
            await asyncio.wait_for(self._up.wait(), self.confirm_timeout)
        except TimeoutError:
            log.warning("Redis at %s is not reachable yet; live updates resume when it is", _redact(self.url))

    async def close(self) -> None:
        self._closing = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        await self._drop_link()
        if self._publisher is not None:
            with contextlib.suppress(*LINK_ERRORS):
                await self._publisher.aclose()
            self._publisher = None
        self.fanout.resync_all("bus closed")

    async def healthy(self) -> bool:
        """The subscriber link is up and Redis answers a PING within a second."""
        if not self._up.is_set() or self._publisher is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._publisher.ping(), 1.0))
        except LINK_ERRORS:
            return False

    # Publishing

    async def publish(self, messages: Sequence[BusMessage]) -> None:
        if not messages:
            return
        if self._publisher is None:
            raise RuntimeError("the Redis bus is not started")
        async with self._publisher.pipeline(transaction=False) as pipe:
            for message in messages:
                pipe.publish(message.channel, encode(message))
            await pipe.execute()
        metrics.BUS_PUBLISHED.labels(self.name).inc(len(messages))

    # Subscribing

    @asynccontextmanager
    async def subscribe(self, channels: Sequence[str]) -> AsyncIterator[Subscription]:
        """A bounded mailbox on the channels; returns once Redis confirms them (or the wait times out,
        in which case the link is down and the subscriber will be told to resync when it returns)."""
        sub = Subscription(channels)
        fresh = self.fanout.add(sub)
        try:
            targets = await self._send_subscribe(fresh) if fresh else {}
            targets.update({ch: self._sent.get(ch, 0) for ch in sub.channels if ch not in targets})
            await self._await_confirmed(targets)
            yield sub
        finally:
            emptied = self.fanout.remove(sub)
            if emptied:
                await self._send_unsubscribe(emptied)

    async def _send_subscribe(self, channels: list[str]) -> dict[str, int]:
        pubsub = self._pubsub
        if pubsub is None or not self._up.is_set():
            return {}  # the reconnect subscribes every channel the fanout knows
        for ch in channels:
            self._sent[ch] = self._sent.get(ch, 0) + 1
        try:
            await pubsub.subscribe(*channels)
        except LINK_ERRORS as exc:
            log.warning("SUBSCRIBE failed (%s); the reader reconnects", exc)
            return {}
        return {ch: self._sent[ch] for ch in channels}

    async def _send_unsubscribe(self, channels: list[str]) -> None:
        pubsub = self._pubsub
        if pubsub is None or not self._up.is_set():
            return
        try:
            await pubsub.unsubscribe(*channels)
        except LINK_ERRORS as exc:
            log.debug("UNSUBSCRIBE failed (%s); the link is being replaced", exc)

    async def _await_confirmed(self, targets: dict[str, int]) -> None:
        if not targets:
            return
        link = self.links

        def done() -> bool:
            # A lost link ends the wait: its return resyncs every subscriber anyway.
            if self.links != link or not self._up.is_set():
                return True
            return all(self._acked.get(ch, 0) >= n for ch, n in targets.items())

        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(done), self.confirm_timeout)
            except TimeoutError:
                log.warning("Redis did not confirm SUBSCRIBE in time; subscribers will resync")

    # The subscriber link

    async def _run(self) -> None:
        delay = self.backoff_initial
        while not self._closing:
            try:
                await self._connect()
            except LINK_ERRORS as exc:
                await self._drop_link()
                wait = delay * random.uniform(0.8, 1.2)
                log.warning("Redis link down (%s); retrying in %.2fs", exc or type(exc).__name__, wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.backoff_max)
                continue
            delay = self.backoff_initial
            self.links += 1
            if self.links > 1:
                metrics.BUS_RECONNECTS.inc()
            self._up.set()
            # Whatever was published while the link was down is gone: every subscriber reloads.
            self.fanout.resync_all("event bus reconnected")
            async with self._progress:
                self._progress.notify_all()
            try:
                await self._read()
            except LINK_ERRORS as exc:
                log.warning("Redis link lost (%s); reconnecting", exc or type(exc).__name__)
            finally:
                await self._drop_link()

    async def _connect(self) -> None:
        """A new link with every channel subscribed and confirmed."""
        client = Redis.from_url(
            self.url,
            socket_connect_timeout=2.0,
            socket_timeout=None,
            health_check_interval=self.health_check_interval,
            client_name=self.link_name,
            # Reconnecting is ours to do: a silent reconnect inside redis-py would hide the gap.
            retry=Retry(NoBackoff(), 0, supported_errors=()),
        )
        self._client = client
        pubsub = client.pubsub()
        self._pubsub = pubsub
        self._sent, self._acked = {}, {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.confirm_timeout
        # Subscribers that arrive meanwhile are picked up here; the link counts as up only once
        # every channel is confirmed, and nothing awaits between the last check and `_up.set()`.
        while True:
            missing = [ch for ch in (self.control_channel, *self.fanout.channels) if ch not in self._sent]
            if missing:
                for ch in missing:
                    self._sent[ch] = 1
                await pubsub.subscribe(*missing)
                continue
            if all(self._acked.get(ch, 0) >= n for ch, n in self._sent.items()):
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("SUBSCRIBE not confirmed")
            message = await pubsub.get_message(timeout=remaining)
            if message is not None:
                self._handle(message)

    async def _read(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        while not self._closing:
            # A timeout keeps the health-check PING flowing on an idle link.
            message = await pubsub.get_message(timeout=self.health_check_interval)
            if message is not None:
                self._handle(message)
                if message["type"] in ("subscribe", "unsubscribe"):
                    async with self._progress:
                        self._progress.notify_all()

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = _text(message["channel"])
        if kind == "message":
            try:
                bus_message = decode(message["data"])
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring a malformed message on %s", channel)
                return
            self.fanout.deliver(bus_message)
        elif kind == "subscribe":
            self._acked[channel] = self._acked.get(channel, 0) + 1

    async def _drop_link(self) -> None:
        self._up.clear()
        pubsub, self._pubsub = self._pubsub, None
        client, self._client = self._client, None
        if pubsub is not None:
            with contextlib.suppress(*LINK_ERRORS, RuntimeError):
                await pubsub.aclose()
        if client is not None:
            with contextlib.suppress(*LINK_ERRORS, RuntimeError):
                await client.aclose()
        async with self._progress:
            self._progress.notify_all()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
