"""Booking rules through GraphQL: buffers, bad input, holds, moves, crew rules, transitions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from db.models import Booking, Resource, Role
from db.types import utcnow
from server.schema.ids import to_global_id
from server.services.allocation import holds
from server.services.uow import Tx
from tests.alloc_support import CREATE, at, booking_input, build, create, iso, set_policy
from tests.conftest import StudioFixture

MOVE = """
mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename
  ... on BookingMoved { warnings booking { start end status allocations { start end } } }
  ... on MoveImpact { fits start end warnings conflicts { resource { name } booking { title } }
      alternatives { name } allocations { start end allocation { resource { name } } } booking { start } }
  ... on ConflictError { code conflicts { resource { name } } alternatives { name } }
  ... on UserError { code message } } }
"""
TRANSITION = """
mutation($id: ID!) {
  confirmBooking(id: $id) { __typename ... on UserError { code } }
}
"""


async def _count(studio: StudioFixture) -> int:
    data = await studio.data("{ bookings(first: 200) { edges { node { id } } } }")
    return len(data["bookings"]["edges"])


async def test_back_to_back_fits_and_buffers_make_it_clash(studio: StudioFixture) -> None:
    cat = await build(studio)
    plain, buffered = [{"resourceId": cat.gid("Studio A")}], [{"resourceId": cat.gid("Buffered Room")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 10), allocations=plain))["__typename"] == "BookingCreated"
    assert (await create(cat, start=at(0, 10), end=at(0, 11), allocations=plain))["__typename"] == "BookingCreated"
    first = await create(cat, start=at(0, 9), end=at(0, 10), allocations=buffered, title="first")
    assert first["__typename"] == "BookingCreated"
    # 15 minutes of teardown after the first and 15 of setup before the second overlap.
    second = await create(cat, start=at(0, 10), end=at(0, 11), allocations=buffered)
    assert second["__typename"] == "ConflictError"
    assert second["conflicts"] == [
        {
            "resource": {"name": "Buffered Room"},
            "start": "2031-03-03T08:45:00Z",
            "end": "2031-03-03T10:15:00Z",
            "booking": {"id": first["booking"]["id"], "title": "first"},
        }
    ]
    # Half an hour later both buffers fit.
    later = await create(cat, start=at(0, 10.5), end=at(0, 11), allocations=buffered)
    assert later["__typename"] == "BookingCreated"


async def test_conflict_alternatives_by_room_type_capacity_and_skill(studio: StudioFixture) -> None:
    cat = await build(studio)
    taken = [{"resourceId": cat.gid("Studio B")}, {"resourceId": cat.gid("Mina Haddad"), "role": "editor"}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=taken))["__typename"] == "BookingCreated"
    again = await create(cat, start=at(0, 10), end=at(0, 12), allocations=taken)
    assert again["__typename"] == "ConflictError"
    # Studio A is a podcast studio holding more people; Theo is the other editor. Studio C (video) is not offered.
    assert {r["name"] for r in again["alternatives"]} == {"Studio A", "Theo Lindqvist"}
    assert "Studio B" in again["message"] and "Mina Haddad" in again["message"]


async def test_clashes_alike_share_one_search_for_alternatives(studio: StudioFixture) -> None:
    cat = await build(studio)
    mics = [{"resourceId": cat.gid("SM7B 1")}, {"resourceId": cat.gid("SM7B 2")}]
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=mics))["__typename"] == "BookingCreated"
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    # Both engines: the alternatives are searched after the refused transaction, in a read session.
    database = studio.runtime.database
    engines = {id(e): e.sync_engine for e in (database.write_engine, database.read_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        again = await create(cat, start=at(0, 10), end=at(0, 12), allocations=mics)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)
    assert again["__typename"] == "ConflictError"
    assert [r["name"] for r in again["alternatives"]] == ["SM7B 3"]
    # Both microphones clashed in one window: one candidates read and one busy scan, not two of each.
    assert len([s for s in statements if "ORDER BY resources.kind, resources.name" in s]) == 1
    busy = "SELECT occupancies.resource_id, occupancies.start_at, occupancies.end_at FROM occupancies"
    assert len([s for s in statements if " ".join(s.split()).startswith(busy)]) == 1


BAD_INPUTS: list[tuple[str, Any, str, str | None]] = [
    ("end before start", {"start": at(0, 10), "end": at(0, 9)}, "VALIDATION", "end"),
    ("empty window", {"start": at(0, 10), "end": at(0, 10)}, "VALIDATION", "end"),
    ("too long", {"start": at(0, 0), "end": at(3, 0)}, "VALIDATION", "end"),
    (
        "allocation far after",
        {"alloc": {"start": iso(at(9, 0)), "end": iso(at(9, 1))}},
        "VALIDATION",
        "allocations[0].end",
    ),
    (
        "allocation end before start",
        {"alloc": {"start": iso(at(0, 11)), "end": iso(at(0, 10))}},
        "VALIDATION",
        "allocations[0].end",
    ),
    ("quantity zero", {"pool": 0}, "VALIDATION", "allocations[0].quantity"),
    ("quantity above pool", {"pool": 11}, "VALIDATION", "allocations[0].quantity"),
    ("quantity on a room", {"alloc": {"quantity": 2}}, "VALIDATION", "allocations[0].quantity"),
    ("duplicate resource", {"dup": True}, "VALIDATION", "allocations[1]"),
    ("role without the skill", {"crew": "editor"}, "VALIDATION", "allocations[0].role"),
    ("role on a room", {"alloc": {"role": "editor"}}, "VALIDATION", "allocations[0].role"),
    ("both ids", {"alloc": {"kitId": "KIT"}}, "VALIDATION", "allocations[0].resourceId"),
    ("unknown resource id", {"alloc": {"resourceId": "nonsense"}}, "NOT_FOUND", None),
    (
        "hold expiry on a confirmed booking",
        {"extra": {"status": "CONFIRMED", "holdExpiresAt": iso(at(0, 8))}},
        "VALIDATION",
        "holdExpiresAt",
    ),
    ("hold expiry in the past", {"extra": {"holdExpiresAt": "2020-01-01T00:00:00Z"}}, "VALIDATION", "holdExpiresAt"),
    ("empty title", {"extra": {"title": "  "}}, "VALIDATION", "title"),
    ("unknown project", {"extra": {"projectId": to_global_id("Project", 999999)}}, "NOT_FOUND", None),
]


@pytest.mark.parametrize(("case", "change", "code", "field"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
async def test_bad_input_is_refused_and_changes_nothing(
    studio: StudioFixture, case: str, change: dict[str, Any], code: str, field: str | None
) -> None:
    cat = await build(studio)
    await set_policy(studio, max_booking_hours=48)
    alloc: dict[str, Any] = {"resourceId": cat.gid("Studio A"), **change.get("alloc", {})}
    if alloc.get("kitId") == "KIT":
        alloc["kitId"] = cat.kit("Camera package A")
    allocations = [alloc]
    if "pool" in change:
        allocations = [{"resourceId": cat.gid("XLR cables"), "quantity": change["pool"]}]
    if "dup" in change:
        allocations = [alloc, dict(alloc)]
    if "crew" in change:
        allocations = [{"resourceId": cat.gid("Jordan Blake"), "role": change["crew"]}]
    variables = booking_input(
        cat, change.get("start", at(0, 9)), change.get("end", at(0, 11)), allocations, **change.get("extra", {})
    )
    result = (await studio.gql(CREATE, {"input": variables}))["data"]["createBooking"]
    assert result["code"] == code, result
    assert result.get("field") == field
    assert await _count(studio) == 0


@pytest.mark.parametrize("value", ["2031-03-03T09:00:00", "1900-01-01T00:00:00Z", "not a date"])
async def test_naive_or_out_of_range_datetimes_are_refused_by_the_scalar(studio: StudioFixture, value: str) -> None:
    cat = await build(studio)
    variables = booking_input(cat, at(0, 9), at(0, 10), [{"resourceId": cat.gid("Studio A")}])
    variables["start"] = value
    body = await studio.gql(CREATE, {"input": variables})
    assert body.get("data") is None and body["errors"]
    assert await _count(studio) == 0


async def test_retired_resources_and_kits_with_retired_items(studio: StudioFixture) -> None:
    cat = await build(studio)

    async def retire(tx: Tx) -> None:
        await tx.session.execute(
            update(Resource)
            .where(Resource.id.in_([cat.ids["Studio C"], cat.ids["Lens B"]]))
            .values(retired_at=utcnow())
        )

    await studio.runtime.uow.run(retire, studio_id=studio.id)
    room = await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"resourceId": cat.gid("Studio C")}])
    assert (room["code"], room["field"]) == ("VALIDATION", "allocations[0].resourceId")
    kit = await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"kitId": cat.kit("Camera package B")}])
    assert (kit["code"], kit["field"]) == ("VALIDATION", "allocations[0].kitId")
    assert "Lens B" in kit["message"]
    assert await _count(studio) == 0


async def test_resources_of_another_studio_read_as_not_found(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    cat = await build(studio)
    theirs = await build(other_studio)
    result = await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"resourceId": theirs.gid("Studio A")}])
    assert result == {"__typename": "NotFoundError", "code": "NOT_FOUND", "message": "No such resource."}
    kit = await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"kitId": theirs.kit("Camera package A")}])
    assert kit["code"] == "NOT_FOUND"
    project = await studio.gql(
        CREATE,
        {"input": booking_input(theirs, at(0, 9), at(0, 10), [{"resourceId": cat.gid("Studio A")}])},
    )
    assert project["data"]["createBooking"]["code"] == "NOT_FOUND"


async def test_idempotency_key_replays_and_refuses_other_input(studio: StudioFixture) -> None:
    cat = await build(studio)
    variables = booking_input(cat, at(0, 9), at(0, 10), [{"resourceId": cat.gid("Studio A")}], idempotencyKey="k-1")
    first = (await studio.gql(CREATE, {"input": variables}))["data"]["createBooking"]
    again = (await studio.gql(CREATE, {"input": variables}))["data"]["createBooking"]
    assert first["__typename"] == again["__typename"] == "BookingCreated"
    assert first["booking"]["id"] == again["booking"]["id"]
    variables["title"] = "Something else"
    other = (await studio.gql(CREATE, {"input": variables}))["data"]["createBooking"]
    assert other["code"] == "IDEMPOTENCY_MISMATCH"
    assert await _count(studio) == 1


async def test_stock_pool_is_never_over_committed(studio: StudioFixture) -> None:
    cat = await build(studio)
    pool = cat.gid("XLR cables")
    six = await create(cat, start=at(0, 9), end=at(0, 12), allocations=[{"resourceId": pool, "quantity": 6}])
    assert six["__typename"] == "BookingCreated"
    five = await create(cat, start=at(0, 11), end=at(0, 13), allocations=[{"resourceId": pool, "quantity": 5}])
    assert five["__typename"] == "ConflictError"
    four = await create(cat, start=at(0, 11), end=at(0, 13), allocations=[{"resourceId": pool, "quantity": 4}])
    assert four["__typename"] == "BookingCreated"
    after = await create(cat, start=at(0, 12), end=at(0, 14), allocations=[{"resourceId": pool, "quantity": 6}])
    assert after["__typename"] == "BookingCreated"
    data = await studio.data(
        "query($i: AvailabilityInput!) { availability(input: $i) { resource { name } availableQuantity } }",
        {"i": {"start": iso(at(0, 8)), "end": iso(at(0, 14)), "kind": "STOCK"}},
    )
    assert data["availability"] == []
    data = await studio.data(
        "query($i: AvailabilityInput!) { availability(input: $i) { resource { name } availableQuantity } }",
        {"i": {"start": iso(at(0, 13)), "end": iso(at(0, 14)), "kind": "STOCK", "quantity": 4}},
    )
    assert data["availability"] == [{"resource": {"name": "XLR cables"}, "availableQuantity": 4}]


async def _expire_in_db(studio: StudioFixture, booking_gid: str) -> int:
    from server.schema.ids import parse_global_id

    parsed = parse_global_id(booking_gid)
    assert parsed is not None

    async def lapse(tx: Tx) -> None:
        await tx.session.execute(
            update(Booking).where(Booking.id == parsed[1]).values(hold_expires_at=utcnow() - timedelta(minutes=1))
        )

    await studio.runtime.uow.run(lapse, studio_id=studio.id)
    return parsed[1]


async def test_a_lapsed_hold_stops_blocking_and_is_expired_by_the_booking_that_needs_it(studio: StudioFixture) -> None:
    cat = await build(studio)
    room = [{"resourceId": cat.gid("Studio A")}]
    hold = await create(
        cat, start=at(0, 9), end=at(0, 10), allocations=room, holdExpiresAt=iso(utcnow() + timedelta(hours=1))
    )
    assert hold["__typename"] == "BookingCreated"
    await _expire_in_db(studio, hold["booking"]["id"])
    # Availability looks past it before anyone has persisted the expiry.
    data = await studio.data(
        "query($i: AvailabilityInput!) { availability(input: $i) { resource { name } } }",
        {"i": {"start": iso(at(0, 9)), "end": iso(at(0, 10)), "category": "podcast studio"}},
    )
    assert {r["resource"]["name"] for r in data["availability"]} == {"Studio A", "Studio B"}
    taker = await create(cat, start=at(0, 9), end=at(0, 10), allocations=room)
    assert taker["__typename"] == "BookingCreated"
    node = await studio.data(
        "query($id: ID!) { node(id: $id) { ... on Booking { status } } }", {"id": hold["booking"]["id"]}
    )
    assert node["node"]["status"] == "EXPIRED"
    # Confirming the expired hold is an invalid transition.
    confirm = await studio.gql(TRANSITION, {"id": hold["booking"]["id"]})
    assert confirm["data"]["confirmBooking"] == {"__typename": "InvalidTransitionError", "code": "INVALID_TRANSITION"}


async def test_sweeper_expires_lapsed_holds_and_records_events(studio: StudioFixture) -> None:
    cat = await build(studio)
    hold = await create(
        cat,
        start=at(0, 9),
        end=at(0, 10),
        allocations=[{"resourceId": cat.gid("Studio A")}],
        holdExpiresAt=iso(utcnow() + timedelta(hours=1)),
    )
    pk = await _expire_in_db(studio, hold["booking"]["id"])
    expired = await studio.runtime.uow.run(lambda tx: holds.expire_holds(tx, utcnow()), studio_id=None)
    assert pk in expired
    again = await studio.runtime.uow.run(lambda tx: holds.expire_holds(tx, utcnow()), studio_id=None)
    assert pk not in again
    from db.repositories import events

    async with studio.runtime.uow.read() as session:
        rows = await events.since(
            session, studio.id, ["bookings", "availability", f"rooms:{studio.locations['Main floor']}"], 0
        )
    assert [(r.topic, r.type) for r in rows if r.type == "BookingExpired"] == [
        ("bookings", "BookingExpired"),
        ("availability", "BookingExpired"),
    ]


async def test_move_dry_run_reports_and_changes_nothing_then_moves(studio: StudioFixture) -> None:
    cat = await build(studio)
    blocker = await create(
        cat, start=at(0, 12), end=at(0, 14), allocations=[{"resourceId": cat.gid("Studio A")}], title="Blocker"
    )
    mine = await create(
        cat,
        start=at(0, 9),
        end=at(0, 11),
        allocations=[
            {"resourceId": cat.gid("Studio A")},
            {"resourceId": cat.gid("Edit Bay 1"), "start": iso(at(0, 11)), "end": iso(at(0, 12))},
        ],
    )
    bid = mine["booking"]["id"]
    dry = (
        await studio.gql(MOVE, {"input": {"id": bid, "start": iso(at(0, 12)), "end": iso(at(0, 14)), "dryRun": True}})
    )["data"]["moveBooking"]
    assert dry["__typename"] == "MoveImpact"
    assert dry["fits"] is False
    assert dry["conflicts"] == [{"resource": {"name": "Studio A"}, "booking": {"title": "Blocker"}}]
    assert dry["alternatives"] == []  # Studio B is a podcast studio too, but holds fewer people than A
    bay = next(a for a in dry["allocations"] if a["allocation"]["resource"]["name"] == "Edit Bay 1")
    assert (bay["start"], bay["end"]) == ("2031-03-03T14:00:00Z", "2031-03-03T15:00:00Z")
    assert dry["booking"]["start"] == "2031-03-03T09:00:00Z"
    real = (await studio.gql(MOVE, {"input": {"id": bid, "start": iso(at(0, 12)), "end": iso(at(0, 14))}}))["data"][
        "moveBooking"
    ]
    assert real["__typename"] == "ConflictError"
    ok = (await studio.gql(MOVE, {"input": {"id": bid, "start": iso(at(0, 15)), "end": iso(at(0, 17))}}))["data"][
        "moveBooking"
    ]
    assert ok["__typename"] == "BookingMoved"
    assert ok["booking"]["start"] == "2031-03-03T15:00:00Z"
    assert sorted((a["start"], a["end"]) for a in ok["booking"]["allocations"]) == [
        ("2031-03-03T15:00:00Z", "2031-03-03T17:00:00Z"),
        ("2031-03-03T17:00:00Z", "2031-03-03T18:00:00Z"),
    ]
    # The old slot is free again: the blocker's neighbour can take 9-11.
    assert (await create(cat, start=at(0, 9), end=at(0, 11), allocations=[{"resourceId": cat.gid("Studio A")}]))[
        "__typename"
    ] == "BookingCreated"
    assert blocker["__typename"] == "BookingCreated"


async def test_crew_caps_and_rest_warn_or_refuse_by_policy(studio: StudioFixture) -> None:
    cat = await build(studio)
    mina = cat.gid("Mina Haddad")  # cap 10 h a week, 11 h rest
    first = await create(cat, start=at(0, 9), end=at(0, 17), allocations=[{"resourceId": mina, "role": "editor"}])
    assert first["warnings"] == []
    second = await create(cat, start=at(1, 2), end=at(1, 5), allocations=[{"resourceId": mina, "role": "editor"}])
    assert second["__typename"] == "BookingCreated"
    assert len(second["warnings"]) == 2
    assert "11 h in the week of 2031-03-03 (cap 10 h)" in second["warnings"][0]
    assert "rest only 9 h" in second["warnings"][1]
    await set_policy(studio, crew_rules_hard=True)
    third = await create(cat, start=at(2, 9), end=at(2, 10), allocations=[{"resourceId": mina, "role": "editor"}])
    assert (third["code"], third["field"]) == ("VALIDATION", "allocations")
    assert await _count(studio) == 2


async def test_blocks_clash_with_bookings_and_lift(studio: StudioFixture) -> None:
    cat = await build(studio)
    block = """mutation($i: BlockResourceInput!) { blockResource(input: $i) { __typename
      ... on ResourceBlocked { block { id reason resource { name } } } ... on UserError { code } } }"""
    made = await studio.data(
        block,
        {"i": {"resourceId": cat.gid("Studio A"), "start": iso(at(0, 9)), "end": iso(at(0, 12)), "reason": "repair"}},
    )
    block_id = made["blockResource"]["block"]["id"]
    clash = await create(cat, start=at(0, 11), end=at(0, 13), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert clash["__typename"] == "ConflictError"
    assert clash["conflicts"][0]["booking"] is None
    lifted = await studio.data(
        "mutation($id: ID!) { unblockResource(id: $id) { __typename ... on ResourceUnblocked { block { active } } } }",
        {"id": block_id},
    )
    assert lifted["unblockResource"]["block"]["active"] is False
    assert (await create(cat, start=at(0, 11), end=at(0, 13), allocations=[{"resourceId": cat.gid("Studio A")}]))[
        "__typename"
    ] == "BookingCreated"
    again = await studio.data(
        block, {"i": {"resourceId": cat.gid("Studio A"), "start": iso(at(0, 12)), "end": iso(at(0, 14))}}
    )
    assert again["blockResource"]["__typename"] == "ConflictError"


async def test_state_machine_transitions(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"resourceId": cat.gid("Studio A")}])
    bid = made["booking"]["id"]
    ops = """mutation($id: ID!) {
      s: startBooking(id: $id) { __typename
        ... on BookingStarted { booking { status actualStart } } ... on UserError { code } }
    }"""
    assert (await studio.data(ops, {"id": bid}))["s"]["__typename"] == "InvalidTransitionError"  # a HOLD cannot start
    assert (await studio.data(TRANSITION, {"id": bid}))["confirmBooking"]["__typename"] == "BookingConfirmed"
    assert (await studio.data(TRANSITION, {"id": bid}))["confirmBooking"]["__typename"] == "InvalidTransitionError"
    started = await studio.data(ops, {"id": bid})
    assert started["s"]["booking"]["status"] == "IN_PROGRESS"
    done = await studio.data(
        "mutation($id: ID!) { completeBooking(id: $id) { __typename ... on BookingCompleted { booking { status } } } }",
        {"id": bid},
    )
    assert done["completeBooking"]["booking"]["status"] == "COMPLETED"
    cancel = await studio.data(
        "mutation($id: ID!) { cancelBooking(id: $id) { __typename ... on UserError { code } } }", {"id": bid}
    )
    assert cancel["cancelBooking"]["__typename"] == "InvalidTransitionError"
    # A completed session no longer blocks its room.
    assert (await create(cat, start=at(0, 9), end=at(0, 10), allocations=[{"resourceId": cat.gid("Studio A")}]))[
        "__typename"
    ] == "BookingCreated"


async def test_queries_availability_next_free_windows_and_bookings_filter(studio: StudioFixture) -> None:
    cat = await build(studio)
    await create(
        cat,
        start=at(0, 10),
        end=at(0, 12),
        allocations=[
            {"resourceId": cat.gid("Buffered Room")},
            {"resourceId": cat.gid("Sam Okafor"), "role": "recording engineer"},
        ],
        title="Sam's call",
    )
    await create(
        cat,
        start=at(0, 14),
        end=at(0, 15),
        allocations=[{"resourceId": cat.gid("Buffered Room")}],
        title="Later",
        status="CONFIRMED",
    )
    windows = await studio.data(
        """query($r: ID!, $f: DateTime!, $u: DateTime!) {
          nextFreeWindows(resourceId: $r, duration: 120, from: $f, until: $u) { start end } }""",
        {"r": cat.gid("Buffered Room"), "f": iso(at(0, 8)), "u": iso(at(0, 20))},
    )
    # Free 08:00-09:30 is too short for 2 h with buffers; 12:30-13:30 too; from 15:30 on it fits.
    assert windows["nextFreeWindows"] == [{"start": "2031-03-03T15:30:00Z", "end": "2031-03-03T20:00:00Z"}]
    crew = await studio.data(
        "query($i: AvailabilityInput!) { availability(input: $i) { resource { name } } }",
        {"i": {"start": iso(at(0, 11)), "end": iso(at(0, 13)), "kind": "CREW", "skills": ["editor"]}},
    )
    assert {r["resource"]["name"] for r in crew["availability"]} == {"Mina Haddad", "Theo Lindqvist"}
    listing = """query($f: BookingFilter) { bookings(filter: $f) { edges { node { title } } } }"""
    confirmed = await studio.data(listing, {"f": {"status": ["CONFIRMED"]}})
    assert [e["node"]["title"] for e in confirmed["bookings"]["edges"]] == ["Later"]
    by_crew = await studio.data(listing, {"f": {"crewMemberId": cat.gid("Sam Okafor")}})
    assert [e["node"]["title"] for e in by_crew["bookings"]["edges"]] == ["Sam's call"]
    window = await studio.data(listing, {"f": {"start": iso(at(0, 13)), "end": iso(at(0, 16))}})
    assert [e["node"]["title"] for e in window["bookings"]["edges"]] == ["Later"]
    own = await studio.gql(listing, {"f": {}}, role=Role.CREW)
    assert [e["node"]["title"] for e in own["data"]["bookings"]["edges"]] == ["Sam's call"]
    assert (await studio.gql(listing, {}, role=Role.DISPLAY))["data"]["bookings"]["edges"] == []
