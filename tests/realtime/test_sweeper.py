"""The sweeper: its jobs, one leader per deployment, and hold expiry reaching live boards."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlalchemy import text

from db.models import Role
from server.background.sweeper import AdvisoryLock, Always, RedisLock, Sweeper, election_for
from server.runtime import Runtime
from server.services.allocation import holds
from server.services.cage import overdue
from server.services.notifications import reminders
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, WsClient, build_world, next_board, soon, states, wait_for_board


def test_the_jobs_are_expiry_challenges_overdue_and_reminders(runtime: Runtime) -> None:
    names = ["expire_holds", "resolve_challenges", "mark_overdue", "hold_expiring", "gear_due"]
    assert [job.name for job in runtime.jobs] == names
    # Hold expiry and challenges run bound to the allocation service (they promote queued holds).
    assert runtime.jobs[0].run is not holds.expire_holds
    assert [job.run for job in runtime.jobs[2:]] == [overdue.mark_overdue, reminders.hold_expiring, reminders.gear_due]
    assert [job.next_due is not None for job in runtime.jobs] == [True, True, False, True, True]


def test_the_election_fits_the_deployment(runtime: Runtime) -> None:
    election = election_for(runtime, 5.0)
    if runtime.database.is_postgres:
        assert isinstance(election, AdvisoryLock)
    elif runtime.settings.redis_url:
        assert isinstance(election, RedisLock)
    else:
        assert isinstance(election, Always)


async def test_a_lapsed_hold_is_expired_by_the_sweeper_and_the_board_follows(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    gid = await world.book(
        "Studio A", soon(-60), soon(3600), title="Pencilled", status="HOLD", holdExpiresAt=soon(1).isoformat()
    )
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        first = await next_board(ws, "b")
        assert states(first)["Studio A"] == "HELD"
        # At the expiry the board shows the room free without any write...
        lapsed, _ = await wait_for_board(ws, "b", lambda b: states(b)["Studio A"] == "FREE", within=4)
        assert lapsed["seq"] == first["seq"]
        # ...and the sweeper persists it: the booking is EXPIRED and the board moves to its event.
        changed = await Sweeper(studio.runtime.uow, studio.runtime.jobs, Always()).tick()
        assert changed["expire_holds"] >= 1
        after = await next_board(ws, "b", within=3)
        assert int(after["seq"]) > int(first["seq"])
        assert states(after)["Studio A"] == "FREE"
    data = await studio.data("query($id: ID!) { node(id: $id) { ... on Booking { status } } }", {"id": gid})
    assert data["node"] == {"status": "EXPIRED"}


async def test_a_sweeper_that_is_not_elected_does_nothing(studio: StudioFixture) -> None:
    class Never:
        async def acquire(self) -> bool:
            return False

        async def release(self) -> None:
            return None

    idle = Sweeper(studio.runtime.uow, studio.runtime.jobs, Never(), interval=0.01)
    idle.start()
    await asyncio.sleep(0.1)
    await idle.stop()
    assert (idle.ticks, idle.leader) == (0, False)


@pytest.mark.postgres
async def test_one_advisory_lock_holder_and_a_takeover_when_its_connection_dies(runtime: Runtime) -> None:
    first, second = AdvisoryLock(runtime, key=_key()), None
    try:
        second = AdvisoryLock(runtime, key=first.key)
        assert await first.acquire() is True
        assert await first.acquire() is True  # still held
        assert await second.acquire() is False
        # The leader's connection dies (a crashed process): the lock goes with it.
        assert first._conn is not None
        pid = await first._conn.scalar(text("SELECT pg_backend_pid()"))
        async with runtime.database.write_engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # pg_terminate_backend only signals: the lock is freed once that backend has exited, so the
        # standby takes over on one of its next attempts (as the sweeper's loop would), not at once.
        taken = False
        for _ in range(50):
            taken = await second.acquire()
            if taken:
                break
            await asyncio.sleep(0.1)
        assert taken is True
        assert await first.acquire() is False
    finally:
        await first.release()
        if second is not None:
            await second.release()


@pytest.mark.redis
async def test_one_redis_lock_holder_until_it_lets_go() -> None:
    key = f"callsheet:test-sweeper:{uuid.uuid4().hex}"
    url = os.environ["CALLSHEET_TEST_REDIS_URL"]
    first, second = RedisLock(url, ttl=5, key=key), RedisLock(url, ttl=5, key=key)
    try:
        assert await first.acquire() is True
        assert await first.acquire() is True  # renewed
        assert await second.acquire() is False
        await first.release()
        assert await second.acquire() is True
    finally:
        await second.release()


def _key() -> int:
    return uuid.uuid4().int % (1 << 62)
