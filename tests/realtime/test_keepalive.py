"""Keepalive over graphql-transport-ws: one ticker per process pings every acknowledged connection
each interval and closes one that has said nothing for three; a real server's heap policy freezes
what connections built and collects in full once enough of them left."""

from __future__ import annotations

import asyncio
import gc
import json
import weakref
from typing import Any

import pytest
from starlette.routing import WebSocketRoute

from db.models import Role
from server.websocket import FREEZE_AFTER, Connections
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, WsClient, build_world, next_board

INTERVAL = 0.2


def _shorten(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    view = next(route.app for route in app.routes if isinstance(route, WebSocketRoute))
    monkeypatch.setattr(view, "keep_alive_interval", INTERVAL)


@pytest.fixture
def short_keepalive(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _shorten(app, monkeypatch)


async def test_an_acknowledged_connection_is_pinged_every_interval(
    studio: StudioFixture, live_server: str, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A connection with the usual interval first: the ticker is already running, at its usual pace,
    # when the short one arrives (its first round comes late, which must not count as silence).
    async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]):
        _shorten(app, monkeypatch)
        async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as ws:
            loop = asyncio.get_running_loop()
            started = loop.time()
            for _ in range(3):
                assert json.loads(await asyncio.wait_for(ws.conn.recv(), 2.0)) == {"type": "ping"}
                await ws.send({"type": "pong"})
            # Three pings, the last two an interval apart (the ticker now runs every interval/4).
            assert loop.time() - started >= 2 * INTERVAL * 0.9


async def test_a_connection_that_answers_pings_stays_open_and_subscribed(
    studio: StudioFixture, live_server: str, short_keepalive: None
) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        await next_board(ws, "b")
        with pytest.raises(TimeoutError):  # twice the silence limit: nothing but pings, each answered
            await asyncio.wait_for(ws.recv(), 6 * INTERVAL)
        await ws.send({"type": "ping"})
        assert await ws.recv() == {"type": "pong"}


async def test_a_silent_connection_is_closed_after_three_intervals(
    studio: StudioFixture, live_server: str, short_keepalive: None
) -> None:
    async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as ws:
        loop = asyncio.get_running_loop()
        started = loop.time()
        code, reason = await ws.closed(within=5.0)  # reads the pings, never answers them
        assert (code, reason) == (1011, "Ping timeout")
        assert loop.time() - started >= 3 * INTERVAL


async def test_a_connection_never_acknowledged_is_not_pinged(
    studio: StudioFixture, live_server: str, short_keepalive: None
) -> None:
    async with WsClient.connect(live_server, init=False) as ws:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.conn.recv(), 4 * INTERVAL)


class _Handler:
    """Stands for a connection in the registry: never due for a ping during the test."""

    ping_interval = 3600.0
    ping_due = float("inf")


class _Node:
    def __init__(self) -> None:
        self.me = self


async def test_the_heap_is_frozen_after_a_burst_of_connections_and_collected_once_enough_left() -> None:
    connections = Connections()
    handlers = [_Handler() for _ in range(4 * FREEZE_AFTER)]
    connections.hold()
    try:
        assert gc.get_freeze_count() > 0
        for handler in handlers[: FREEZE_AFTER - 1]:
            connections.add(handler)  # type: ignore[arg-type]
        gc.unfreeze()
        connections.settle_heap()
        assert gc.get_freeze_count() == 0  # not enough arrivals yet
        for handler in handlers[FREEZE_AFTER - 1 :]:
            connections.add(handler)  # type: ignore[arg-type]
        connections.settle_heap()
        assert gc.get_freeze_count() > 0
        # Garbage in a cycle among frozen objects stays while they are frozen...
        node = _Node()
        gone = weakref.ref(node)
        gc.freeze()
        del node
        for handler in handlers[:FREEZE_AFTER]:
            connections.remove(handler)  # type: ignore[arg-type]
        connections.settle_heap()  # a quarter of the 400 left: not more
        gc.collect()
        assert gone() is not None
        # ...and is collected once more than a quarter of the connections open at the last full pass left.
        connections.remove(handlers[FREEZE_AFTER])  # type: ignore[arg-type]
        connections.settle_heap()
        assert gone() is None
        assert gc.get_freeze_count() > 0  # what survived is frozen again
    finally:
        for handler in handlers:
            connections.remove(handler)  # type: ignore[arg-type]
        connections.release_heap()
    assert gc.get_freeze_count() == 0
    assert not connections.handlers
