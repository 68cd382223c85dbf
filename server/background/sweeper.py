"""The background sweeper: persists the transitions that time alone causes.

The elected process runs each job it was given (the composition root's plain list: hold expiry,
challenges, overdue marking) in its own write transaction, at the latest every `interval` seconds
and earlier when a job's `next_due` says something falls due sooner (a challenge's deadline, a
hold's expiry): the leader sleeps until the earliest of them, looking again every `POLL` seconds
so a deadline set on another instance is seen in time. Each job records events like any other
change, so boards and feeds follow.

One sweeper runs per deployment:
- PostgreSQL: the process holding a session-level advisory lock on a dedicated connection; if
  that connection dies, the lock goes with it and another process takes over within an interval.
- SQLite with Redis (several workers on one file): a Redis lock with a TTL, renewed every tick.
- SQLite alone (the embedded mode): the one process runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from db.repositories import locks
from db.types import utcnow
from server.services.own_task import OwnTask
from server.services.uow import Tx, UnitOfWork
from server.telemetry import metrics

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from server.runtime import Runtime

log = logging.getLogger(__name__)

INTERVAL = 5.0
LOCK_KEY = 0x63616C6C73776570  # "callswep": one key per deployment (per database)
REDIS_LOCK = "callsheet:sweeper"
# A job returns what it changed; a full batch means there may be more, so it runs again at once.
BATCH_REPEAT = 20
# How often the leader looks for a new earliest deadline while it waits (one indexed MIN per job).
POLL = 0.5

Job = Callable[[Tx, datetime], Awaitable[list[Any]]]
NextDue = Callable[["AsyncSession", datetime], Awaitable[datetime | None]]


@dataclass(frozen=True)
class SweepJob:
    """One transition that time alone causes: its name, its function and the batch it works in, and,
    if it knows, when it next has work (`next_due(session, now)`: a moment, possibly already past, or
    None for nothing pending)."""

    name: str
    run: Job
    batch: int
    next_due: NextDue | None = None


class Election(Protocol):
    async def acquire(self) -> bool: ...

    async def release(self) -> None: ...


class Always:
    """The embedded mode: the only process is the leader."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLock:
    """PostgreSQL: leader while holding the advisory lock on a connection kept for it."""

    def __init__(self, runtime: Runtime, key: int = LOCK_KEY) -> None:
        self.engine = runtime.database.write_engine
        self.key = key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:
                if await locks.alive(self._conn):
                    return True
            except Exception:
                log.warning("the sweeper's lock connection died; standing for election again")
            await self._drop()
        conn = await self.engine.connect()
        try:
            held = await locks.try_advisory_lock(conn, self.key)
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await locks.advisory_unlock(self._conn, self.key)
                await self._conn.commit()
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


class RedisLock:
    """Several processes on one SQLite file: leader while holding a Redis key with a TTL."""

    RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )
    DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, url: str, ttl: float, key: str = REDIS_LOCK) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.key = key
        self.token = uuid.uuid4().hex
        self.ttl_ms = int(ttl * 1000)

    async def acquire(self) -> bool:
        if await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return True
        return bool(await self.redis.eval(self.RENEW, 1, self.key, self.token, self.ttl_ms))  # type: ignore[misc]

    async def release(self) -> None:
        with contextlib.suppress(Exception):
            await self.redis.eval(self.DELETE, 1, self.key, self.token)  # type: ignore[misc]
        with contextlib.suppress(Exception):
            await self.redis.aclose()


def election_for(runtime: Runtime, interval: float, key: int = LOCK_KEY, redis_key: str = REDIS_LOCK) -> Election:
    """The election of one role (the sweeper's by default) on this deployment's backends."""
    if runtime.database.is_postgres:
        return AdvisoryLock(runtime, key)
    if runtime.settings.redis_url:
        return RedisLock(runtime.settings.redis_url, ttl=interval * 3, key=redis_key)
    return Always()


class Sweeper:
    """Runs the jobs every `interval` while this process is the elected one."""

    def __init__(self, uow: UnitOfWork, jobs: list[SweepJob], election: Election, interval: float = INTERVAL) -> None:
        self.uow = uow
        self.jobs = list(jobs)
        self.election = election
        self.interval = interval
        self.leader = False
        self.ticks = 0
        self._task = OwnTask()

    @classmethod
    def for_runtime(cls, runtime: Runtime, interval: float = INTERVAL) -> Sweeper:
        return cls(runtime.uow, runtime.jobs, election_for(runtime, interval), interval)

    def start(self) -> None:
        self._task.start(self._run, "sweeper")

    async def stop(self) -> None:
        await self._task.stop()
        with contextlib.suppress(Exception):
            await self.election.release()
        self.leader = False

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                leader = await self.election.acquire()
            except Exception as exc:
                log.warning("sweeper election failed (%s); trying again", exc)
                leader = False
            if leader != self.leader:
                log.info("this process %s the sweeper", "is now" if leader else "is no longer")
                self.leader = leader
            if leader:
                due = loop.time()
                started = utcnow()
                await self.tick()
                metrics.SWEEPER_LAST_RUN.set_to_current_time()
                await self._sleep_until_due(started)
            else:
                due = None
                await asyncio.sleep(self.interval)
            if due is not None:
                # How much later than planned the next sweep starts (a busy loop or a slow sweep).
                metrics.SWEEPER_LAG.set(max(0.0, loop.time() - due - self.interval))

    async def next_due(self, after: datetime | None = None) -> datetime | None:
        """The earliest moment a job says it next has work (None: none says); moments not later than
        `after` (the start of the last sweep, which did not clear them) are not counted again, so a
        deadline a job cannot act on never makes the leader spin."""
        probes = [j.next_due for j in self.jobs if j.next_due is not None]
        if not probes:
            return None
        found: list[datetime] = []
        try:
            async with self.uow.read() as session:
                now = utcnow()
                for probe in probes:
                    at = await probe(session, now)
                    if at is not None and (after is None or at > after):
                        found.append(at)
        except Exception:
            log.exception("reading the sweeper's next deadline failed")
            return None
        return min(found, default=None)

    async def _sleep_until_due(self, swept_at: datetime) -> None:
        """Sleep until the period is over or the earliest deadline seen meanwhile has come."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.interval
        target: datetime | None = None
        while True:
            due = await self.next_due(after=swept_at)
            if due is not None and (target is None or due < target):
                target = due
            left = until - loop.time()
            if target is not None:
                left = min(left, (target - utcnow()).total_seconds())
            if left <= 0:
                return
            await asyncio.sleep(min(left, POLL))

    async def tick(self, now: datetime | None = None) -> dict[str, int]:
        """Run every job once (repeating a job while it fills its batch); returns changes per job."""
        changed: dict[str, int] = {}
        for job in self.jobs:
            total = 0
            for _ in range(BATCH_REPEAT):
                moment = now or utcnow()
                try:
                    done = await self.uow.run(_bind(job.run, moment), studio_id=None, actor="sweeper")
                except Exception:
                    log.exception("sweeper job %s failed", job.name)
                    metrics.SWEEPER_RUNS.labels(job.name, "failed").inc()
                    break
                metrics.SWEEPER_RUNS.labels(job.name, "done").inc()
                metrics.SWEEPER_CHANGES.labels(job.name).inc(len(done))
                total += len(done)
                if not done or len(done) < job.batch:
                    break
            changed[job.name] = total
        self.ticks += 1
        return changed


def _bind(job: Job, moment: datetime) -> Callable[[Tx], Awaitable[list[Any]]]:
    async def work(tx: Tx) -> list[Any]:
        return await job(tx, moment)

    return work
