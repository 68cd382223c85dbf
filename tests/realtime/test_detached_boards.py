"""Board followers go on without a task of their own (`FastLane.detach`): what a client sees stays
the protocol's, over real sockets (one leader renders, the others are pushed its frames)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from db.models import Role
from server.background.live import BoardHub, LiveViews
from server.telemetry import metrics
from server.websocket import Connections, FastLane
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, World, WsClient, build_world, current, next_board, now
from tests.realtime.test_shared_feeds import counting


def handlers_of(op_id: str) -> list[Any]:
    """The server's connections with an operation of this id (ids are unique to each test)."""
    return [h for h in Connections.of_loop().handlers if op_id in h.operations]


def running(op_id: str) -> int:
    """How many of those operations have a task still running."""
    return sum(1 for h in handlers_of(op_id) if not h.operations[op_id].task.done())


def detached(op_id: str) -> int:
    return sum(1 for h in handlers_of(op_id) if h._lanes.get(op_id) is not None and h._lanes[op_id].detached)


def board_hub(studio: StudioFixture) -> BoardHub:
    return LiveViews.of(studio.runtime.uow).boards[(studio.id, studio.locations["Main floor"])]


def active() -> float:
    return metrics.SUBSCRIPTIONS.labels("roomBoard")._value.get()  # type: ignore[attr-defined,no-any-return]


def counted() -> float:
    return metrics.OPERATIONS.labels("roomBoard", "subscription", "success")._value.get()  # type: ignore[attr-defined,no-any-return]


async def book(world: World, title: str, hours: int) -> None:
    start = now() + timedelta(hours=hours)
    await world.book("Studio A", start - timedelta(minutes=1), start + timedelta(minutes=30), title=title)


async def settled(check: Any, within: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "never settled"
        await asyncio.sleep(0.02)


async def screens(stack: AsyncExitStack, studio: StudioFixture, address: str, count: int) -> list[WsClient]:
    return [
        await stack.enter_async_context(WsClient.connect(address, token=studio.tokens[Role.DISPLAY]))
        for _ in range(count)
    ]


async def watch(world: World, op: str, clients: list[WsClient], followers: int) -> None:
    """Subscribe every client to the board under `op`, read its first board, and wait until the
    given number of them (all but the group's leader) have detached."""
    for ws in clients:
        await ws.subscribe(op, BOARD, {"loc": world.location()})
        await next_board(ws, op)
    await settled(lambda: detached(op) == followers)


async def test_followers_detach_and_are_still_sent_every_board(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    op = "detach-every-board"
    gauge, operations = active(), counted()
    async with AsyncExitStack() as stack:
        clients = await screens(stack, studio, live_server, 4)
        await watch(world, op, clients, 3)
        assert running(op) == 1  # the leader alone keeps a task and a GraphQL operation
        assert active() - gauge == 4  # detached subscriptions are still active ones
        assert counted() - operations == 3  # each follower's operation was counted as it detached
        before = board_hub(studio).pushed
        await book(world, "Pushed", 0)
        boards = [await next_board(ws, op) for ws in clients]
        assert {current(b)["Studio A"] for b in boards} == {"Pushed"}
        assert all(b == boards[0] for b in boards)
        assert board_hub(studio).pushed - before == 3
        assert running(op) == 1 and detached(op) == 3
    await settled(lambda: active() == gauge)
    assert counted() - operations == 4  # and the leader's once it ended: one count per subscription
    assert (studio.id, studio.locations["Main floor"]) not in LiveViews.of(studio.runtime.uow).boards


async def test_when_the_leader_leaves_a_detached_follower_takes_over(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    op = "detach-heir"
    operations = counted()
    async with AsyncExitStack() as stack:
        (leader,) = await screens(stack, studio, live_server, 1)
        await watch(world, op, [leader], 0)
        rest = await screens(stack, studio, live_server, 3)
        await watch(world, op, rest, 3)
        await leader.conn.close()
        await settled(lambda: running(op) == 1)  # the first follower resumed: it renders now
        assert detached(op) == 2
        await book(world, "Taken over", 0)
        boards = [await next_board(ws, op) for ws in rest]
        assert {current(b)["Studio A"] for b in boards} == {"Taken over"}
        assert running(op) == 1 and detached(op) == 2
        for ws in rest:  # nothing else was sent: the resumed follower did not repeat the board it had
            assert ws.held == []
    assert counted() - operations == 4  # a resumed operation is not counted again


async def test_a_detached_subscription_completes_and_its_id_is_free_again(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    op = "detach-complete"
    gauge = active()
    async with AsyncExitStack() as stack:
        leader, follower = await screens(stack, studio, live_server, 2)
        await watch(world, op, [leader, follower], 1)
        hub = board_hub(studio)
        watchers = hub.watchers
        await follower.send({"id": op, "type": "complete"})
        await settled(lambda: hub.watchers == watchers - 1)
        assert active() - gauge == 1 and detached(op) == 0
        await book(world, "After complete", 0)
        assert current(await next_board(leader, op))["Studio A"] == "After complete"
        try:
            message = await follower.recv(within=0.5)
        except TimeoutError:
            message = None
        assert message is None  # completed: nothing more for that id
        await follower.subscribe(op, BOARD, {"loc": world.location()})  # the id may be used again
        assert current(await next_board(follower, op))["Studio A"] == "After complete"


async def test_a_detached_ids_reuse_is_refused_as_for_any_running_operation(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    op = "detach-reuse"
    async with AsyncExitStack() as stack:
        leader, follower = await screens(stack, studio, live_server, 2)
        await watch(world, op, [leader, follower], 1)
        await follower.subscribe(op, BOARD, {"loc": world.location()})
        assert await follower.closed() == (4409, f"Subscriber for {op} already exists")


async def test_a_gone_board_reaches_detached_followers_as_an_error(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    op = "detach-gone"
    async with AsyncExitStack() as stack:
        clients = await screens(stack, studio, live_server, 3)
        await watch(world, op, clients, 2)
        board_hub(studio)._publish(None, gone=True)
        for ws in clients:
            message = await ws.recv()
            assert message["id"] == op and message["type"] == "next"
            assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["NOT_FOUND"]
            assert await ws.recv() == {"id": op, "type": "complete"}
        await settled(lambda: not handlers_of(op))


async def test_a_detached_lane_sends_the_newest_message_when_its_socket_is_busy() -> None:
    sent: list[str] = []

    async def send_text(text: str) -> None:
        await asyncio.sleep(0.01)
        sent.append(text)

    handler = SimpleNamespace(direct=None, send_text=send_text)
    operation = SimpleNamespace(id="1", query="q", variables=None, operation_name=None, completed=False)
    lane = FastLane(handler, operation)  # type: ignore[arg-type]
    lane.detached = True
    memo: dict[Any, Any] = {}
    assert lane.push('"a"', memo) and lane.push('"b"', memo)  # taken: queued, the older replaced
    await asyncio.sleep(0.05)
    assert lane.push('"c"', memo)
    await asyncio.sleep(0.05)
    assert sent == ['{"id": "1", "type": "next", "payload": "b"}', '{"id": "1", "type": "next", "payload": "c"}']
    assert lane.sender is None
    await lane.close()
    assert lane.push('"d"', memo) and lane.sender is None  # closed: dropped


async def test_a_screen_joining_a_live_board_reads_nothing_to_be_let_in(
    studio: StudioFixture, other_studio: StudioFixture, live_server: str
) -> None:
    """The live board proves its location is the studio's: a thousand screens reconnecting do not
    read it a thousand times. Another studio's caller has no such board, and is refused as before."""
    world = await build_world(studio)
    op = "detach-no-read"
    async with AsyncExitStack() as stack:
        first, second = await screens(stack, studio, live_server, 2)
        await watch(world, op, [first], 0)
        with counting(studio) as statements:
            await watch(world, op, [second], 1)
        assert [s for s in statements if "FROM locations" in s] == []
        assert statements == []  # the board itself is shared too
        stranger = await stack.enter_async_context(
            WsClient.connect(live_server, token=other_studio.tokens[Role.COORDINATOR])
        )
        await stranger.subscribe(op, BOARD, {"loc": world.location()})
        refused = await stranger.recv()
        assert (refused["type"], refused["payload"][0]["extensions"]["code"]) == ("error", "NOT_FOUND")
