"""Live views shared by every subscriber of one server process.

A room board is the same for every screen that shows it, so each process computes it once per
change, not once per screen: one `BoardHub` per (studio, location) with at least one watcher holds
the one bus subscription of that board, recomputes the board when an event arrives (coalesced to at
most one recomputation per `MIN_INTERVAL`), when the bus reports a gap (a fresh snapshot), and at the
board's next time boundary (a session starting or ending needs no write). Watchers always take the
latest version: a screen that cannot keep up skips intermediate boards instead of queueing them.

Custody changes work alike: one `AssetHub` per set of followed locations reads each changed item
once and hands the change to every follower's bounded `Mailbox` (an overflow becomes a `Resync`).

Event feeds (`bookingChanged`, `availabilityChanged`, and any per-recipient feed) share one
`TopicHub` per studio topic: see `TopicHub` for how a feed plugs in. After a gap (a Redis
reconnect), every follower is handed the same `Change`, so its snapshot is loaded once per viewer
class, and at most `RESYNC_CONCURRENCY` such reloads run at a time in the process (`LiveViews.gated`):
requests keep their database connections while a thousand screens catch up.

`TokenWatch` follows a studio's `tokens` topic so that sockets of a revoked (or expired) token are
closed, and reads the watched tokens once a second: a revocation whose event never reaches this
process (the CLI on SQLite publishes into its own memory bus; Redis pub/sub may drop a message)
closes them within about a second too.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from db.repositories import feeds
from db.types import utcnow
from server.events.bus import QUEUE_LIMIT, Bus
from server.events.types import TOKENS, BusMessage, Resync, assets_topic, channel, rooms_topic
from server.services import feeds as feeds_service
from server.services import roomboard
from server.services.feeds import AssetState
from server.services.own_task import OwnTask
from server.services.roomboard import BoardData
from server.services.uow import UnitOfWork
from server.telemetry import metrics

log = logging.getLogger(__name__)

MIN_INTERVAL = 0.25  # seconds between two recomputations of one board
MAX_IDLE = 600.0  # recompute at least this often: sessions entering the horizon, rooms moved away
BOUNDARY_SLACK = 0.02  # recompute just after a boundary so the new state is in force
RETRY_MAX = 10.0
RETRY_DELAY = 1.0
RESYNC_CONCURRENCY = 4  # snapshot reloads after a gap running at once in one process

T = TypeVar("T")
Item = TypeVar("Item")


async def supervised(run: Callable[[], Awaitable[None]]) -> None:
    """Run a hub's loop; if it fails unexpectedly, log it and start it again (its followers then
    receive a fresh snapshot, as after any gap)."""
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("a live view failed; restarting it")
            await asyncio.sleep(RETRY_DELAY)


class Supervisor(OwnTask):
    """A hub's one background loop, run `supervised`: started once, stopped by cancelling it."""

    __slots__ = ()

    def start(self, run: Callable[[], Awaitable[None]], name: str) -> None:
        super().start(lambda: supervised(run), name)


class BoardGone(Exception):
    """The location no longer exists."""


Push = Callable[[str, dict[Any, Any]], bool]


class Watcher:
    """One subscriber of a board: the version it was sent, the group of subscribers that are sent
    the very same message (same question, same rights), and how to write it to its socket at once."""

    __slots__ = ("group", "nudged", "parked", "push", "resume", "version")

    def __init__(self, group: Any, push: Push | None) -> None:
        self.group = group
        self.push = push
        self.version = 0
        # Set when this watcher must deliver the current version itself (it is new, its socket
        # could not take a pushed message, or it just took over its group).
        self.nudged = True
        self.parked: asyncio.Future[None] | None = None
        # A detached watcher has no task parked: waking it starts one (see `BoardSeat.detach`).
        self.resume: Callable[[], None] | None = None

    def wake(self) -> None:
        if self.parked is not None:
            if not self.parked.done():
                self.parked.set_result(None)
        elif self.resume is not None:
            resume, self.resume = self.resume, None
            resume()


class BoardHub:
    """The board of one location, kept current for the watchers in this process.

    Watchers asking the same with the same rights form a group. Only the first of each group (its
    leader) is woken by a new version: it renders the message, sends it, and pushes it to the
    others (`fan_out`), writing the same frame bytes to each socket in one loop; the others' tasks
    sleep through it. A follower whose socket cannot take a message at once is woken to send it
    itself; when a leader leaves, the next watcher of its group takes over.
    """

    def __init__(self, uow: UnitOfWork, studio_id: int, location_id: int) -> None:
        self.uow = uow
        self.studio_id = studio_id
        self.location_id = location_id
        self.current: BoardData | None = None
        self.gone = False
        self.version = 0
        self.computations = 0
        self.watchers = 0
        self.pushed = 0  # messages written by a group's fan-out rather than by their own task
        # Leaders park on futures of their own in a set (asyncio.Event removes each woken waiter
        # from a deque, which costs O(watchers) apiece: quadratic with a thousand screens).
        self._waiting: set[asyncio.Future[None]] = set()
        self._groups: dict[Any, dict[Watcher, None]] = {}
        self._loop = Supervisor()

    @property
    def channels(self) -> list[str]:
        return [channel(self.studio_id, rooms_topic(self.location_id))]

    def start(self) -> None:
        self._loop.start(self._run, f"board-{self.studio_id}-{self.location_id}")

    async def stop(self) -> None:
        await self._loop.stop()
        self._publish(None, gone=True)

    def join(self, group: Any = None, push: Push | None = None) -> Watcher:
        """A new watcher; with a group key and a `push`, it may be sent what its group's leader renders."""
        watcher = Watcher(group, push)
        if group is not None and push is not None:
            self._groups.setdefault(group, {})[watcher] = None
        return watcher

    def leave(self, watcher: Watcher) -> None:
        members = self._groups.get(watcher.group) if watcher.push is not None else None
        if members is None or watcher not in members:
            return
        led = next(iter(members)) is watcher
        del members[watcher]
        if not members:
            del self._groups[watcher.group]
        elif led:
            heir = next(iter(members))
            heir.nudged = True
            heir.wake()

    def leads(self, watcher: Watcher) -> bool:
        """Whether the watcher renders its group's messages (or has no group)."""
        members = self._groups.get(watcher.group) if watcher.push is not None else None
        return members is None or next(iter(members)) is watcher

    async def next_for(self, watcher: Watcher) -> tuple[int, BoardData]:
        """The newest board, once it is newer than what the watcher has and the watcher is the one
        to send it (a leader, or a follower that must send for itself); waits until then."""
        while True:
            if self.gone:
                raise BoardGone
            leads = self.leads(watcher)
            if self.version > watcher.version and (leads or watcher.nudged):
                watcher.nudged = False
                watcher.version = self.version
                if self.current is None:
                    raise BoardGone
                return self.version, self.current
            parked = watcher.parked = asyncio.get_running_loop().create_future()
            if leads:
                self._waiting.add(parked)
            try:
                await parked
            finally:
                self._waiting.discard(parked)
                watcher.parked = None

    def fan_out(self, leader: Watcher, version: int, payload: str | None, memo: dict[Any, Any]) -> None:
        """Push the message the leader sent for `version` to the rest of its group (without one,
        each of them is woken to render and send its own); nothing if `leader` does not lead."""
        members = self._groups.get(leader.group) if leader.push is not None else None
        # Only a group's leader pushes: anyone else who sent a version (new, or nudged because its
        # socket was full) sent it to itself alone, and walking the group for each of a wall of
        # subscribing screens would be quadratic.
        if not members or next(iter(members)) is not leader:
            return
        for watcher in list(members):
            if watcher is leader or watcher.version >= version or watcher.push is None:
                continue
            if payload is not None and watcher.push(payload, memo):
                watcher.version = version
                self.pushed += 1
            else:
                watcher.nudged = True
                watcher.wake()

    def _publish(self, data: BoardData | None, *, gone: bool = False) -> None:
        if data is not None:
            self.current = data
        self.gone = gone
        self.version += 1
        waiting, self._waiting = self._waiting, set()
        for parked in waiting:
            if not parked.done():
                parked.set_result(None)
        if gone:
            for members in self._groups.values():
                for watcher in members:
                    watcher.wake()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        bus: Bus = self.uow.bus
        async with bus.subscribe(self.channels) as sub:
            fresh = True  # the first board, and every board after a gap, is sent whatever it holds
            while True:
                data = await self._compute()
                if data is None:
                    self._publish(None, gone=True)
                    return
                if fresh or self._differs(data):
                    self._publish(data)
                last = loop.time()
                fresh = await self._wait(sub, data)
                pause = last + MIN_INTERVAL - loop.time()
                if pause > 0:
                    await asyncio.sleep(pause)
                while sub.pending():
                    if isinstance(await sub.get(), Resync):
                        fresh = True

    def _differs(self, data: BoardData) -> bool:
        current = self.current
        return current is None or data.seq != current.seq or data.fingerprint() != current.fingerprint()

    async def _wait(self, sub: object, data: BoardData) -> bool:
        """Until an event (False), a gap (True) or the board's next time boundary (False)."""
        timeout = MAX_IDLE
        if data.next_change is not None:
            timeout = min(timeout, max(0.0, (data.next_change - utcnow()).total_seconds()) + BOUNDARY_SLACK)
        try:
            item = await asyncio.wait_for(sub.get(), timeout)  # type: ignore[attr-defined]
        except TimeoutError:
            return False
        return isinstance(item, Resync)

    async def _compute(self) -> BoardData | None:
        delay = 0.1
        while True:
            try:
                async with self.uow.read() as session:
                    data = await roomboard.load(session, self.studio_id, self.location_id, utcnow())
                self.computations += 1
                return data
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("computing the board of location %s failed; retrying", self.location_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)


class BoardSeat:
    """One subscriber's place at a board: its watcher, and its share in keeping the hub alive.

    A follower (not its group's leader) that has delivered a message can be `detach`ed: its
    subscription then lives on as this seat and its socket's push alone, with no task, no
    GraphQL operation and no generator frames kept for it (DESIGN §9: five thousand screens on
    one process). When it must act for itself again (its group's leader left, the board is
    gone), the watcher's `resume` starts a task for it, which takes the seat back (`attach`).
    """

    __slots__ = ("detached", "hub", "released", "views", "watcher")

    def __init__(self, views: LiveViews, hub: BoardHub, watcher: Watcher) -> None:
        self.views = views
        self.hub = hub
        self.watcher = watcher
        self.detached = False
        self.released = False

    def detach(self, resume: Callable[[], None]) -> None:
        """Go on without a task of its own; `resume` is called when one is needed again."""
        self._counted(True)  # still an active subscription, though no stream runs
        self.watcher.resume = resume

    def attach(self, push: Push | None) -> None:
        """Taken back by a new task (whose stream is counted as an active subscription again)."""
        self.watcher.push = push
        self.watcher.resume = None
        self._counted(False)

    async def release(self) -> None:
        """Leave the board (once)."""
        if self.released:
            return
        self.released = True
        self.watcher.resume = None
        self._counted(False)
        self.hub.leave(self.watcher)
        await self.views._unseat(self.hub)

    def _counted(self, detached: bool) -> None:
        """While detached, the seat itself is counted in `callsheet_subscriptions_active`."""
        if detached != self.detached:
            self.detached = detached
            metrics.SUBSCRIPTIONS.labels("roomBoard").inc(1 if detached else -1)


@dataclass
class AssetChange:
    """The items one event changed, as they are now; shared by every follower of the locations."""

    seq: int
    at: datetime
    states: list[AssetState]
    memo: dict[Any, Any] = field(default_factory=dict)


class Mailbox(Generic[Item]):
    """A follower's bounded queue; on overflow it is emptied and holds one gap (`Resync`, or what
    `gap` makes of it)."""

    __slots__ = ("_items", "_ready", "gap", "limit", "overflows")

    def __init__(self, limit: int = QUEUE_LIMIT, gap: Callable[[Resync], Item] | None = None) -> None:
        self.limit = limit
        self.gap = gap
        self.overflows = 0
        self._items: deque[Item] = deque()
        self._ready: asyncio.Future[None] | None = None

    def offer(self, item: Item) -> None:
        if len(self._items) >= self.limit:
            self.overflows += 1
            metrics.BUS_RESYNCS.labels("follower fell behind").inc()
            self._items.clear()
            gap = Resync("follower fell behind")
            item = self.gap(gap) if self.gap is not None else gap  # type: ignore[assignment]
        self._items.append(item)
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def pending(self) -> int:
        return len(self._items)

    async def get(self) -> Item:
        while not self._items:
            self._ready = asyncio.get_running_loop().create_future()
            try:
                await self._ready
            finally:
                self._ready = None
        return self._items.popleft()


class Change:
    """One delivery of a topic (an event, or a gap) as every follower in this process receives it.

    What followers derive from it is computed by the first who asks (`once`) and shared with every
    follower asking under the same key: a key names the load and the viewer class it is for.
    """

    __slots__ = ("item", "memo")

    def __init__(self, item: BusMessage | Resync) -> None:
        self.item = item
        self.memo: dict[Any, Any] = {}

    @property
    def is_gap(self) -> bool:
        return isinstance(self.item, Resync)

    async def once(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        """`load()`'s result, computed once for this change and key (concurrent callers wait for it;
        a failure reaches them all, and the next caller tries again)."""
        pending: asyncio.Future[T] | None = self.memo.get(key)
        if pending is None:
            pending = self.memo[key] = asyncio.ensure_future(load())
            pending.add_done_callback(lambda done: self._forget_failed(key, done))
        # Shielded: one follower leaving must not cancel what the others wait for.
        return await asyncio.shield(pending)

    def _forget_failed(self, key: Any, done: asyncio.Future[Any]) -> None:
        failed = done.cancelled() or done.exception() is not None
        if failed and self.memo.get(key) is done:
            del self.memo[key]


class TopicHub:
    """The events of one studio topic for every follower in this process.

    One bus subscription per (studio, topic). Each event becomes one `Change`, handed to the
    mailboxes of the followers whose filter accepts it (a filter is a cheap test on the event's
    payload, run here, so followers it does not concern are not even woken); a gap is handed to
    every follower. Followers then load what the change means for them with `Change.once`, keyed
    by what they load and their viewer class, so a change costs one load per viewer class however
    many sockets follow it, and the rendering is shared the same way (`SharedRender`).

    A new feed plugs in with `LiveViews.follow(studio_id, topic, wants)`. A per-recipient feed
    (notifications, say) passes a filter on the recipient, e.g.
    `wants=lambda m: m.payload.get("recipientId") == principal.user_id`, and keys its loads by
    the recipient's viewer class: only the recipient's sockets wake, and several sockets of one
    recipient (two screens, two tabs) still share one load and one rendering.
    """

    def __init__(self, uow: UnitOfWork, studio_id: int, topic: str) -> None:
        self.uow = uow
        self.studio_id = studio_id
        self.topic = topic
        self.followers: dict[Mailbox[Change], Callable[[BusMessage], bool]] = {}
        self.ready = asyncio.Event()
        self._loop = Supervisor()

    def start(self) -> None:
        self._loop.start(self._run, f"topic-{self.studio_id}-{self.topic}")

    async def stop(self) -> None:
        await self._loop.stop()

    def offer(self, item: BusMessage | Resync) -> None:
        """Hand one delivery to the followers it concerns."""
        change = Change(item)
        if isinstance(item, Resync):
            for mailbox in list(self.followers):
                mailbox.offer(change)
            return
        for mailbox, wants in list(self.followers.items()):
            try:
                wanted = wants(item)
            except Exception:
                log.exception("a feed filter failed; its follower reloads")
                mailbox.offer(Change(Resync("feed filter failed")))
                continue
            if wanted:
                mailbox.offer(change)

    async def _run(self) -> None:
        async with self.uow.bus.subscribe([channel(self.studio_id, self.topic)]) as sub:
            if self.ready.is_set():  # restarted after a failure: what happened meanwhile is unknown
                self.offer(Resync("feed restarted"))
            self.ready.set()
            while True:
                self.offer(await sub.get())


class AssetHub:
    """Custody changes at a set of locations, read once per event for every follower in this process."""

    def __init__(self, uow: UnitOfWork, studio_id: int, location_ids: tuple[int, ...]) -> None:
        self.uow = uow
        self.studio_id = studio_id
        self.location_ids = location_ids
        self.followers: set[Mailbox[AssetChange | Change]] = set()
        self.ready = asyncio.Event()
        self._loop = Supervisor()

    def start(self) -> None:
        self._loop.start(self._run, f"assets-{self.studio_id}")

    async def stop(self) -> None:
        await self._loop.stop()

    def _offer(self, item: AssetChange | Resync) -> None:
        # A gap is one shared `Change`: the followers' snapshot reloads are shared per viewer class.
        shared: AssetChange | Change = Change(item) if isinstance(item, Resync) else item
        for mailbox in list(self.followers):
            mailbox.offer(shared)

    async def _run(self) -> None:
        channels = [channel(self.studio_id, assets_topic(loc)) for loc in self.location_ids]
        async with self.uow.bus.subscribe(channels) as sub:
            if self.ready.is_set():  # restarted after a failure: what happened meanwhile is unknown
                self._offer(Resync("custody feed restarted"))
            self.ready.set()
            while True:
                item = await sub.get()
                if isinstance(item, Resync):
                    self._offer(item)
                    continue
                try:
                    states = await feeds_service.assets_changed(
                        self.uow, self.studio_id, list(self.location_ids), item.payload
                    )
                except Exception:
                    log.exception("loading a custody change failed; followers reload")
                    self._offer(Resync("custody change not loaded"))
                    continue
                if states:
                    self._offer(AssetChange(item.seq, item.at, states))


class TokenWatch:
    """Calls back when a watched token of the studio is revoked (its event, or a re-read after a gap)
    and when a re-read every `recheck_interval` finds it revoked, expired or gone. The re-read is one
    primary-key lookup of the watched ids, and only while this process has sockets to watch."""

    recheck_interval = 1.0

    def __init__(self, uow: UnitOfWork, studio_id: int) -> None:
        self.uow = uow
        self.studio_id = studio_id
        self.callbacks: dict[int, set[Callable[[], None]]] = {}
        self._loop = Supervisor()
        self._ready = asyncio.Event()

    def start(self) -> None:
        self._loop.start(self._run, f"tokens-{self.studio_id}")

    async def ready(self) -> None:
        await self._ready.wait()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.uow.bus.subscribe([channel(self.studio_id, TOKENS)]) as sub:
            self._ready.set()
            # Revoked between authentication and now: the watch was not listening yet.
            await self._recheck()
            due = loop.time() + self.recheck_interval
            while True:
                try:
                    # A deadline, not a timeout per message: a busy topic must not postpone the re-read.
                    item = await asyncio.wait_for(sub.get(), max(0.0, due - loop.time()))
                except TimeoutError:
                    await self._recheck()
                    due = loop.time() + self.recheck_interval
                    continue
                if isinstance(item, Resync):
                    await self._recheck()
                elif isinstance(item, BusMessage) and item.type == "TokenRevoked":
                    self._fire(int(item.payload.get("tokenId", 0)))

    async def _recheck(self) -> None:
        ids = list(self.callbacks)
        if not ids:
            return
        try:
            async with self.uow.read() as session:
                dead = await feeds.unusable_tokens(session, self.studio_id, ids, utcnow())
        except Exception:
            log.exception("re-checking open sockets' tokens failed")
            return
        for token_id in dead:
            self._fire(token_id)

    def _fire(self, token_id: int) -> None:
        for callback in list(self.callbacks.get(token_id, ())):
            callback()


class LiveViews:
    """The hubs of one process (one registry per unit of work, i.e. per running server)."""

    _registries: weakref.WeakKeyDictionary[UnitOfWork, LiveViews] = weakref.WeakKeyDictionary()

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.boards: dict[tuple[int, int], BoardHub] = {}
        self.asset_hubs: dict[tuple[int, tuple[int, ...]], AssetHub] = {}
        self.tokens: dict[int, TokenWatch] = {}
        self.topics: dict[tuple[int, str], TopicHub] = {}
        self.closed = False
        self._resyncs = asyncio.Semaphore(RESYNC_CONCURRENCY)

    @classmethod
    def of(cls, uow: UnitOfWork) -> LiveViews:
        registry = cls._registries.get(uow)
        if registry is None or registry.closed:
            registry = cls._registries[uow] = cls(uow)
        return registry

    def seat(self, studio_id: int, location_id: int, group: Any = None, push: Push | None = None) -> BoardSeat:
        """Watch a location's board (see `BoardHub.join`); the hub lives while anyone in this process
        watches it, so the seat must be released."""
        key = (studio_id, location_id)
        hub = self.boards.get(key)
        if hub is None:
            hub = self.boards[key] = BoardHub(self.uow, studio_id, location_id)
            hub.start()
        hub.watchers += 1
        return BoardSeat(self, hub, hub.join(group, push))

    def shows(self, studio_id: int, location_id: int) -> bool:
        """Whether a board of the location is live here: computed, and the location not gone."""
        hub = self.boards.get((studio_id, location_id))
        return hub is not None and hub.current is not None and not hub.gone

    async def _unseat(self, hub: BoardHub) -> None:
        hub.watchers -= 1
        key = (hub.studio_id, hub.location_id)
        if hub.watchers == 0 and self.boards.get(key) is hub:
            del self.boards[key]
            await hub.stop()

    @asynccontextmanager
    async def assets(self, studio_id: int, location_ids: list[int]) -> AsyncIterator[Mailbox[AssetChange | Change]]:
        """Follow custody changes at the locations; returns once they are being listened to."""
        key = (studio_id, tuple(sorted(location_ids)))
        hub = self.asset_hubs.get(key)
        if hub is None:
            hub = self.asset_hubs[key] = AssetHub(self.uow, studio_id, key[1])
            hub.start()
        mailbox: Mailbox[AssetChange | Change] = Mailbox(gap=Change)
        hub.followers.add(mailbox)
        try:
            await hub.ready.wait()
            yield mailbox
        finally:
            hub.followers.discard(mailbox)
            if not hub.followers and self.asset_hubs.get(key) is hub:
                del self.asset_hubs[key]
                await hub.stop()

    @asynccontextmanager
    async def follow(
        self, studio_id: int, topic: str, wants: Callable[[BusMessage], bool]
    ) -> AsyncIterator[Mailbox[Change]]:
        """Follow a studio topic's events that `wants` accepts (and every gap), as shared `Change`s;
        returns once the topic is being listened to. See `TopicHub`."""
        key = (studio_id, topic)
        hub = self.topics.get(key)
        if hub is None:
            hub = self.topics[key] = TopicHub(self.uow, studio_id, topic)
            hub.start()
        mailbox: Mailbox[Change] = Mailbox(gap=Change)
        hub.followers[mailbox] = wants
        try:
            await hub.ready.wait()
            yield mailbox
        finally:
            hub.followers.pop(mailbox, None)
            if not hub.followers and self.topics.get(key) is hub:
                del self.topics[key]
                await hub.stop()

    async def gated(self, load: Callable[[], Awaitable[T]]) -> T:
        """Run a snapshot reload after a gap, at most `RESYNC_CONCURRENCY` at a time in this process."""
        async with self._resyncs:
            return await load()

    async def watch_token(self, studio_id: int, token_id: int, on_revoked: Callable[[], None]) -> Callable[[], None]:
        """Call `on_revoked` if the token is revoked while watched; returns the function that stops it."""
        watch = self.tokens.get(studio_id)
        if watch is None:
            watch = self.tokens[studio_id] = TokenWatch(self.uow, studio_id)
            watch.start()
        watch.callbacks.setdefault(token_id, set()).add(on_revoked)
        await watch.ready()

        def stop() -> None:
            callbacks = watch.callbacks.get(token_id)
            if callbacks is not None:
                callbacks.discard(on_revoked)
                if not callbacks:
                    del watch.callbacks[token_id]

        return stop

    async def close(self) -> None:
        """Stop every hub (clean shutdown): watchers see their boards end."""
        self.closed = True
        for hub in list(self.boards.values()):
            await hub.stop()
        self.boards.clear()
        for asset_hub in list(self.asset_hubs.values()):
            await asset_hub.stop()
        self.asset_hubs.clear()
        for topic_hub in list(self.topics.values()):
            await topic_hub.stop()
        self.topics.clear()
        for watch in list(self.tokens.values()):
            await watch.stop()
        self.tokens.clear()
