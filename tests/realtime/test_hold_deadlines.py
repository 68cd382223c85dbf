"""The sweeper wakes at the next deadline, not only on its period: a challenge's `respondBy` or a
hold's expiry is acted on within 2 s, by one leader among several instances (PostgreSQL: advisory
lock; SQLite with Redis: the Redis lock; SQLite alone: the one process)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from db.types import utcnow
from server.background.sweeper import AdvisoryLock, Always, Election, RedisLock, Sweeper, SweepJob
from server.runtime import Runtime
from server.services.uow import Tx
from tests.alloc_support import at, build
from tests.conftest import StudioFixture
from tests.graphql.holds_support import CHALLENGE, booking_id, holders_of, node, pk, queue_hold

PERIOD = 30.0  # far longer than any deadline below: only `next_due` can explain a timely sweep


async def test_the_leader_sleeps_until_the_earliest_next_due(runtime: Runtime) -> None:
    ran: list[datetime] = []
    due = utcnow() + timedelta(milliseconds=600)

    async def run(_tx: Tx, now: datetime) -> list[Any]:
        ran.append(now)
        return []

    async def next_due(_session: AsyncSession, _now: datetime) -> datetime | None:
        return due if due > utcnow() else None

    sweeper = Sweeper(runtime.uow, [SweepJob("probe", run, 10, next_due=next_due)], Always(), interval=PERIOD)
    sweeper.start()
    try:
        for _ in range(60):
            if len(ran) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await sweeper.stop()
    assert len(ran) == 2
    assert due <= ran[1] < due + timedelta(seconds=1)


async def test_a_deadline_no_sweep_can_clear_does_not_make_the_leader_spin(runtime: Runtime) -> None:
    ran: list[datetime] = []
    stuck = utcnow() - timedelta(minutes=5)

    async def run(_tx: Tx, now: datetime) -> list[Any]:
        ran.append(now)
        return []

    async def next_due(_session: AsyncSession, _now: datetime) -> datetime | None:
        return stuck  # always "due": a job that cannot act on it must not be run again and again

    sweeper = Sweeper(runtime.uow, [SweepJob("stuck", run, 10, next_due=next_due)], Always(), interval=PERIOD)
    sweeper.start()
    try:
        await asyncio.sleep(1.5)
    finally:
        await sweeper.stop()
    assert len(ran) == 1


def _elections(runtime: Runtime) -> list[Election]:
    """Two candidates where the deployment elects one, else the embedded single process."""
    if runtime.database.is_postgres:
        key = uuid.uuid4().int % (1 << 62)
        return [AdvisoryLock(runtime, key=key), AdvisoryLock(runtime, key=key)]
    url = os.environ.get("CALLSHEET_TEST_REDIS_URL")
    if url:
        key = f"callsheet:test-deadlines:{uuid.uuid4().hex}"
        return [RedisLock(url, ttl=PERIOD * 3, key=key), RedisLock(url, ttl=PERIOD * 3, key=key)]
    return [Always()]


async def _started(studio: StudioFixture) -> list[Sweeper]:
    sweepers = [
        Sweeper(studio.runtime.uow, studio.runtime.jobs, e, interval=PERIOD) for e in _elections(studio.runtime)
    ]
    for s in sweepers:
        s.start()
    for _ in range(100):
        if any(s.leader for s in sweepers):
            break
        await asyncio.sleep(0.02)
    assert [s.leader for s in sweepers].count(True) == 1
    return sweepers


async def _until(check: Any, within: float) -> float:
    """Seconds until `check()` holds (fails after `within`)."""
    start = utcnow()
    while (utcnow() - start).total_seconds() < within:
        if await check():
            return (utcnow() - start).total_seconds()
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


async def test_a_passed_challenge_and_a_lapsed_hold_are_acted_on_within_two_seconds(studio: StudioFixture) -> None:
    cat = await build(studio)
    sweepers = await _started(studio)
    try:
        holder = booking_id(
            await queue_hold(
                cat,
                project=cat.other_project,
                title="Holder",
                holdExpiresAt=(utcnow() + timedelta(days=1)).isoformat(),
            )
        )
        waiting = booking_id(await queue_hold(cat, title="Challenger"))
        respond_by = utcnow() + timedelta(seconds=1)
        body = await studio.data(CHALLENGE, {"input": {"bookingId": waiting, "respondBy": respond_by.isoformat()}})
        assert body["challengeHold"]["__typename"] == "HoldChallenged"

        async def released() -> bool:
            return (await node(studio, holder))["status"] == "EXPIRED"

        await _until(released, within=5)
        assert utcnow() - respond_by < timedelta(seconds=2)
        assert await holders_of(studio, cat.ids["Studio A"]) == [pk(waiting)]
        async with studio.runtime.uow.read() as session:
            audits = list(
                await session.scalars(
                    select(Event.type).where(Event.topic == "audit", Event.entity == f"Booking:{pk(holder)}")
                )
            )
        assert audits.count("holdExpired") == 1

        # A hold's own expiry wakes the leader too.
        lapses = utcnow() + timedelta(seconds=1)
        pencil = booking_id(
            await queue_hold(cat, room="Booth", window=(at(2, 10), at(2, 12)), holdExpiresAt=lapses.isoformat())
        )

        async def lapsed() -> bool:
            return (await node(studio, pencil))["status"] == "EXPIRED"

        await _until(lapsed, within=5)
        assert utcnow() - lapses < timedelta(seconds=2)
        assert [s.leader for s in sweepers].count(True) == 1
    finally:
        for s in sweepers:
            await s.stop()
