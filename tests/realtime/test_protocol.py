"""graphql-transport-ws refusals: each bad input is closed or refused with the protocol's code, and
the server keeps serving everyone else."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from db.models import Role
from server.services import auth
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, PROTOCOL, WsClient, build_world, next_board, states


async def _healthy(address: str, studio: StudioFixture, loc: str) -> None:
    """The server still answers HTTP and serves a new subscriber."""
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"http://{address}/healthz")).status_code == 200
    async with WsClient.connect(address, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("ok", BOARD, {"loc": loc})
        assert "Studio A" in states(await next_board(ws, "ok"))


async def test_subscribe_before_connection_init_is_closed_with_4401(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, init=False) as ws:
        await ws.subscribe("1", BOARD, {"loc": world.location()})
        assert await ws.closed() == (4401, "Unauthorized")
    await _healthy(live_server, studio, world.location())


@pytest.mark.parametrize(
    "payload",
    [{}, {"authorization": "Bearer cs_not-a-token"}, {"authorization": "Basic abc"}, {"authorization": 7}],
    ids=["no token", "unknown token", "wrong scheme", "not a string"],
)
async def test_a_missing_or_bad_token_is_closed_with_4403(
    studio: StudioFixture, live_server: str, payload: dict[str, object]
) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, init=False) as ws:
        await ws.send({"type": "connection_init", "payload": payload})
        assert await ws.closed() == (4403, "Forbidden")
    await _healthy(live_server, studio, world.location())


async def test_an_expired_or_revoked_token_is_closed_with_4403(studio: StudioFixture, live_server: str) -> None:
    token, token_id = await studio.mint(Role.ADMIN)
    await studio.runtime.uow.run(
        lambda tx: auth.revoke_token(tx, studio_id=studio.id, token_id=token_id), studio_id=studio.id
    )
    async with WsClient.connect(live_server, init=False) as ws:
        await ws.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert await ws.closed() == (4403, "Forbidden")


async def test_a_foreign_origin_is_refused_at_the_handshake(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://{live_server}/graphql", subprotocols=[PROTOCOL], origin="https://evil.example"):  # type: ignore[list-item,arg-type]
            pass
    assert refused.value.response.status_code == 403
    # A page served by Callsheet itself (same origin) is welcome.
    same = f"http://{live_server}"
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY], origin=same) as ws:  # type: ignore[arg-type]
        await ws.subscribe("1", BOARD, {"loc": world.location()})
        await next_board(ws, "1")


async def test_too_many_subscriptions_are_refused_one_by_one(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    limit = studio.runtime.settings.limits.max_subscriptions
    async with WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as ws:
        for i in range(limit):
            await ws.subscribe(str(i), BOARD, {"loc": world.location()})
            await next_board(ws, str(i))
        await ws.subscribe("one too many", BOARD, {"loc": world.location()})
        refused = await ws.recv()
        assert refused["type"] == "error" and refused["id"] == "one too many"
        assert [e["message"] for e in refused["payload"]] == ["Subscription limit reached"]
        # Completing one frees a place.
        await ws.send({"type": "complete", "id": "0"})
        await ws.subscribe("again", BOARD, {"loc": world.location()})
        await next_board(ws, "again")


MALFORMED = {
    "not JSON": "{nope",
    "a JSON array": "[1, 2]",
    "a JSON number": "42",
    "no type": {"id": "1"},
    "unknown type": {"type": "launch"},
    "subscribe without payload": {"type": "subscribe", "id": "1"},
    "subscribe without id": {"type": "subscribe", "payload": {"query": "{ viewer { role } }"}},
    "query not a string": {"type": "subscribe", "id": "1", "payload": {"query": ["subscription"]}},
    "variables not an object": {"type": "subscribe", "id": "1", "payload": {"query": "{ x }", "variables": [1]}},
    "complete without id": {"type": "complete"},
    "ping payload a string": {"type": "ping", "payload": "hello"},
    "a syntax error": {"type": "subscribe", "id": "1", "payload": {"query": "subscription {"}},
    "over the token limit": {"type": "subscribe", "id": "1", "payload": {"query": "{" + " viewer" * 5000 + " }"}},
    "binary frame": b"\x00\x01",
}


@pytest.mark.parametrize("message", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_messages_are_closed_with_4400(
    studio: StudioFixture, live_server: str, message: object
) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.send(message)
        code, _ = await ws.closed()
        assert code == 4400
    await _healthy(live_server, studio, world.location())


async def test_protocol_misuse_gets_the_protocols_own_codes(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.send({"type": "connection_init", "payload": {}})
        assert await ws.closed() == (4429, "Too many initialisation requests")
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("same", BOARD, {"loc": world.location()})
        await next_board(ws, "same")
        await ws.subscribe("same", BOARD, {"loc": world.location()})
        assert await ws.closed() == (4409, "Subscriber for same already exists")
    await _healthy(live_server, studio, world.location())


async def test_ping_is_answered_with_pong(studio: StudioFixture, live_server: str) -> None:
    async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as ws:
        await ws.send({"type": "ping", "payload": {"n": 1}})
        assert await ws.recv() == {"type": "pong"}


async def test_a_query_over_the_socket_is_answered_and_completed(studio: StudioFixture, live_server: str) -> None:
    async with WsClient.connect(live_server, token=studio.tokens[Role.CREW]) as ws:
        await ws.subscribe("q", "{ viewer { role } }")
        assert await ws.recv() == {"id": "q", "type": "next", "payload": {"data": {"viewer": {"role": "CREW"}}}}
        assert await ws.recv() == {"id": "q", "type": "complete"}


async def test_a_revoked_tokens_open_sockets_are_closed(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    token, token_id = await studio.mint(Role.DISPLAY, location="Main floor")
    async with (
        WsClient.connect(live_server, token=token) as doomed,
        WsClient.connect(live_server, token=studio.tokens[Role.DISPLAY]) as other,
    ):
        for ws in (doomed, other):
            await ws.subscribe("b", BOARD, {"loc": world.location()})
            await next_board(ws, "b")
        body = await studio.gql(
            "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }", {"id": _token_gid(token_id)}
        )
        assert "errors" not in body, body
        assert await doomed.closed() == (4403, "Token no longer valid")
        await other.send({"type": "ping"})
        assert await other.recv() == {"type": "pong"}


def _token_gid(pk: int) -> str:
    from server.schema.ids import to_global_id

    return to_global_id("ApiToken", pk)


def test_malformed_fixtures_are_really_malformed() -> None:
    for value in MALFORMED.values():
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                continue
            assert not isinstance(decoded, dict)


async def test_an_expiring_tokens_open_sockets_are_closed_once_it_expires(
    studio: StudioFixture, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from db.types import utcnow
    from server.background.live import TokenWatch

    monkeypatch.setattr(TokenWatch, "recheck_interval", 0.2)
    world = await build_world(studio)
    token, _ = await studio.mint(Role.DISPLAY, location="Main floor", expires_at=utcnow() + timedelta(seconds=1.5))
    async with WsClient.connect(live_server, token=token) as ws:
        await ws.subscribe("b", BOARD, {"loc": world.location()})
        await next_board(ws, "b")
        assert await ws.closed(within=5) == (4403, "Token no longer valid")
