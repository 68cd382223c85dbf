"""Helpers of the realtime tests: a studio with rooms, bookings through the API, a raw
graphql-transport-ws client (for what a library would not send) and board queries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from db.models import Project, Resource, ResourceKind, Role, User
from server.schema.ids import to_global_id
from server.services import projects, resources
from server.services.principal import Principal
from server.services.resources import ResourceFields
from server.services.uow import Tx
from tests.conftest import StudioFixture

PROTOCOL = "graphql-transport-ws"

BOARD = """
subscription($loc: ID!) {
  roomBoard(locationId: $loc) {
    seq at location { name }
    rooms { room { name } state until current { title } next { title } }
  }
}
"""


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.isoformat()


@dataclass
class World:
    """Rooms at "Main floor" (Studio A plain, Studio B with 15-minute buffers), an edit bay at "Post",
    a project produced by the PRODUCER token's user and another one, and a crew member linked to
    the CREW token's user."""

    studio: StudioFixture
    rooms: dict[str, int] = field(default_factory=dict)
    project_id: int = 0
    other_project_id: int = 0
    crew_id: int = 0

    def room(self, name: str) -> str:
        return to_global_id("Resource", self.rooms[name])

    def location(self, name: str = "Main floor") -> str:
        return to_global_id("Location", self.studio.locations[name])

    @property
    def project(self) -> str:
        return to_global_id("Project", self.project_id)

    @property
    def other_project(self) -> str:
        return to_global_id("Project", self.other_project_id)

    async def book(
        self,
        room: str,
        start: datetime,
        end: datetime,
        *,
        title: str = "Session",
        status: str = "CONFIRMED",
        project: str | None = None,
        crew: bool = False,
        role: Role = Role.COORDINATOR,
        **extra: Any,
    ) -> str:
        """Create a booking of one room through the API; returns its global id."""
        allocations: list[dict[str, Any]] = [{"resourceId": self.room(room)}]
        if crew:
            allocations.append({"resourceId": to_global_id("Resource", self.crew_id), "role": "engineer"})
        body = await self.studio.gql(
            CREATE_BOOKING,
            {
                "input": {
                    "projectId": project or self.project,
                    "title": title,
                    "start": iso(start),
                    "end": iso(end),
                    "status": status,
                    "allocations": allocations,
                    **extra,
                }
            },
            role=role,
        )
        result = body["data"]["createBooking"]
        assert result["__typename"] == "BookingCreated", body
        return str(result["booking"]["id"])


CREATE_BOOKING = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) {
    __typename
    ... on BookingCreated { booking { id title status } }
    ... on UserError { code message }
  }
}
"""


async def build_world(studio: StudioFixture) -> World:
    world = World(studio)

    async def work(tx: Tx) -> None:
        admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="setup")
        main, post = studio.locations["Main floor"], studio.locations["Post"]
        for name, loc, setup, teardown in (
            ("Studio A", main, 0, 0),
            ("Studio B", main, 15, 15),
            ("Edit 1", post, 0, 0),
        ):
            row = await resources.create_resource(
                tx,
                admin,
                ResourceKind.ROOM,
                ResourceFields(
                    name=name, category="room", location_id=loc, setup_minutes=setup, teardown_minutes=teardown
                ),
            )
            world.rooms[name] = row.id
        crew = await resources.create_resource(
            tx, admin, ResourceKind.CREW, ResourceFields(name="Sam Okafor", category="crew", skills=["engineer"])
        )
        world.crew_id = crew.id
        mine = await projects.create_project(tx, admin, "Founders Unfiltered", None, None, None)
        other = await projects.create_project(tx, admin, "Other show", None, None, None)
        users = {u.role: u.id for u in await tx.session.scalars(select(User).where(User.studio_id == studio.id))}
        await tx.session.execute(update(Project).where(Project.id == mine.id).values(producer_id=users[Role.PRODUCER]))
        await tx.session.execute(update(Resource).where(Resource.id == crew.id).values(user_id=users[Role.CREW]))
        world.project_id, world.other_project_id = mine.id, other.id

    await studio.runtime.uow.run(work, studio_id=studio.id)
    return world


class WsClient:
    """A bare graphql-transport-ws client: sends exactly what a test tells it to."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.held: list[dict[str, Any]] = []  # messages of other operations, read while waiting

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, address: str, *, token: str | None = None, init: bool = True, **kw: Any
    ) -> AsyncIterator[WsClient]:
        async with connect(f"ws://{address}/graphql", subprotocols=[PROTOCOL], **kw) as conn:  # type: ignore[list-item]
            client = cls(conn)
            if init:
                await client.init(token)
            yield client

    async def init(self, token: str | None) -> None:
        await self.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
        ack = await self.recv()
        assert ack.get("type") == "connection_ack", ack

    async def send(self, message: Any) -> None:
        await self.conn.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def recv(self, within: float = 5.0) -> dict[str, Any]:
        """The next message other than a server ping (which is answered)."""
        while True:
            raw = await asyncio.wait_for(self.conn.recv(), within)
            message = json.loads(raw)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            return message  # type: ignore[no-any-return]

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    async def next(self, op_id: str, within: float = 5.0) -> dict[str, Any]:
        """The data of the next `next` message of an operation (fails on anything else for it)."""
        for i, held in enumerate(self.held):
            if held.get("id") == op_id:
                message = self.held.pop(i)
                break
        else:
            while True:
                message = await self.recv(within)
                if message.get("id") == op_id:
                    break
                self.held.append(message)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]  # type: ignore[no-any-return]

    async def closed(self, within: float = 5.0) -> tuple[int | None, str]:
        """Wait for the server to close; returns its close code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.conn.recv(), within)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            return (rcvd.code, rcvd.reason) if rcvd is not None else (None, "")


async def next_board(client: WsClient, op_id: str, within: float = 5.0) -> dict[str, Any]:
    return (await client.next(op_id, within))["roomBoard"]


def states(board: dict[str, Any]) -> dict[str, str]:
    return {r["room"]["name"]: r["state"] for r in board["rooms"]}


def current(board: dict[str, Any]) -> dict[str, str | None]:
    return {r["room"]["name"]: (r["current"] or {}).get("title") for r in board["rooms"]}


def nxt(board: dict[str, Any]) -> dict[str, str | None]:
    return {r["room"]["name"]: (r["next"] or {}).get("title") for r in board["rooms"]}


async def wait_for_board(
    client: WsClient, op_id: str, predicate: Any, within: float = 5.0
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read boards until one satisfies the predicate; returns it and every board read."""
    seen: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + within
    while True:
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"no matching board within {within}s; saw {seen}"
        board = await next_board(client, op_id, left)
        seen.append(board)
        if predicate(board):
            return board, seen


def soon(seconds: float) -> datetime:
    return now() + timedelta(seconds=seconds)
