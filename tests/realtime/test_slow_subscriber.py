"""A subscriber that stops reading costs the server a bounded amount of memory: its board skips to
the newest version and its event feed overflows into a resync, while everyone else is served."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn

from db.models import Role
from db.types import utcnow
from server.background.live import LiveViews
from server.events.bus import QUEUE_LIMIT
from server.events.types import BusMessage, assets_topic
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, WsClient, build_world, next_board, soon

ASSETS = """
subscription($loc: ID) {
  assetStatusChanged(locationId: $loc) { seq snapshot custody at asset { id name code model category kind } }
}
"""


async def test_a_subscriber_that_never_reads_is_bounded_and_resynced(
    studio: StudioFixture, live_uvicorn: tuple[uvicorn.Server, str]
) -> None:
    server, address = live_uvicorn
    world = await build_world(studio)
    created = await studio.data(
        """mutation($loc: ID!, $model: String) { createResource(input: {kind: EQUIPMENT, name: "Camera A",
           code: "CAM-A", locationId: $loc, model: $model}) { ... on ResourceCreated { resource { id } } } }""",
        {"loc": to_global_id("Location", studio.locations["Cage"]), "model": "Cine"},
    )
    camera = int(_pk(created["createResource"]["resource"]["id"]))
    cage = studio.locations["Cage"]

    # A client whose receive window is tiny and which reads nothing once subscribed.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = address.split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    async with (
        WsClient.connect(
            address, token=studio.tokens[Role.ADMIN], sock=sock, max_queue=1, close_timeout=0.5
        ) as stalled,
        WsClient.connect(address, token=studio.tokens[Role.DISPLAY]) as healthy,
    ):
        await stalled.subscribe("assets", ASSETS, {"loc": None})
        first = await stalled.recv()
        assert first["payload"]["data"]["assetStatusChanged"]["snapshot"] is True
        await stalled.subscribe("board", BOARD, {"loc": world.location()})
        await next_board(stalled, "board")
        await healthy.subscribe("board", BOARD, {"loc": world.location()})
        await next_board(healthy, "board")
        # From here on the stalled client reads nothing; a small send buffer on the server's side of
        # its socket makes the stall reach the application at once instead of after megabytes.
        local_port = sock.getsockname()[1]
        conns: list[Any] = [c for c in server.server_state.connections if getattr(c, "client", None)]
        (conn,) = [c for c in conns if c.client[1] == local_port]
        conn.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

        # Custody events at a pace the feed keeps up with, until the socket refuses more; then a
        # burst that overflows the feed's mailbox.
        bus = studio.runtime.bus
        channel_events = 0

        async def publish(n: int) -> None:
            nonlocal channel_events
            for _ in range(n):
                payload: dict[str, Any] = {"resourceId": camera}
                channel_events += 1
                message = BusMessage(10**12 + channel_events, studio.id, assets_topic(cage), "Noise", payload, utcnow())
                await bus.publish([message])

        async with asyncio.timeout(30):
            while conn.writable.is_set():
                await publish(5)
                await asyncio.sleep(0.005)
        for _ in range(2 * QUEUE_LIMIT + 10):  # slow enough for the hub, too many for the stalled follower
            await publish(1)
            await asyncio.sleep(0.003)
        # Meanwhile the healthy display still gets its board at once.
        await world.book("Studio A", soon(3600), soon(7200), title="Still live")
        board = await next_board(healthy, "board", within=3)
        assert board["rooms"][0]["next"] == {"title": "Still live"}

        # The stalled follower's mailbox never holds more than its limit, and it did overflow.
        (hub,) = LiveViews.of(studio.runtime.uow).asset_hubs.values()
        (mailbox,) = hub.followers
        assert mailbox.pending() <= QUEUE_LIMIT
        assert mailbox.overflows >= 1
        # One bus subscription for the location's feed in this process, however many follow it.
        subs = bus.fanout._subscribers.get(f"studio:{studio.id}:{assets_topic(cage)}", ())  # type: ignore[attr-defined]
        assert len(subs) == 1
        # What waits in the server's socket buffers for it is bounded too.
        assert conn.transport.get_write_buffer_size() < 256 * 1024
        assert not conn.writable.is_set()  # the server is waiting for the client, not buffering for it

        # Once it reads again it gets a fresh snapshot and the newest board, not the whole backlog.
        seen: list[dict[str, Any]] = []
        resynced = latest_board = False
        async with asyncio.timeout(20):
            while not (resynced and latest_board):
                message = await stalled.recv(within=10)
                seen.append(message)
                data = message.get("payload", {}).get("data") or {}
                if (event := data.get("assetStatusChanged")) and event["snapshot"]:
                    resynced = True
                if (shown := data.get("roomBoard")) and shown["rooms"][0]["next"] == {"title": "Still live"}:
                    latest_board = True
        assert len(seen) < channel_events
        assert sum(1 for m in seen if m.get("id") == "board") <= 3


def _pk(gid: str) -> int:
    from server.schema.ids import parse_global_id

    parsed = parse_global_id(gid)
    assert parsed is not None
    return parsed[1]
