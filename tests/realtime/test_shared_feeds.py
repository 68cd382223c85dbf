"""The event feeds are shared per process: a change costs one load per viewer class, however many
subscribers follow it, and every subscriber still gets exactly what its rights show it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from db.models import Role
from tests.conftest import StudioFixture
from tests.realtime.support import World, WsClient, build_world, now

BOOKINGS = """
subscription($p: ID!) { bookingChanged(projectId: $p) { seq type snapshot booking { title status } } }
"""
AVAILABILITY = """
subscription($f: AvailabilityInput!) {
  availabilityChanged(filter: $f) { seq resources { resource { name } availableQuantity } }
}
"""
OPS_PER_SOCKET = 10


@contextmanager
def counting(studio: StudioFixture) -> Iterator[list[str]]:
    """The SQL statements run meanwhile, on every engine of the runtime."""
    statements: list[str] = []
    database = studio.runtime.database
    engines = {id(e): e.sync_engine for e in (database.write_engine, database.read_engine)}

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Open sockets' tokens are re-read once a second whatever happens: not a change's cost (nor
        # the BEGIN of that read; transaction control shows on SQLite only, so none is counted).
        if "api_tokens" not in statement and not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", count)


@asynccontextmanager
async def subscribers(
    studio: StudioFixture, address: str, roles: list[Role], per_role: int, query: str, variables: dict[str, Any]
) -> AsyncIterator[list[tuple[Role, WsClient, list[str]]]]:
    """`per_role` subscriptions for each role, at most OPS_PER_SOCKET per socket; each has had its
    first message."""
    async with AsyncExitStack() as stack:
        out = []
        for role in roles:
            left = per_role
            while left:
                ops = [f"op{i}" for i in range(min(left, OPS_PER_SOCKET))]
                left -= len(ops)
                ws = await stack.enter_async_context(WsClient.connect(address, token=studio.tokens[role]))
                for op in ops:
                    await ws.subscribe(op, query, variables)
                out.append((role, ws, ops))
        yield out


async def opening(clients: list[tuple[Role, WsClient, list[str]]], messages: int) -> None:
    """Read each subscription's opening messages."""
    for _, ws, ops in clients:
        for op in ops:
            for _ in range(messages):
                await ws.next(op)


def day(n: int) -> datetime:
    return (now() + timedelta(days=n)).replace(hour=10, minute=0, second=0, microsecond=0)


async def statements_for_a_booking(
    studio: StudioFixture,
    world: World,
    clients: list[tuple[Role, WsClient, list[str]]],
    field: str,
    title: str,
    start: datetime,
) -> tuple[int, dict[Role, list[Any]]]:
    """Book Studio A at `start` for an hour (with crew, so every role may see it); the statements
    run until every subscriber has its message, and what each role received."""
    received: dict[Role, list[Any]] = {}
    with counting(studio) as statements:
        await world.book("Studio A", start, start + timedelta(hours=1), title=title, crew=True)
        for role, ws, ops in clients:
            for op in ops:
                received.setdefault(role, []).append((await ws.next(op))[field])
        await asyncio.sleep(0.5)  # anything a straggler would still load
    return len(statements), received


ROLE_SETS = {
    "one class": [Role.COORDINATOR],
    "three classes": [Role.COORDINATOR, Role.PRODUCER, Role.CREW],
}


@pytest.mark.parametrize("roles", list(ROLE_SETS.values()), ids=list(ROLE_SETS))
async def test_a_booking_change_costs_the_same_sql_for_one_subscriber_and_for_200(
    studio: StudioFixture, live_server: str, roles: list[Role]
) -> None:
    world = await build_world(studio)
    start = now() + timedelta(days=1)
    # Crew may follow the project once called to it.
    await world.book("Studio B", start, start + timedelta(hours=1), title="Call", crew=True)
    counts = []
    for rounds, per_role in enumerate((1, 200 // len(roles))):
        async with subscribers(studio, live_server, roles, per_role, BOOKINGS, {"p": world.project}) as clients:
            await opening(clients, 1 + rounds)  # the snapshot: the call and each round's booking
            n, received = await statements_for_a_booking(
                studio, world, clients, "bookingChanged", f"Shared {per_role}", day(2 + per_role)
            )
        counts.append(n)
        for role in roles:
            assert len(received[role]) == per_role
            assert {(e["type"], e["snapshot"], e["booking"]["title"]) for e in received[role]} == {
                ("BookingCreated", False, f"Shared {per_role}")
            }
            assert len({e["seq"] for e in received[role]}) == 1
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("roles", list(ROLE_SETS.values()), ids=list(ROLE_SETS))
async def test_an_availability_change_costs_the_same_sql_for_one_subscriber_and_for_200(
    studio: StudioFixture, live_server: str, roles: list[Role]
) -> None:
    world = await build_world(studio)
    counts = []
    for per_role in (1, 200 // len(roles)):
        start = day(2 + per_role)  # a window of its own each time: Studio A is free in it
        window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
        variables = {"f": {**window, "kind": "ROOM", "locationId": world.location()}}
        async with subscribers(studio, live_server, roles, per_role, AVAILABILITY, variables) as clients:
            await opening(clients, 1)
            n, received = await statements_for_a_booking(
                studio, world, clients, "availabilityChanged", f"Takes A {per_role}", start
            )
        counts.append(n)
        for role in roles:
            assert len(received[role]) == per_role
            names = {tuple(sorted(r["resource"]["name"] for r in e["resources"])) for e in received[role]}
            assert names == {("Studio B",)}, names
    assert counts[0] == counts[1], counts


async def test_a_shared_booking_feed_still_shows_each_class_only_what_it_may_see(
    studio: StudioFixture, live_server: str
) -> None:
    world = await build_world(studio)
    start = now() + timedelta(days=1)
    await world.book("Studio B", start, start + timedelta(hours=1), title="Call", crew=True)
    roles = [Role.COORDINATOR, Role.PRODUCER, Role.CREW]
    async with subscribers(studio, live_server, roles, 3, BOOKINGS, {"p": world.project}) as clients:
        await opening(clients, 1)
        # Crew are not called to this one: everyone else sees it, crew see nothing.
        await world.book("Studio A", day(3), day(3) + timedelta(hours=1), title="No crew")
        await world.book("Studio A", day(4), day(4) + timedelta(hours=1), title="With crew", crew=True)
        for role, ws, ops in clients:
            for op in ops:
                titles = [(await ws.next(op))["bookingChanged"]["booking"]["title"]]
                if role != Role.CREW:
                    titles.append((await ws.next(op))["bookingChanged"]["booking"]["title"])
                expected = ["With crew"] if role == Role.CREW else ["No crew", "With crew"]
                assert titles == expected, (role, titles)
