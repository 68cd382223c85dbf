"""The audit log: one entry per mutation and per system transition, written with the change, read
newest first by ADMIN and COORDINATOR with filters; a refused mutation leaves none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db.models import Role
from db.types import utcnow
from server.background.sweeper import Always, Sweeper, SweepJob
from server.services.allocation import holds
from tests.alloc_support import at, build, create, iso
from tests.conftest import StudioFixture

LOG = """
query($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { seq at actor role action entityId before after } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
MOVE = """
mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename ... on UserError { code } } }
"""


async def entries(studio: StudioFixture, role: Role = Role.ADMIN, **variables: Any) -> list[dict[str, Any]]:
    body = await studio.data(LOG, variables, role=role)
    return [e["node"] for e in body["auditLog"]["edges"]]


async def test_a_mutation_is_one_entry_with_the_fields_it_changed(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    booking = made["booking"]["id"]

    moved = await studio.data(MOVE, {"input": {"id": booking, "start": iso(at(1, 13)), "end": iso(at(1, 15))}})
    assert moved["moveBooking"]["__typename"] == "BookingMoved"

    about = await entries(studio, filter={"entityId": booking})
    assert [e["action"] for e in about] == ["moveBooking", "createBooking"]
    move, made_entry = about
    assert move["actor"] == "Admin One" and move["role"] == "ADMIN"
    assert move["before"]["startAt"] == iso(at(1, 10)).replace("+00:00", "Z")
    assert move["after"]["startAt"] == iso(at(1, 13)).replace("+00:00", "Z")
    assert set(move["before"]) == set(move["after"]) and "title" not in move["after"]
    assert made_entry["actor"] == "Coordinator One" and made_entry["role"] == "COORDINATOR"
    assert made_entry["before"] is None and made_entry["after"]["title"] == "Session"
    assert int(move["seq"]) > int(made_entry["seq"])


async def test_a_refused_mutation_writes_no_entry(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    before = await entries(studio)

    refused = await studio.data(
        MOVE, {"input": {"id": made["booking"]["id"], "start": iso(at(1, 15)), "end": iso(at(1, 13))}}
    )
    assert refused["moveBooking"]["__typename"] != "BookingMoved"
    forbidden = await studio.gql(MOVE, {"input": {"id": made["booking"]["id"], "start": iso(at(1, 13)),
                                                  "end": iso(at(1, 15))}}, role=Role.CREW)  # fmt: skip
    assert forbidden["data"]["moveBooking"]["__typename"] in ("ForbiddenError", "NotFoundError")

    assert await entries(studio) == before


async def test_filters_pages_and_roles(studio: StudioFixture) -> None:
    cat = await build(studio)
    for day in (1, 2, 3):
        await create(cat, start=at(day, 10), end=at(day, 12), allocations=[{"resourceId": cat.gid("Studio A")}])

    everything = await entries(studio, first=200)
    seqs = [int(e["seq"]) for e in everything]
    assert seqs == sorted(seqs, reverse=True)
    created = await entries(studio, filter={"action": "createBooking"})
    assert len(created) == 3
    by_coordinator = await entries(studio, filter={"actor": "Coordinator One"}, first=200)
    assert {e["actor"] for e in by_coordinator} == {"Coordinator One"}
    assert len(by_coordinator) == 3
    future = (at(0, 0) + timedelta(days=3650)).isoformat()
    assert await entries(studio, filter={"from": future}) == []
    assert len(await entries(studio, filter={"until": future}, first=200)) == len(everything)

    page = await studio.data(LOG, {"first": 2})
    assert page["auditLog"]["pageInfo"]["hasNextPage"]
    rest = await studio.data(LOG, {"first": 200, "after": page["auditLog"]["pageInfo"]["endCursor"]})
    paged = [e["node"]["seq"] for e in page["auditLog"]["edges"] + rest["auditLog"]["edges"]]
    assert paged == [e["seq"] for e in everything]

    assert await entries(studio, Role.COORDINATOR, first=200) == everything
    for role in (Role.PRODUCER, Role.CREW, Role.SCANNER, Role.DISPLAY):
        body = await studio.gql(LOG, {}, role=role)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, body)

    too_many = await studio.gql(LOG, {"first": studio.runtime.settings.limits.max_page_size + 1})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_another_studios_entries_are_never_listed(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat = await build(other_studio)
    await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert await entries(studio, filter={"action": "createBooking"}) == []


async def test_a_hold_expiring_is_a_system_entry(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await create(
        cat,
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid("Studio A")}],
        holdExpiresAt=iso(utcnow() + timedelta(hours=1)),
    )
    booking = made["booking"]["id"]
    assert made["booking"]["status"] == "HOLD"
    sweeper = Sweeper(studio.runtime.uow, [SweepJob("expire", holds.expire_holds, holds.SWEEP_BATCH)], Always())
    await sweeper.tick(now=utcnow() + timedelta(hours=2))

    newest = (await entries(studio, filter={"entityId": booking}))[0]
    assert newest["action"] == "holdExpired"
    assert newest["actor"] == "system" and newest["role"] is None
    assert newest["before"] == {"status": "HOLD"} and newest["after"] == {"status": "EXPIRED"}
