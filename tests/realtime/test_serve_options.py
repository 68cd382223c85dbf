"""`callsheet serve` as deployed: no per-message deflate, a bounded message size, a sweeper."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect

from db.models import Role
from server.config import Settings
from tests.conftest import StudioFixture
from tests.realtime.serving import Instance, start_serving
from tests.realtime.support import PROTOCOL, WsClient


@pytest.fixture
async def served(settings: Settings, runtime: object) -> AsyncIterator[Instance]:
    instance = await start_serving(settings)
    try:
        yield instance
    finally:
        await instance.stop()


async def test_the_served_websocket_refuses_deflate_and_oversized_messages(
    studio: StudioFixture, settings: Settings, served: Instance
) -> None:
    # The client offers permessage-deflate (the websockets default); the server declines it.
    async with connect(f"ws://{served.address}/graphql", subprotocols=[PROTOCOL]) as conn:  # type: ignore[list-item]
        assert conn.response is not None
        assert "Sec-WebSocket-Extensions" not in conn.response.headers
        assert conn.subprotocol == PROTOCOL
    async with WsClient.connect(served.address, token=studio.tokens[Role.ADMIN], max_size=None) as ws:
        await ws.send("x" * (settings.limits.max_body_bytes + 1))
        code, _ = await ws.closed()
        assert code == 1009  # message too big
    async with httpx.AsyncClient() as client:
        health = (await client.get(f"http://{served.address}/healthz")).json()
    assert set(health) == {"status", "database", "bus", "sweeper"}
