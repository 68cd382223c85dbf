"""A board's watchers in groups: the leader renders, the rest are pushed its message."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from db.models import Role
from server.background.live import BoardGone, BoardHub, LiveViews, Watcher
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, WsClient, build_world, now


def hub() -> BoardHub:
    return BoardHub(SimpleNamespace(), 1, 1)  # type: ignore[arg-type]


def board() -> Any:
    return SimpleNamespace(memo={})


class Socket:
    """A follower's socket: takes pushed messages unless it is full."""

    def __init__(self, full: bool = False) -> None:
        self.full = full
        self.got: list[str] = []

    def push(self, payload: str, memo: dict[Any, Any]) -> bool:
        if self.full:
            return False
        self.got.append(payload)
        return True


async def woken(h: BoardHub, w: Watcher, within: float = 0.2) -> int | None:
    try:
        version, _ = await asyncio.wait_for(h.next_for(w), within)
    except TimeoutError:
        return None
    return version


async def test_only_the_leader_wakes_and_the_others_are_pushed_its_message() -> None:
    h = hub()
    h._publish(board())
    sockets = [Socket(), Socket(), Socket()]
    watchers = [h.join("same", s.push) for s in sockets]
    # A newcomer delivers the current board itself, whatever its place in the group.
    assert [await woken(h, w) for w in watchers] == [1, 1, 1]

    h._publish(board())
    leader, *rest = watchers
    assert [await woken(h, w) for w in rest] == [None, None]  # followers sleep through it
    assert await woken(h, leader) == 2
    h.fan_out(leader, 2, "rendered", {})
    assert [s.got for s in sockets] == [[], ["rendered"], ["rendered"]]
    assert [w.version for w in watchers] == [2, 2, 2] and h.pushed == 2
    assert [await woken(h, w) for w in rest] == [None, None]


async def test_a_follower_whose_socket_is_full_sends_for_itself() -> None:
    h = hub()
    h._publish(board())
    full = Socket(full=True)
    leader, follower = h.join("same", Socket().push), h.join("same", full.push)
    for w in (leader, follower):
        await woken(h, w)
    h._publish(board())
    waiting = asyncio.create_task(h.next_for(follower))
    await asyncio.sleep(0)
    assert await woken(h, leader) == 2
    h.fan_out(leader, 2, "rendered", {})
    assert (await asyncio.wait_for(waiting, 0.2))[0] == 2
    assert full.got == []


async def test_only_the_leader_fans_out() -> None:
    h = hub()
    h._publish(board())
    sockets = [Socket(), Socket(), Socket()]
    leader, follower, other = (h.join("same", s.push) for s in sockets)
    for w in (leader, follower, other):
        await woken(h, w)
    h._publish(board())
    h.fan_out(follower, 2, "from a follower", {})  # it sent version 2 to itself: nobody else is pushed
    assert [s.got for s in sockets] == [[], [], []] and h.pushed == 0
    h.fan_out(leader, 2, "rendered", {})
    assert [s.got for s in sockets] == [[], ["rendered"], ["rendered"]]


async def test_without_a_rendered_message_every_follower_renders_its_own() -> None:
    h = hub()
    h._publish(board())
    leader, follower = h.join("same", Socket().push), h.join("same", Socket().push)
    for w in (leader, follower):
        await woken(h, w)
    h._publish(board())
    assert await woken(h, leader) == 2
    h.fan_out(leader, 2, None, {})
    assert await woken(h, follower) == 2


async def test_when_the_leader_leaves_the_next_one_takes_over() -> None:
    h = hub()
    h._publish(board())
    leader, heir = h.join("same", Socket().push), h.join("same", Socket().push)
    for w in (leader, heir):
        await woken(h, w)
    h._publish(board())
    waiting = asyncio.create_task(h.next_for(heir))
    await asyncio.sleep(0)
    h.leave(leader)  # left before sending version 2
    assert (await asyncio.wait_for(waiting, 0.2))[0] == 2
    h._publish(board())
    assert await woken(h, heir) == 3  # now woken as the leader


async def test_groups_do_not_share_and_a_watcher_without_a_lane_always_wakes() -> None:
    h = hub()
    h._publish(board())
    a, b, alone = h.join("a", Socket().push), h.join("b", Socket().push), h.join()
    for w in (a, b, alone):
        await woken(h, w)
    h._publish(board())
    assert [await woken(h, w) for w in (a, b, alone)] == [2, 2, 2]


async def test_a_gone_board_reaches_every_watcher() -> None:
    h = hub()
    h._publish(board())
    watchers = [h.join("same", Socket().push) for _ in range(3)]
    for w in watchers:
        await woken(h, w)
    waiting = [asyncio.create_task(h.next_for(w)) for w in watchers]
    await asyncio.sleep(0)
    h._publish(None, gone=True)
    for task in waiting:
        with pytest.raises(BoardGone):
            await asyncio.wait_for(task, 0.2)


async def test_screens_of_one_group_are_pushed_the_same_frames_over_real_sockets(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    location = studio.locations["Main floor"]
    async with AsyncExitStack() as stack:
        screens = [
            await stack.enter_async_context(WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]))
            for _ in range(4)
        ]
        for ws in screens:
            await ws.subscribe("board", BOARD, {"loc": world.location()})
            await ws.next("board")
        hub = LiveViews.of(studio.runtime.uow).boards[(studio.id, location)]
        before = hub.pushed
        await world.book("Studio A", now() - timedelta(minutes=1), now() + timedelta(hours=1), title="Pushed")
        boards = [await ws.next("board") for ws in screens]
        assert hub.pushed - before == 3  # the leader sent its own; the three others were pushed
    assert all(b == boards[0] for b in boards)
    titles = {r["current"]["title"] for r in boards[0]["roomBoard"]["rooms"] if r["current"]}
    assert titles == {"Pushed"}
