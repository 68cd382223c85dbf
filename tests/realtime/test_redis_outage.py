"""Redis goes away while subscribers are connected: HTTP keeps working, subscribers get a fresh
snapshot when it returns, and nothing written after the return is missed.

A TCP proxy in front of the test Redis stands in for a Redis restart: cutting it drops every
connection of the server under test (and refuses new ones) without disturbing anyone else who
shares that Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from db.models import Role
from server.app import create_app
from server.config import Settings
from server.runtime import Runtime
from tests.conftest import StudioFixture
from tests.realtime.conftest import serve
from tests.realtime.support import (
    BOARD,
    CREATE_BOOKING,
    WsClient,
    build_world,
    current,
    next_board,
    now,
    wait_for_board,
)

pytestmark = pytest.mark.redis


class Proxy:
    """Forwards TCP to Redis until cut; while cut, refuses connections."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.down = False
        self.pairs: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.pairs |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self.pairs.discard(writer)
            writer.close()

    def cut(self) -> None:
        self.down = True
        for writer in list(self.pairs):
            writer.transport.abort()
        self.pairs.clear()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()


@pytest.fixture
async def behind_proxy(settings: Settings) -> AsyncIterator[tuple[Proxy, Runtime, str]]:
    """A second server on the same database whose Redis is reached through the proxy."""
    url = urlsplit(os.environ["CALLSHEET_TEST_REDIS_URL"])
    proxy = Proxy(url.hostname or "127.0.0.1", url.port or 6379)
    port = await proxy.start()
    own = settings.with_overrides(redis_url=f"redis://127.0.0.1:{port}{url.path or '/0'}")
    runtime = await Runtime.open(own)
    server, task, address = await serve(create_app(own, runtime))
    try:
        yield proxy, runtime, address
    finally:
        server.should_exit = True
        await task
        await runtime.close()
        await proxy.close()


async def _until(predicate: Any, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        if await predicate():
            return
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_subscribers_resync_after_redis_returns_and_miss_nothing_after_it(
    studio: StudioFixture, behind_proxy: tuple[Proxy, Runtime, str]
) -> None:
    proxy, runtime, address = behind_proxy
    world = await build_world(studio)
    async with (
        WsClient.connect(address, token=studio.tokens[Role.DISPLAY]) as ws,
        WsClient.connect(address, token=studio.tokens[Role.DISPLAY]) as follower,  # pushed, without a task
        httpx.AsyncClient(base_url=f"http://{address}") as http,
    ):
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        first = await next_board(ws, "b")
        assert current(first) == {"Studio A": None, "Studio B": None}
        await follower.subscribe("b", BOARD, {"loc": world.location()})
        assert await next_board(follower, "b") == first

        proxy.cut()
        await _until(lambda: _not(runtime.bus.healthy()))
        # The server keeps answering HTTP: reads, writes (their events cannot be published) and a
        # health check that reports the bus as down.
        health = await http.get("/healthz")
        assert health.status_code == 503 and health.json()["bus"] == {"ok": False, "kind": "redis"}
        start, end = now() - timedelta(minutes=1), now() + timedelta(hours=1)
        body = await _book(http, studio, world, "Studio A", start, end, "During the outage")
        assert body["data"]["createBooking"]["__typename"] == "BookingCreated", body

        proxy.restore()
        # The fresh snapshot after the return shows what was written while Redis was away.
        board, _ = await wait_for_board(ws, "b", lambda b: current(b)["Studio A"] == "During the outage", within=15)
        assert int(board["seq"]) > int(first["seq"])
        await wait_for_board(follower, "b", lambda b: b == board, within=3)
        await _until(runtime.bus.healthy)
        assert (await http.get("/healthz")).status_code == 200

        # Written after the return through another instance (the session app): delivered live.
        await world.book("Studio B", start, end, title="After the return")
        board, _ = await wait_for_board(ws, "b", lambda b: current(b)["Studio B"] == "After the return", within=3)
        assert current(board) == {"Studio A": "During the outage", "Studio B": "After the return"}
        await wait_for_board(follower, "b", lambda b: b == board, within=3)


async def _not(awaitable: Any) -> bool:
    return not await awaitable


async def _book(
    http: httpx.AsyncClient, studio: StudioFixture, world: Any, room: str, start: Any, end: Any, title: str
) -> dict[str, Any]:
    variables = {
        "input": {
            "projectId": world.project,
            "title": title,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status": "CONFIRMED",
            "allocations": [{"resourceId": world.room(room)}],
        }
    }
    headers = {"Authorization": f"Bearer {studio.tokens[Role.COORDINATOR]}"}
    response = await http.post("/graphql", json={"query": CREATE_BOOKING, "variables": variables}, headers=headers)
    return response.json()  # type: ignore[no-any-return]
