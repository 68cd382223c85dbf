"""graphql-transport-ws: a subscribe the server refuses (variables that fail coercion, several
operations without a name) gets an `error` message with the reason; the socket stays open."""

from __future__ import annotations

from db.models import Role
from tests.conftest import StudioFixture
from tests.realtime.support import BOARD, WsClient, build_world, next_board, states


async def refused(ws: WsClient, op_id: str) -> list[dict[str, object]]:
    message = await ws.recv()
    assert (message["type"], message["id"]) == ("error", op_id), message
    return message["payload"]  # type: ignore[no-any-return]


async def test_variables_that_fail_coercion_get_an_error_and_the_socket_serves_on(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("missing", BOARD, {})
        await ws.subscribe("number", BOARD, {"loc": 7.5})
        await ws.subscribe("nul", BOARD, {"loc": "x\x00"})
        missing, number, nul = await refused(ws, "missing"), await refused(ws, "number"), await refused(ws, "nul")
        assert missing == [
            {
                "message": "Variable '$loc' has invalid value: Expected a value of non-null type 'ID!' to be provided.",
                "locations": [{"line": 2, "column": 14}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
        assert number[0]["message"] == "Variable '$loc' has invalid value: ID cannot represent value: 7.5"
        assert nul == [
            {
                "message": "Variable '$loc' has invalid value: Text may not contain NUL characters.",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
        await ws.subscribe("ok", BOARD, {"loc": world.location()})
        assert "Studio A" in states(await next_board(ws, "ok"))


async def test_two_operations_without_a_name_get_an_error(studio: StudioFixture, live_server: str) -> None:
    world = await build_world(studio)
    two = BOARD.replace("subscription(", "subscription A(") + "\nquery B { viewer { role } }"
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("two", two, {"loc": world.location()})
        assert await refused(ws, "two") == [
            {
                "message": "Must provide operation name if query contains multiple operations.",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
        await ws.send(
            {
                "id": "named",
                "type": "subscribe",
                "payload": {"query": two, "variables": {"loc": world.location()}, "operationName": "A"},
            }
        )
        assert "Studio A" in states(await next_board(ws, "named"))


async def test_a_message_nested_too_deep_closes_like_any_unreadable_message(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.send('{"type": "ping", "payload": ' + "[" * 3000 + "]" * 3000 + "}")
        assert await ws.closed() == (4400, "WebSocket message must be valid JSON")
    async with WsClient.connect(live_server, token=studio.tokens[Role.ADMIN]) as ws:
        await ws.subscribe("ok", BOARD, {"loc": world.location()})
        assert "Studio A" in states(await next_board(ws, "ok"))
