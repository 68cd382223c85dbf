"""A refusal's alternatives are searched only for a client that asks for them, after the refused
transaction has rolled back, in a read session; a failed search costs the field, not the refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from db.models import Allocation, Booking, Event, Project, Role
from server.services.allocation.alternatives import Sought, Suggestions
from tests.alloc_support import CREATE, at, booking_input, build, create, iso
from tests.conftest import StudioFixture

BARE = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) { __typename ... on UserError { code } }
}
"""
WITH_ALTERNATIVES = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) { __typename ... on UserError { code }
    ... on ConflictError { alternatives { id name } } }
}
"""
# The search's statements: the candidates read (`rows.candidates`) and the busy scan (`free_quantities`).
CANDIDATES = "ORDER BY resources.kind, resources.name"
BUSY = "SELECT occupancies.resource_id, occupancies.start_at, occupancies.end_at FROM occupancies"


@contextmanager
def counting(studio: StudioFixture) -> Iterator[list[str]]:
    """The SQL statements run meanwhile on every engine, and each rollback (as "ROLLBACK") in order."""
    statements: list[str] = []
    database = studio.runtime.database
    engines = {id(e): e.sync_engine for e in (database.write_engine, database.read_engine)}.values()

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The token lookup is authentication, not the mutation's work; transaction control shows as a
        # statement on SQLite only (its BEGIN IMMEDIATE), so none is counted.
        if "api_tokens" not in statement and not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(" ".join(statement.split()))

    def rolled_back(conn: Any) -> None:
        statements.append("ROLLBACK")

    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
        event.listen(engine, "rollback", rolled_back)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)
            event.remove(engine, "rollback", rolled_back)


def sql(statements: list[str]) -> list[str]:
    return [s for s in statements if s != "ROLLBACK"]


async def _rows(studio: StudioFixture) -> tuple[int, int, int]:
    async with studio.runtime.uow.read() as session:
        return (
            await session.scalar(select(func.count()).select_from(Booking).where(Booking.studio_id == studio.id)) or 0,
            await session.scalar(select(func.count()).select_from(Allocation)) or 0,
            await session.scalar(select(func.count()).select_from(Event).where(Event.studio_id == studio.id)) or 0,
        )


async def test_a_refusal_searches_alternatives_only_when_they_are_asked_for(studio: StudioFixture) -> None:
    # Given Studio B taken from 9 to 11
    cat = await build(studio)
    taken = [{"resourceId": cat.gid("Studio B")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=taken))["__typename"] == "BookingCreated"
    before = await _rows(studio)
    variables = {"input": booking_input(cat, start=at(0, 10), end=at(0, 12), allocations=taken)}
    # When the same room is asked for again, once without and once with the alternatives
    with counting(studio) as bare:
        refused = await studio.gql(BARE, variables)
    with counting(studio) as asked:
        offered = await studio.gql(WITH_ALTERNATIVES, variables)
    # Then both are refused, and only the second searched
    assert refused == {"data": {"createBooking": {"__typename": "ConflictError", "code": "CONFLICT"}}}
    assert offered["data"]["createBooking"]["alternatives"] == [{"id": cat.gid("Studio A"), "name": "Studio A"}]
    assert not [s for s in bare if CANDIDATES in s or s.startswith(BUSY)]
    # The refused transaction's statements are the same; the search adds one candidates read and one
    # busy scan (the offered rows are the candidates read's), after the refused transaction's rollback.
    assert len(sql(bare)) == 2  # the project with its studio and the asked resources; the holders
    assert sql(asked)[: len(sql(bare))] == sql(bare)
    extra = sql(asked)[len(sql(bare)) :]
    assert len(extra) == 2
    assert CANDIDATES in extra[0] and extra[1].startswith(BUSY)
    assert asked.index("ROLLBACK") < asked.index(extra[0])
    # Nothing was written by either refusal.
    assert await _rows(studio) == before


async def test_two_fields_share_one_search(studio: StudioFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = await build(studio)
    package = [{"kitId": cat.kit("Camera package A")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=package))["__typename"] == "BookingCreated"
    allocation = studio.runtime.allocation
    searches: list[Sought] = []
    search = allocation.alternatives

    async def counted(sought: Sought) -> Suggestions:
        searches.append(sought)
        return await search(sought)

    monkeypatch.setattr(allocation, "alternatives", counted)
    again = await create(cat, start=at(0, 10), end=at(0, 12), allocations=package)
    assert again["__typename"] == "ConflictError"
    assert [k["name"] for k in again["alternativeKits"]] == ["Camera package B"]
    assert {"Camera body B", "Lens B"} <= {r["name"] for r in again["alternatives"]}
    assert len(searches) == 1


async def test_a_failed_search_is_the_fields_error_and_the_refusal_stands(
    studio: StudioFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = await build(studio)
    taken = [{"resourceId": cat.gid("Studio B")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=taken))["__typename"] == "BookingCreated"
    before = await _rows(studio)

    async def broken(sought: Sought) -> Suggestions:
        raise RuntimeError("the read replica is away")

    monkeypatch.setattr(studio.runtime.allocation, "alternatives", broken)
    body = await studio.gql(CREATE, {"input": booking_input(cat, start=at(0, 10), end=at(0, 12), allocations=taken)})
    refusal = body["data"]["createBooking"]
    assert refusal["__typename"] == "ConflictError"
    assert refusal["code"] == "CONFLICT"
    assert [c["resource"]["name"] for c in refusal["conflicts"]] == ["Studio B"]
    assert refusal["alternatives"] == [] and refusal["alternativeKits"] == []
    # One masked error per field that asked, at that field.
    assert sorted((e["message"], tuple(e["path"])) for e in body["errors"]) == [
        ("Unexpected error.", ("createBooking", "alternativeKits")),
        ("Unexpected error.", ("createBooking", "alternatives")),
    ]
    assert await _rows(studio) == before


REQUEST = """mutation($i: RequestBookingInput!) {
  requestBooking(input: $i) { ... on BookingRequested { booking { id } } }
}"""
WRITES = """
mutation($add: AddAllocationsInput!, $move: MoveBookingInput!, $block: BlockResourceInput!,
         $approve: ApproveBookingInput!) {
  addAllocations(input: $add) { ...refused }
  moveBooking(input: $move) { ...refused }
  blockResource(input: $block) { ...refused }
  approveBooking(input: $approve) { ...refused }
}
fragment refused on UserError { __typename code ... on ConflictError { alternatives { name } } }
"""


async def test_every_write_that_clashes_offers_the_same_alternatives(studio: StudioFixture) -> None:
    # Given Studio B taken on day 0 from 9 to 11, a booking of a microphone then, one of Studio B on
    # day 1, and a client's request for Studio B on day 0
    cat = await build(studio)
    room = [{"resourceId": cat.gid("Studio B")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=room))["__typename"] == "BookingCreated"
    mic = await create(cat, start=at(0, 10), end=at(0, 12), allocations=[{"resourceId": cat.gid("SM7B 1")}])
    later = await create(cat, start=at(1, 10), end=at(1, 12), allocations=room)

    async def work(tx: Any) -> None:
        await tx.session.execute(
            update(Project).where(Project.id == cat.other_project_id).values(client_id=studio.client_id)
        )

    await studio.runtime.uow.run(work, studio_id=studio.id)
    asked = await studio.data(
        REQUEST,
        {"i": {**booking_input(cat, start=at(0, 10), end=at(0, 12), allocations=room), "projectId": cat.other_project}},
        role=Role.CLIENT,
    )
    before = await _rows(studio)
    # When each write asks for Studio B from 10 to 12 on day 0
    body = await studio.gql(
        WRITES,
        {
            "add": {"bookingId": mic["booking"]["id"], "allocations": room},
            "move": {"id": later["booking"]["id"], "start": iso(at(0, 10)), "end": iso(at(0, 12))},
            "block": {"resourceId": cat.gid("Studio B"), "start": iso(at(0, 10)), "end": iso(at(0, 12))},
            "approve": {"id": asked["requestBooking"]["booking"]["id"]},
        },
        role=Role.COORDINATOR,
    )
    # Then each is refused offering Studio A, and nothing was written
    refused = {"__typename": "ConflictError", "code": "CONFLICT", "alternatives": [{"name": "Studio A"}]}
    assert body == {
        "data": dict.fromkeys(["addAllocations", "moveBooking", "blockResource", "approveBooking"], refused)
    }
    assert await _rows(studio) == before
