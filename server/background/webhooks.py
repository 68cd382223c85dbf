"""The webhook dispatcher: sends the outbox's deliveries from one elected process per deployment.

`callsheet serve` runs it in a process of its own (`callsheet dispatch`, started and stopped with
the server, and killed with it), so sending competes with requests for neither the event loop nor
the interpreter; an app started any other way runs it on its own event loop. Either way it stands
in an election like the sweeper's (the same backends, a lock of its own): one dispatcher sends per
deployment, however many processes serve.

It has its own loop rather than the sweeper's 5-second tick: a delivery goes out as soon as the
transaction that wrote it commits in this process (the outbox wakes the loop), or within `poll`
seconds when another process wrote it. Each pass reads the queues of all the webhooks not being sent
to (one read, and on PostgreSQL one wait for the writers in flight, whatever the number of webhooks),
then each webhook's deliveries go from a task of its own, in seq order, so a receiver that hangs (up
to the timeout) or fails delays only its own queue, never another webhook's or the API. Sending
starts and stops with the leadership; a leader that dies mid-delivery leaves the row PENDING and the
next leader sends it again (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from db.repositories.webhooks import Destination, Queued
from server.background.sweeper import Election, election_for
from server.services.own_task import OwnTask
from server.services.webhooks.dispatch import Sender, Settler
from server.services.webhooks.transport import Connections

if TYPE_CHECKING:
    from server.runtime import Runtime

log = logging.getLogger(__name__)

POLL = 0.5
MAX_PARALLEL = 64
# Pending deliveries of one webhook read at once (each is still settled before the next goes).
BATCH = 50
# Commits wake the loop; passes over the queue heads are at most this often, not one per commit.
MIN_GAP = 0.1
# In a process of its own no commit wakes the loop: it looks at the queues this often instead.
PROCESS_POLL = 0.2
# The dispatcher's election: like the sweeper's, with a lock of its own.
ELECTION_INTERVAL = 5.0
LOCK_KEY = 0x63616C6C686F6F6B  # "callhook"
REDIS_LOCK = "callsheet:webhooks"


class Dispatcher:
    def __init__(
        self, runtime: Runtime, is_leader: Callable[[], bool], *, poll: float = POLL, max_parallel: int = MAX_PARALLEL
    ) -> None:
        self.runtime = runtime
        self.is_leader = is_leader
        self.poll = poll
        self.max_parallel = max_parallel
        self.slots = asyncio.Semaphore(max_parallel)
        self._busy: dict[int, asyncio.Task[None]] = {}
        # Set by the outbox after a commit in this process, or by a sender that emptied a full batch.
        self._more = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connections: Connections | None = None
        self.sender: Sender | None = None
        self.settler: Settler | None = None

    def start(self) -> None:
        if self._task is not None:
            return
        settings = self.runtime.settings
        self._connections = Connections(timeout=settings.webhook_timeout_seconds)
        self.sender = Sender(
            self.runtime.webhooks,
            self._connections,
            retry_seconds=settings.webhook_retry_seconds,
            timeout=settings.webhook_timeout_seconds,
        )
        self.settler = Settler(self.sender)
        self.settler.start()
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        tasks = [t for t in (task, *self._busy.values()) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._busy.clear()
        if self.settler is not None:
            await self.settler.stop()
            self.settler = None
        if self.sender is not None:
            await self.sender.close()
        if self._connections is not None:
            await self._connections.close()
            self._connections = None

    async def _run(self) -> None:
        waker = self.runtime.webhook_outbox.subscribe()
        self._more = waker
        try:
            while True:
                waker.clear()
                if self.is_leader():
                    try:
                        await self.dispatch_due()
                    except Exception:
                        log.exception("webhook dispatch pass failed")
                await asyncio.sleep(MIN_GAP)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waker.wait(), self.poll)
        finally:
            self.runtime.webhook_outbox.unsubscribe(waker)

    async def dispatch_due(self) -> int:
        """Read the queues of every webhook not being sent to already (one read for all of them) and
        start sending each one's due deliveries in a task of its own; how many were started."""
        assert self.sender is not None
        ready = await self.sender.ready(set(self._busy), BATCH)
        for webhook, queue in ready:
            self._busy[webhook.id] = asyncio.create_task(self._send(webhook, queue), name=f"webhook-{webhook.id}")
        return len(ready)

    async def _send(self, webhook: Destination, queue: list[Queued]) -> None:
        assert self.sender is not None and self.settler is not None
        try:
            async with self.slots:
                sent = self.is_leader() and await self.sender.send(webhook, queue, self.settler.settle)
            if sent and len(queue) == BATCH:
                self._more.set()  # a full batch went: there may be more, read again soon
        except Exception:
            log.exception("delivering to webhook %s failed", webhook.id)
        finally:
            self._busy.pop(webhook.id, None)


class Standing:
    """This process's candidacy for one election, renewed every `interval`; `leader` says the result."""

    def __init__(self, election: Election, interval: float = ELECTION_INTERVAL) -> None:
        self.election = election
        self.interval = interval
        self.leader = False
        self._task = OwnTask()

    def start(self) -> None:
        self._task.start(self._run, "webhook-election")

    async def stop(self) -> None:
        await self._task.stop()
        self.leader = False
        with contextlib.suppress(Exception):
            await self.election.release()

    async def _run(self) -> None:
        while True:
            try:
                leader = await self.election.acquire()
            except Exception as exc:
                log.warning("webhook dispatcher election failed (%s); trying again", exc)
                leader = False
            if leader != self.leader:
                log.info("this process %s the webhook dispatcher", "is now" if leader else "is no longer")
                self.leader = leader
            await asyncio.sleep(self.interval)


class Dispatching:
    """A dispatcher that sends while this process holds the dispatcher's election."""

    def __init__(self, runtime: Runtime, *, poll: float = POLL) -> None:
        election = election_for(runtime, ELECTION_INTERVAL, key=LOCK_KEY, redis_key=REDIS_LOCK)
        self.standing = Standing(election)
        standing = self.standing
        self.dispatcher = Dispatcher(runtime, is_leader=lambda: standing.leader, poll=poll)

    def start(self) -> None:
        self.standing.start()
        self.dispatcher.start()

    async def stop(self) -> None:
        await self.dispatcher.stop()
        await self.standing.stop()
