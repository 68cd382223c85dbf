"""The process-wide live views: restarted after an unexpected failure; loads shared per change;
reloads after a gap bounded."""

from __future__ import annotations

import asyncio
from functools import partial
from types import SimpleNamespace

import pytest

from server.background import live
from server.events.types import Resync


async def test_a_failing_live_view_is_restarted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "RETRY_DELAY", 0.01)
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("boom")

    await live.supervised(flaky)
    assert len(runs) == 3


async def test_a_change_loads_once_per_key_for_every_follower_asking() -> None:
    change = live.Change(Resync("gap"))
    loads: list[str] = []

    async def load(name: str) -> str:
        loads.append(name)
        await asyncio.sleep(0.01)
        return name

    results = await asyncio.gather(*(change.once(("k", i % 2), partial(load, f"v{i % 2}")) for i in range(10)))
    assert sorted(loads) == ["v0", "v1"]
    assert results == ["v0", "v1"] * 5


async def test_a_failed_load_reaches_its_waiters_and_the_next_caller_tries_again() -> None:
    change = live.Change(Resync("gap"))
    calls: list[int] = []

    async def flaky() -> int:
        calls.append(1)
        await asyncio.sleep(0.01)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return 7

    failed = await asyncio.gather(*(change.once("k", flaky) for _ in range(3)), return_exceptions=True)
    assert [type(f) for f in failed] == [RuntimeError] * 3 and len(calls) == 1
    assert await change.once("k", flaky) == 7 and len(calls) == 2


async def test_a_follower_leaving_does_not_cancel_the_load_the_others_wait_for() -> None:
    change = live.Change(Resync("gap"))

    async def slow() -> int:
        await asyncio.sleep(0.05)
        return 1

    leaving = asyncio.create_task(change.once("k", slow))
    staying = asyncio.create_task(change.once("k", slow))
    await asyncio.sleep(0.01)
    leaving.cancel()
    assert await staying == 1


async def test_reloads_after_a_gap_run_a_few_at_a_time() -> None:
    views = live.LiveViews(SimpleNamespace())  # type: ignore[arg-type]
    running = peak = 0

    async def reload() -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return 1

    assert await asyncio.gather(*(views.gated(reload) for _ in range(20))) == [1] * 20
    assert peak == live.RESYNC_CONCURRENCY
