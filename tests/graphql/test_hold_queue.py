"""Ranked holds: createBooking(queueIfTaken) queues a HOLD behind the bookings holding its slot; a
booking ahead that lets go promotes the first queued hold that fits, in the same transaction.

Runs on whichever backend the suite runs on (SQLite by default, PostgreSQL with
CALLSHEET_TEST_DATABASE_URL), through the real app.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from db.models import BookingStatus, Role
from db.repositories import queue as queue_rows
from db.types import utcnow
from server.background.sweeper import Always, Sweeper
from tests.alloc_support import CREATE, at, booking_input, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.holds_support import (
    CANCEL,
    CONFIRM,
    QUEUE,
    ROOM,
    WINDOW,
    booking_id,
    event_types,
    holders_of,
    line,
    node,
    overlaps,
    pk,
    queue_hold,
    snapshot,
    statuses,
)
from tests.graphql.slots_support import find
from tests.money_support import price_catalogue, set_budget

BOOK_SLOT = """
mutation($input: BookSlotInput!) { bookSlot(input: $input) { __typename
  ... on HoldQueued { rank ahead { id } } ... on UserError { code message } } }
"""

MOVE = """
mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename ... on UserError { code message } } }
"""


async def test_a_taken_slot_queues_the_hold_which_occupies_nothing(studio: StudioFixture) -> None:
    cat = await build(studio)
    first = await queue_hold(cat, project=cat.other_project, title="First")
    assert first["__typename"] == "BookingCreated"
    assert first["booking"]["rank"] == 1
    second = await queue_hold(cat, title="Second")
    assert second["__typename"] == "HoldQueued"
    assert second["rank"] == 2
    assert second["ahead"] == [{"id": booking_id(first)}]
    assert second["booking"]["status"] == "HOLD"
    assert second["booking"]["rank"] == 2
    # It claims nothing: the room's only holder is the first booking, and nothing overlaps.
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(booking_id(first))]
    assert await overlaps(studio) == 0
    third = await queue_hold(cat, title="Third")
    assert (third["rank"], [a["id"] for a in third["ahead"]]) == (3, [booking_id(first), booking_id(second)])
    # A CONFIRMED booking is not a rank holder; a queued hold keeps its rank by the line.
    assert (await node(studio, booking_id(first)))["rank"] == 1


async def test_without_the_flag_a_taken_slot_is_still_a_conflict(studio: StudioFixture) -> None:
    cat = await build(studio)
    first = await create(cat, start=WINDOW[0], end=WINDOW[1], allocations=[{"resourceId": cat.gid(ROOM)}])
    before = await snapshot(studio)
    plain = await create(cat, start=WINDOW[0], end=WINDOW[1], allocations=[{"resourceId": cat.gid(ROOM)}])
    assert plain["__typename"] == "ConflictError"
    assert [c["booking"]["id"] for c in plain["conflicts"]] == [booking_id(first)]
    assert await snapshot(studio) == before


async def test_a_block_in_the_way_is_refused_even_with_the_flag(studio: StudioFixture) -> None:
    cat = await build(studio)
    block = await studio.data(
        """mutation($input: BlockResourceInput!) { blockResource(input: $input) { __typename } }""",
        {"input": {"resourceId": cat.gid(ROOM), "start": WINDOW[0].isoformat(), "end": WINDOW[1].isoformat()}},
    )
    assert block["blockResource"]["__typename"] == "ResourceBlocked"
    before = await snapshot(studio)
    refused = await queue_hold(cat)
    assert (refused["__typename"], refused["code"]) == ("ConflictError", "CONFLICT")
    assert await snapshot(studio) == before
    # A booking ahead and a block: still refused (the block can never be waited out by promotion).
    other = cat.gid("Studio B")
    await create(cat, start=WINDOW[0], end=WINDOW[1], allocations=[{"resourceId": other}])
    await studio.data(
        """mutation($input: BlockResourceInput!) { blockResource(input: $input) { __typename } }""",
        {"input": {"resourceId": other, "start": WINDOW[1].isoformat(), "end": at(0, 14).isoformat()}},
    )
    before = await snapshot(studio)
    body = await studio.gql(
        CREATE,
        {
            "input": {
                **booking_input(cat, WINDOW[0], at(0, 13), [{"resourceId": other}]),
                "queueIfTaken": True,
            }
        },
    )
    assert body["data"]["createBooking"]["__typename"] == "ConflictError"
    assert await snapshot(studio) == before


async def test_only_a_hold_may_queue(studio: StudioFixture) -> None:
    cat = await build(studio)
    await queue_hold(cat)
    before = await snapshot(studio)
    refused = await queue_hold(cat, status="CONFIRMED")
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "ValidationError",
        "VALIDATION",
        "queueIfTaken",
    )
    assert await snapshot(studio) == before


async def test_a_queued_hold_cannot_be_confirmed_moved_or_grown(studio: StudioFixture) -> None:
    cat = await build(studio)
    await queue_hold(cat)
    queued = booking_id(await queue_hold(cat))
    before = await snapshot(studio)
    confirm = (await studio.data(CONFIRM, {"id": queued}))["confirmBooking"]
    assert (confirm["__typename"], confirm["code"]) == ("InvalidTransitionError", "INVALID_TRANSITION")
    moved = await studio.data(
        MOVE, {"input": {"id": queued, "start": at(1, 10).isoformat(), "end": at(1, 12).isoformat()}}
    )
    assert moved["moveBooking"]["__typename"] == "InvalidTransitionError"
    grown = await studio.data(
        """mutation($input: AddAllocationsInput!) { addAllocations(input: $input) { __typename } }""",
        {"input": {"bookingId": queued, "allocations": [{"resourceId": cat.gid("Booth")}]}},
    )
    assert grown["addAllocations"]["__typename"] == "InvalidTransitionError"
    assert await snapshot(studio) == before


async def test_cancelling_rank_one_promotes_exactly_the_next_in_line(studio: StudioFixture) -> None:
    cat = await build(studio)
    ids = [booking_id(await queue_hold(cat, title=f"h{i}")) for i in range(4)]
    assert await line(studio, ids) == {ids[0]: 1, ids[1]: 2, ids[2]: 3, ids[3]: 4}
    cancelled = (await studio.data(CANCEL, {"id": ids[0]}))["cancelBooking"]
    assert cancelled["__typename"] == "BookingCancelled"
    assert await line(studio, ids) == {ids[0]: None, ids[1]: 1, ids[2]: 2, ids[3]: 3}
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(ids[1])]
    promoted = await event_types(studio, "HoldPromoted")
    assert [p["bookingId"] for p in promoted] == [pk(ids[1])]
    # Its version moved (the system changed it) and it can now be confirmed like any hold.
    assert (await node(studio, ids[1]))["version"] == 2
    confirm = (await studio.data(CONFIRM, {"id": ids[1]}))["confirmBooking"]
    assert confirm["booking"]["status"] == "CONFIRMED"
    # Cancelling a queued hold frees nothing and promotes nobody; the line closes up.
    await studio.data(CANCEL, {"id": ids[2]})
    assert await line(studio, ids[3:]) == {ids[3]: 2}
    assert len(await event_types(studio, "HoldPromoted")) == 1
    assert await overlaps(studio) == 0


async def test_promotion_skips_a_hold_that_does_not_fit_and_takes_the_next(studio: StudioFixture) -> None:
    cat = await build(studio)
    room_b = cat.gid("Studio B")
    first = booking_id(await queue_hold(cat))
    # Waits for the room and also wants Studio B, which a confirmed booking holds: it cannot fit.
    await create(cat, start=WINDOW[0], end=WINDOW[1], allocations=[{"resourceId": room_b}], status="CONFIRMED")
    body = await studio.gql(
        QUEUE,
        {
            "input": {
                **booking_input(cat, WINDOW[0], WINDOW[1], [{"resourceId": cat.gid(ROOM)}, {"resourceId": room_b}]),
                "queueIfTaken": True,
            }
        },
    )
    both = body["data"]["createBooking"]
    assert (both["__typename"], both["rank"]) == ("HoldQueued", 2)
    wide = await queue_hold(cat, title="Room only")
    assert wide["rank"] == 3
    await studio.data(CANCEL, {"id": first})
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(booking_id(wide))]
    assert (await node(studio, booking_id(wide)))["rank"] == 1
    assert (await node(studio, booking_id(both)))["rank"] == 2
    assert await overlaps(studio) == 0


async def test_twenty_concurrent_queued_holds_rank_one_to_twenty(studio: StudioFixture) -> None:
    cat = await build(studio)
    results = await asyncio.gather(*(queue_hold(cat, title=f"c{i}") for i in range(20)))
    kinds = Counter(r["__typename"] for r in results)
    assert kinds == {"BookingCreated": 1, "HoldQueued": 19}
    answered = sorted(r["rank"] if r["__typename"] == "HoldQueued" else r["booking"]["rank"] for r in results)
    assert answered == list(range(1, 21))
    ids = [booking_id(r) for r in results]
    ranks = await line(studio, ids)
    assert sorted(ranks.values()) == list(range(1, 21))  # type: ignore[type-var]
    assert await overlaps(studio) == 0
    first = next(g for g, r in ranks.items() if r == 1)
    await studio.data(CANCEL, {"id": first})
    after = await line(studio, [g for g in ids if g != first])
    assert sorted(after.values()) == list(range(1, 20))  # type: ignore[type-var]
    promoted = await event_types(studio, "HoldPromoted")
    second = next(g for g, r in ranks.items() if r == 2)
    assert [p["bookingId"] for p in promoted] == [pk(second)]
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(second)]


async def test_ten_concurrent_cancellations_leave_the_line_consistent(studio: StudioFixture) -> None:
    cat = await build(studio)
    ids = [booking_id(await queue_hold(cat, title=f"q{i}")) for i in range(20)]
    # Rank 1 and every other hold up to rank 19 leave at once.
    leaving = ids[0:19:2]
    assert len(leaving) == 10
    answers = await asyncio.gather(*(studio.data(CANCEL, {"id": g}) for g in leaving))
    assert [a["cancelBooking"]["__typename"] for a in answers] == ["BookingCancelled"] * 10
    staying = [g for g in ids if g not in leaving]
    ranks = await line(studio, staying)
    # Dense, in the original order, and the first that stayed holds the room alone.
    assert [ranks[g] for g in staying] == list(range(1, 11))
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(staying[0])]
    assert await overlaps(studio) == 0
    left = await statuses(studio, [pk(g) for g in leaving])
    assert set(left.values()) == {BookingStatus.CANCELLED}


async def test_a_promotion_the_budget_refuses_leaves_the_hold_queued_and_takes_the_next(
    studio: StudioFixture,
) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    # Two hours of a podcast studio cost 170.00: the budgeted project cannot afford it.
    assert (await set_budget(cat, "100"))["__typename"] == "ProjectBudgetSet"
    holder = booking_id(await queue_hold(cat, project=cat.other_project, title="Holder"))
    # Queuing costs nothing, so the budget lets the hold join the line.
    poor = await queue_hold(cat, title="Over budget", role=Role.PRODUCER)
    assert (poor["__typename"], poor["rank"]) == ("HoldQueued", 2)
    rich = await queue_hold(cat, project=cat.other_project, title="Unbudgeted")
    assert rich["rank"] == 3
    await studio.data(CANCEL, {"id": holder})
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(booking_id(rich))]
    poor_now = await node(studio, booking_id(poor))
    assert (poor_now["status"], poor_now["rank"], poor_now["version"]) == ("HOLD", 2, 1)
    refused = await event_types(studio, "HoldPromotionRefused")
    assert [(r["bookingId"], "over the approved budget" in r["reason"]) for r in refused] == [
        (pk(booking_id(poor)), True)
    ]
    assert [p["bookingId"] for p in await event_types(studio, "HoldPromoted")] == [pk(booking_id(rich))]
    # The refused hold recorded no scope change and no claim.
    async with studio.runtime.uow.read() as session:
        assert await queue_rows.waiting(session, studio.id, [pk(booking_id(poor))])


async def test_queueing_replays_by_idempotency_key(studio: StudioFixture) -> None:
    cat = await build(studio)
    await queue_hold(cat)
    first = await queue_hold(cat, idempotencyKey="pencil-1")
    again = await queue_hold(cat, idempotencyKey="pencil-1")
    assert first["__typename"] == again["__typename"] == "HoldQueued"
    assert booking_id(first) == booking_id(again)
    assert again["rank"] == 2


async def test_an_expired_hold_promotes_the_next_and_a_lapsed_queued_hold_is_skipped(studio: StudioFixture) -> None:
    cat = await build(studio)
    now = utcnow()
    holder = booking_id(await queue_hold(cat, title="Lapsing", holdExpiresAt=(now + timedelta(hours=1)).isoformat()))
    lapsing = booking_id(
        await queue_hold(cat, title="Queued, lapsing", holdExpiresAt=(now + timedelta(minutes=30)).isoformat())
    )
    waiting = booking_id(await queue_hold(cat, title="Queued"))
    assert await line(studio, [holder, lapsing, waiting]) == {holder: 1, lapsing: 2, waiting: 3}
    # The sweeper at a moment past both expiries: the queued hold that lapsed is not promoted.
    await Sweeper(studio.runtime.uow, studio.runtime.jobs, Always()).tick(now + timedelta(hours=2))
    after = await statuses(studio, [pk(holder), pk(lapsing), pk(waiting)])
    assert after == {
        pk(holder): BookingStatus.EXPIRED,
        pk(lapsing): BookingStatus.EXPIRED,
        pk(waiting): BookingStatus.HOLD,
    }
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(waiting)]
    assert (await node(studio, waiting))["rank"] == 1
    assert [p["bookingId"] for p in await event_types(studio, "HoldPromoted")] == [pk(waiting)]


async def test_book_slot_queues_when_the_slot_was_taken_meanwhile(studio: StudioFixture) -> None:
    cat = await build(studio)
    needs = [{"kind": "ROOM", "category": "podcast studio", "minCapacity": 5}]
    body = await find(
        studio, needs=needs, durationMinutes=120, **{"from": iso(WINDOW[0])}, until=iso(WINDOW[1]), first=1
    )
    (slot,) = body["data"]["findSlots"]
    assert [a["resource"]["name"] for a in slot["assignments"]] == [ROOM]
    taken = await queue_hold(cat, project=cat.other_project, title="Meanwhile")
    before = await snapshot(studio)
    book = {"projectId": cat.project, "slotKey": slot["key"], "title": "From the finder"}
    refused = (await studio.data(BOOK_SLOT, {"input": book}))["bookSlot"]
    assert refused["__typename"] == "ConflictError"
    assert await snapshot(studio) == before
    queued = (await studio.data(BOOK_SLOT, {"input": {**book, "queueIfTaken": True}}))["bookSlot"]
    assert (queued["__typename"], queued["rank"], queued["ahead"]) == ("HoldQueued", 2, [{"id": booking_id(taken)}])


async def test_a_pool_with_room_to_spare_does_not_raise_the_rank(studio: StudioFixture) -> None:
    cat = await build(studio)
    cables = cat.gid("XLR cables")
    for room in ("Studio B", "Studio C", "Booth"):
        other = await create(
            cat,
            start=WINDOW[0],
            end=WINDOW[1],
            allocations=[{"resourceId": cat.gid(room)}, {"resourceId": cables, "quantity": 2}],
        )
        assert other["__typename"] == "BookingCreated"
    holder = await queue_hold(cat, project=cat.other_project)
    body = await studio.data(
        QUEUE,
        {
            "input": {
                **booking_input(
                    cat, WINDOW[0], WINDOW[1], [{"resourceId": cat.gid(ROOM)}, {"resourceId": cables, "quantity": 2}]
                ),
                "queueIfTaken": True,
            }
        },
    )
    queued = body["createBooking"]
    # Three bookings share the cables (6 of 10), but only the room's holder is in the way.
    assert (queued["__typename"], queued["rank"], queued["ahead"]) == ("HoldQueued", 2, [{"id": booking_id(holder)}])
    await studio.data(CANCEL, {"id": booking_id(holder)})
    assert (await node(studio, booking_id(queued)))["rank"] == 1
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(booking_id(queued))]


async def test_moving_the_holder_off_its_slot_promotes_the_next_in_line(studio: StudioFixture) -> None:
    """A holder moved to where it still overlaps its old window promotes no one (the next in line
    would not fit); moved clear of it, the first queued hold takes the slot in the same transaction."""
    cat = await build(studio)
    ids = [booking_id(await queue_hold(cat, title=f"h{i}")) for i in range(3)]
    assert await line(studio, ids) == {ids[0]: 1, ids[1]: 2, ids[2]: 3}

    nudged = await studio.data(
        MOVE, {"input": {"id": ids[0], "start": at(0, 11).isoformat(), "end": at(0, 13).isoformat()}}
    )
    assert nudged["moveBooking"]["__typename"] == "BookingMoved"
    assert await line(studio, ids) == {ids[0]: 1, ids[1]: 2, ids[2]: 3}
    assert await event_types(studio, "HoldPromoted") == []

    moved = await studio.data(
        MOVE, {"input": {"id": ids[0], "start": at(1, 10).isoformat(), "end": at(1, 12).isoformat()}}
    )
    assert moved["moveBooking"]["__typename"] == "BookingMoved"
    # The mover holds its new slot (rank 1 there); behind its old one the line moved up.
    assert await line(studio, ids) == {ids[0]: 1, ids[1]: 1, ids[2]: 2}
    assert sorted(await holders_of(studio, cat.ids[ROOM])) == sorted([pk(ids[0]), pk(ids[1])])
    assert [p["bookingId"] for p in await event_types(studio, "HoldPromoted")] == [pk(ids[1])]
    assert await overlaps(studio) == 0


STARTED = """mutation($id: ID!, $at: DateTime) { startBooking(id: $id, at: $at) { __typename } }"""
COMPLETED = """mutation($id: ID!, $at: DateTime) { completeBooking(id: $id, at: $at) { __typename } }"""


async def test_a_session_completed_early_gives_the_rest_of_its_slot_to_the_line(studio: StudioFixture) -> None:
    """Completed at 11:30 of 10:00-14:00, the session lets go of 11:30-14:00: the hold queued for
    12:30-13:30 takes it in the same transaction; the one queued for 10:00-11:00 needed time that is
    over, and stays in line."""
    cat = await build(studio)
    session = await queue_hold(cat, project=cat.other_project, title="Session", window=(at(0, 10), at(0, 14)))
    holder = booking_id(session)
    assert (await studio.data(CONFIRM, {"id": holder}))["confirmBooking"]["__typename"] == "BookingConfirmed"
    early = booking_id(await queue_hold(cat, title="Early", window=(at(0, 10), at(0, 11))))
    late = booking_id(await queue_hold(cat, title="Late", window=(at(0, 12.5), at(0, 13.5))))
    assert await line(studio, [early, late]) == {early: 2, late: 2}
    started = await studio.data(STARTED, {"id": holder, "at": iso(at(0, 10))})
    assert started["startBooking"]["__typename"] == "BookingStarted"

    done = await studio.data(COMPLETED, {"id": holder, "at": iso(at(0, 11.5))})
    assert done["completeBooking"]["__typename"] == "BookingCompleted"
    assert [p["bookingId"] for p in await event_types(studio, "HoldPromoted")] == [pk(late)]
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(late)]
    hold = BookingStatus.HOLD
    assert await statuses(studio, [pk(early), pk(late)]) == {pk(early): hold, pk(late): hold}
    assert (await node(studio, early))["rank"] == 1  # first in line, yet queued (it holds nothing): its time is over
    assert await overlaps(studio) == 0
