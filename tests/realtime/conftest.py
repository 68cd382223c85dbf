"""The real app served by uvicorn on a free port, for websocket clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn


async def serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    """Start uvicorn on a free port in this event loop; returns the server, its task and host:port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        lifespan="on",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def live_uvicorn(app: Any) -> AsyncIterator[tuple[uvicorn.Server, str]]:
    """The session app (shared runtime) served over real sockets: the server and its host:port."""
    server, task, address = await serve(app)
    yield server, address
    server.should_exit = True
    await task


@pytest.fixture
def live_server(live_uvicorn: tuple[uvicorn.Server, str]) -> str:
    return live_uvicorn[1]
