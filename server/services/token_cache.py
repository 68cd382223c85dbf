"""Recently presented tokens, remembered for a few seconds so most requests skip the token lookup.

An entry is dropped as soon as its studio's `tokens` topic says anything (a token created or
revoked, or a `Resync` after the bus lost messages): the check is made on every hit, so a
revocation committed through this process refuses the very next request, and one committed by
another process on the same Redis bus as soon as the message arrives. Processes that share no bus
with this one (a CLI on an in-process bus) are bounded by the time to live. An entry is only kept
when the studio's subscription was open before the lookup read the row, so no revocation can fall
between the read and the watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from server.events.bus import Bus, Subscription
from server.events.types import TOKENS, channel
from server.services.principal import Principal

log = logging.getLogger(__name__)

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Cached:
    """What authentication needs of a token row, and when it was read."""

    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None
    read_at: float  # time.monotonic() when the lookup began


class TokenCache:
    """Token digest -> principal, per process, invalidated by the studio's `tokens` topic."""

    def __init__(self, bus: Bus, *, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.bus = bus
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, Cached] = {}
        self._subs: dict[int, Subscription] = {}
        self._watch_ready: dict[int, float] = {}
        self._last_event: dict[int, float] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def get(self, digest: str) -> Cached | None:
        """The entry of a digest if it is fresh and nothing happened to its studio's tokens since."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        studio_id = entry.principal.studio_id
        sub = self._subs.get(studio_id)
        if sub is None or sub.pending():
            # A token event is waiting to be read: whatever it says, the studio's entries are suspect.
            self.forget_studio(studio_id)
            return None
        if time.monotonic() - entry.read_at > self.ttl:
            del self._entries[digest]
            return None
        return entry

    async def put(self, digest: str, entry: Cached) -> None:
        """Remember an entry, if its studio was watched before it was read (else start watching)."""
        studio_id = entry.principal.studio_id
        ready = self._watch_ready.get(studio_id)
        if ready is None:
            await self._watch(studio_id)
            return
        sub = self._subs.get(studio_id)
        if ready > entry.read_at or sub is None or sub.pending():
            return
        if self._last_event.get(studio_id, 0.0) >= entry.read_at:
            return  # the studio's tokens changed while the row was being read
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[digest] = entry

    def touched(self, digest: str, at: datetime) -> None:
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries[digest] = Cached(entry.principal, entry.expires_at, at, entry.read_at)

    def forget_studio(self, studio_id: int) -> None:
        for digest in [d for d, e in self._entries.items() if e.principal.studio_id == studio_id]:
            del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)

    async def _watch(self, studio_id: int) -> None:
        if studio_id in self._tasks:
            return
        opened = asyncio.get_running_loop().create_future()
        self._tasks[studio_id] = asyncio.create_task(self._follow(studio_id, opened))
        await asyncio.shield(opened)

    async def _follow(self, studio_id: int, opened: asyncio.Future[None]) -> None:
        try:
            async with self.bus.subscribe([channel(studio_id, TOKENS)]) as sub:
                self._subs[studio_id] = sub
                self._watch_ready[studio_id] = time.monotonic()
                opened.set_result(None)
                async for _ in sub:
                    self._last_event[studio_id] = time.monotonic()
                    self.forget_studio(studio_id)
        except Exception:
            log.exception("watching the tokens of studio %s failed; its tokens are looked up every time", studio_id)
        finally:
            # Without a watch nothing of the studio may be served from memory.
            self._subs.pop(studio_id, None)
            self._watch_ready.pop(studio_id, None)
            self._tasks.pop(studio_id, None)
            self.forget_studio(studio_id)
            if not opened.done():
                opened.set_result(None)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._entries.clear()
