"""Sockets of a revoked token close within about a second, however it was revoked: through the API
(its event on the bus), with `callsheet token revoke` in another process (its event reaches no
server on SQLite, and may be dropped by Redis), on every server instance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from db.models import ApiToken, Role
from db.types import utcnow
from server.config import Settings
from tests.conftest import StudioFixture
from tests.realtime.revoking import finish_cli, revoke_through_graphql, revoked_at, start_cli_revoke
from tests.realtime.serving import Instance, start_serving
from tests.realtime.support import BOARD, WsClient, build_world, next_board

CLOSED = (4403, "Token no longer valid")
WITHIN = timedelta(seconds=2)


async def _closed_at(ws: WsClient) -> tuple[tuple[int | None, str], datetime]:
    code = await ws.closed(within=10)
    return code, datetime.now(UTC)


async def test_the_cli_revoking_a_token_closes_its_open_sockets_within_two_seconds(
    studio: StudioFixture, settings: Settings, live_server: str
) -> None:
    world = await build_world(studio)
    token, token_id = await studio.mint(Role.DISPLAY, location="Main floor")
    async with (
        WsClient.connect(live_server, token=token) as doomed,
        WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as other,
    ):
        for ws in (doomed, other):
            await ws.subscribe("b", BOARD, {"loc": world.location()})
            await next_board(ws, "b")
        cli = await start_cli_revoke(settings, token)
        code, at = await _closed_at(doomed)
        await finish_cli(cli, token_id)
        assert code == CLOSED
        assert at - await revoked_at(studio, token_id) < WITHIN
        await other.send({"type": "ping"})
        assert await other.recv() == {"type": "pong"}


async def test_a_revocation_whose_event_is_lost_still_closes_the_socket_while_the_topic_is_busy(
    studio: StudioFixture, live_server: str
) -> None:
    """The once-a-second re-read keeps its cadence when other token events keep arriving."""
    world = await build_world(studio)
    token, token_id = await studio.mint(Role.DISPLAY, location="Main floor")
    async with WsClient.connect(live_server, token=token) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        await next_board(ws, "b")

        async def busy() -> None:
            while True:
                await studio.mint(Role.CREW, name="Busy crew")
                await asyncio.sleep(0.2)

        noise = asyncio.create_task(busy())
        try:
            await asyncio.sleep(0.5)
            # Written without an event, as a process with no way to this server's bus would.
            async with studio.runtime.database.writer() as session, session.begin():
                await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))
            code, at = await _closed_at(ws)
        finally:
            noise.cancel()
    assert code == CLOSED
    assert at - await revoked_at(studio, token_id) < WITHIN


@pytest.fixture
async def two_instances(settings: Settings, runtime: Any) -> AsyncIterator[tuple[Instance, Instance]]:
    a, b = await asyncio.gather(start_serving(settings), start_serving(settings))
    try:
        yield a, b
    finally:
        await asyncio.gather(a.stop(), b.stop())


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("way", ["graphql", "cli", "cli-without-redis"])
async def test_a_revocation_closes_the_tokens_sockets_on_every_instance_within_two_seconds(
    studio: StudioFixture, settings: Settings, two_instances: tuple[Instance, Instance], way: str
) -> None:
    a, b = two_instances
    world = await build_world(studio)
    token, token_id = await studio.mint(Role.DISPLAY, location="Main floor")
    async with (
        WsClient.connect(a.address, token=token) as on_a,
        WsClient.connect(b.address, token=token) as on_b,
    ):
        for ws in (on_a, on_b):
            await ws.subscribe("b", BOARD, {"loc": world.location()})
            await next_board(ws, "b")
        cli = None
        if way == "graphql":
            await revoke_through_graphql(studio, token_id)
        else:
            cli = await start_cli_revoke(settings, token, redis=way == "cli")
        closed = await asyncio.gather(_closed_at(on_a), _closed_at(on_b))
        if cli is not None:
            await finish_cli(cli, token_id)
    when = await revoked_at(studio, token_id)
    assert [code for code, _ in closed] == [CLOSED, CLOSED]
    assert all(at - when < WITHIN for _, at in closed), [at - when for _, at in closed]
