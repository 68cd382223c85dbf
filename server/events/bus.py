"""The event bus interface and the in-process implementation (the embedded default).

Each subscription gets a bounded queue. A subscriber that falls behind is not allowed to grow
memory: its queue is emptied and it receives one `Resync`, after which it reloads a snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from server.events.types import BusMessage, Resync
from server.telemetry import metrics

QUEUE_LIMIT = 64

Delivery = BusMessage | Resync


class Subscription:
    """A bounded mailbox for one subscriber on one or more channels."""

    def __init__(self, channels: Sequence[str], limit: int = QUEUE_LIMIT) -> None:
        self.channels = tuple(channels)
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=limit)
        self.overflows = 0

    def offer(self, item: Delivery) -> None:
        """Deliver without blocking the publisher; on overflow replace the backlog by one Resync."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflows += 1
            metrics.BUS_RESYNCS.labels("subscriber fell behind").inc()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(Resync("subscriber fell behind"))

    async def get(self) -> Delivery:
        return await self._queue.get()

    def pending(self) -> int:
        return self._queue.qsize()

    def __aiter__(self) -> AsyncIterator[Delivery]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Delivery]:
        while True:
            yield await self._queue.get()


class Bus(Protocol):
    """Publish committed events; subscribe to channels. Implementations: memory, Redis."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, messages: Sequence[BusMessage]) -> None: ...

    def subscribe(self, channels: Sequence[str]) -> AbstractAsyncContextManager[Subscription]: ...

    async def healthy(self) -> bool: ...

    @property
    def name(self) -> str: ...


class Fanout:
    """Channel -> subscriptions in this process; shared by both bus implementations."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    def add(self, sub: Subscription) -> list[str]:
        """Register a subscription; returns the channels that had no local subscriber before."""
        fresh = []
        for ch in sub.channels:
            subs = self._subscribers.setdefault(ch, set())
            if not subs:
                fresh.append(ch)
            subs.add(sub)
        return fresh

    def remove(self, sub: Subscription) -> list[str]:
        """Unregister; returns the channels that now have no local subscriber."""
        emptied = []
        for ch in sub.channels:
            subs = self._subscribers.get(ch)
            if subs is None:
                continue
            subs.discard(sub)
            if not subs:
                del self._subscribers[ch]
                emptied.append(ch)
        return emptied

    def deliver(self, message: BusMessage) -> int:
        subs = self._subscribers.get(message.channel, ())
        for sub in tuple(subs):
            sub.offer(message)
        return len(subs)

    def resync_all(self, reason: str) -> None:
        subscribers = {s for subs in self._subscribers.values() for s in subs}
        if subscribers:
            metrics.BUS_RESYNCS.labels(reason).inc()
        for sub in subscribers:
            sub.offer(Resync(reason))

    @property
    def channels(self) -> list[str]:
        return list(self._subscribers)

    def subscriber_count(self) -> int:
        return len({s for subs in self._subscribers.values() for s in subs})


class MemoryBus:
    """In-process bus: one server process, no broker. A supported product, not a test double."""

    name = "memory"

    def __init__(self) -> None:
        self.fanout = Fanout()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.fanout.resync_all("bus closed")

    async def publish(self, messages: Sequence[BusMessage]) -> None:
        metrics.BUS_PUBLISHED.labels(self.name).inc(len(messages))
        for message in messages:
            self.fanout.deliver(message)

    @asynccontextmanager
    async def subscribe(self, channels: Sequence[str]) -> AsyncIterator[Subscription]:
        sub = Subscription(channels)
        self.fanout.add(sub)
        try:
            yield sub
        finally:
            self.fanout.remove(sub)

    async def healthy(self) -> bool:
        return True
