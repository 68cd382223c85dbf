"""challengeHold: a queued hold makes each other project's HOLD ahead of it confirm by a deadline;
confirming answers it, an unanswered one is released by the sweeper (EXPIRED, audit reason
"challenge") and the line moves up. Bad challenges are refused with nothing changed.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from db.models import BookingStatus, Event, Role
from db.types import utcnow
from server.background.sweeper import Always, Sweeper
from server.schema.ids import to_global_id
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.graphql.holds_support import (
    CHALLENGE,
    CONFIRM,
    ROOM,
    WINDOW,
    booking_id,
    event_types,
    holders_of,
    node,
    pk,
    queue_hold,
    snapshot,
    statuses,
)


def _iso(delta: timedelta) -> str:
    return (utcnow() + delta).isoformat()


async def _line(
    studio: StudioFixture, *, expires: timedelta = timedelta(days=2), cat: Any = None, day: int = 0
) -> tuple[Any, str, str]:
    """Another project's HOLD holds the room (lapsing in `expires`); this project's hold waits behind it."""
    cat = cat or await build(studio)
    window = (at(day, 10), at(day, 12))
    holder = await queue_hold(
        cat, project=cat.other_project, title="Holder", holdExpiresAt=_iso(expires), window=window
    )
    assert holder["__typename"] == "BookingCreated"
    waiting = await queue_hold(cat, title="Challenger", window=window)
    assert waiting["__typename"] == "HoldQueued"
    return cat, booking_id(holder), booking_id(waiting)


async def _challenge(studio: StudioFixture, gid: str, respond_by: str, role: Role = Role.COORDINATOR) -> Any:
    body = await studio.gql(CHALLENGE, {"input": {"bookingId": gid, "respondBy": respond_by}}, role=role)
    assert "errors" not in body, body
    return body["data"]["challengeHold"]


def _sweeper(studio: StudioFixture) -> Sweeper:
    return Sweeper(studio.runtime.uow, studio.runtime.jobs, Always())


async def _audits(studio: StudioFixture, gid: str) -> list[dict[str, Any]]:
    async with studio.runtime.uow.read() as session:
        rows = await session.scalars(
            select(Event)
            .where(Event.studio_id == studio.id, Event.topic == "audit", Event.entity == f"Booking:{pk(gid)}")
            .order_by(Event.seq)
        )
        return [{"action": r.type, **r.payload} for r in rows]


async def test_confirming_answers_the_challenge(studio: StudioFixture) -> None:
    _cat, holder, waiting = await _line(studio)
    respond_by = _iso(timedelta(hours=1))
    result = await _challenge(studio, waiting, respond_by)
    assert result["__typename"] == "HoldChallenged"
    assert result["challenger"] == {"id": waiting, "rank": 2}
    [challenged] = result["challenged"]
    assert (challenged["id"], challenged["status"], challenged["version"]) == (holder, "HOLD", 2)
    assert challenged["challengeRespondBy"] == result["respondBy"]
    assert [e["bookingId"] for e in await event_types(studio, "HoldChallenged")] == [pk(holder)]
    confirmed = (await studio.data(CONFIRM, {"id": holder}))["confirmBooking"]
    assert confirmed["booking"] == {"id": holder, "status": "CONFIRMED", "challengeRespondBy": None}
    # The deadline passing later changes nothing.
    # (The sweeper serves every studio of the database: judge it by this studio's bookings.)
    await _sweeper(studio).tick(utcnow() + timedelta(hours=2))
    assert (await node(studio, holder))["status"] == "CONFIRMED"
    assert [a for a in await _audits(studio, holder) if a["action"] == "holdExpired"] == []
    assert (await node(studio, waiting))["rank"] == 2


async def test_an_unanswered_challenge_releases_the_hold_and_promotes(studio: StudioFixture) -> None:
    cat, holder, waiting = await _line(studio)
    result = await _challenge(studio, waiting, _iso(timedelta(minutes=30)))
    assert result["__typename"] == "HoldChallenged"
    sweeper = _sweeper(studio)
    await sweeper.tick(utcnow() + timedelta(minutes=10))
    assert (await node(studio, holder))["status"] == "HOLD"
    assert (await sweeper.tick(utcnow() + timedelta(minutes=31)))["resolve_challenges"] >= 1
    assert (await node(studio, holder))["status"] == "EXPIRED"
    assert (await node(studio, waiting))["rank"] == 1
    assert await holders_of(studio, cat.ids[ROOM]) == [pk(waiting)]
    [audit] = [a for a in await _audits(studio, holder) if a["action"] == "holdExpired"]
    assert audit["after"] == {"status": "EXPIRED", "reason": "challenge"}
    assert [p["bookingId"] for p in await event_types(studio, "HoldPromoted")] == [pk(waiting)]


@pytest.mark.parametrize(
    "case",
    ["rank one", "confirmed challenger", "confirmed ahead", "own project", "past", "after expiry", "unknown"],
)
async def test_bad_challenges_change_nothing(studio: StudioFixture, case: str) -> None:
    cat, holder, waiting = await _line(studio, expires=timedelta(hours=3))
    target, respond_by = waiting, _iso(timedelta(hours=1))
    expected: tuple[str, str | None] = ("InvalidTransitionError", None)
    if case == "rank one":
        target = holder
    elif case == "confirmed challenger":
        other = await create(cat, start=WINDOW[0], end=WINDOW[1], allocations=[{"resourceId": cat.gid("Booth")}])
        await studio.data(CONFIRM, {"id": booking_id(other)})
        target = booking_id(other)
    elif case == "confirmed ahead":
        await studio.data(CONFIRM, {"id": holder})
    elif case == "own project":
        mine = await queue_hold(cat, room="Booth", title="Mine")
        target = booking_id(await queue_hold(cat, room="Booth", title="Mine too"))
        assert mine["__typename"] == "BookingCreated"
        expected = ("ValidationError", "bookingId")
    elif case == "past":
        respond_by = _iso(-timedelta(minutes=1))
        expected = ("ValidationError", "respondBy")
    elif case == "after expiry":
        respond_by = _iso(timedelta(hours=4))
        expected = ("ValidationError", "respondBy")
    elif case == "unknown":
        target = to_global_id("Booking", 10**9)
        expected = ("NotFoundError", None)
    before = await snapshot(studio)
    result = await _challenge(studio, target, respond_by)
    assert result["__typename"] == expected[0], result
    assert result.get("field") == expected[1]
    assert await snapshot(studio) == before


@pytest.mark.parametrize("role", list(Role))
async def test_who_may_challenge(studio: StudioFixture, role: Role) -> None:
    """Staff and the producer of the waiting hold's project; nobody else, with nothing changed."""
    _cat, holder, waiting = await _line(studio)
    before = await snapshot(studio)
    result = await _challenge(studio, waiting, _iso(timedelta(hours=1)), role=role)
    if role in (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER):
        assert result["__typename"] == "HoldChallenged"
        assert [c["id"] for c in result["challenged"]] == [holder]
    else:
        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert await snapshot(studio) == before


async def test_a_producer_cannot_challenge_with_another_projects_hold(studio: StudioFixture) -> None:
    cat, _holder, _waiting = await _line(studio)
    foreign = await queue_hold(cat, project=cat.other_project, title="Theirs")
    before = await snapshot(studio)
    result = await _challenge(studio, booking_id(foreign), _iso(timedelta(hours=1)), role=Role.PRODUCER)
    assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND")
    assert await snapshot(studio) == before


async def test_confirming_at_the_deadline_has_exactly_one_outcome(studio: StudioFixture) -> None:
    """The holder confirms while the sweeper resolves the deadline: confirmed or released, never both."""
    outcomes = []
    cat = await build(studio)
    for day in range(4):
        cat, holder, waiting = await _line(studio, cat=cat, day=day)
        deadline = utcnow() + timedelta(milliseconds=400)
        assert (await _challenge(studio, waiting, deadline.isoformat()))["__typename"] == "HoldChallenged"
        await asyncio.sleep(max(0.0, (deadline - utcnow()).total_seconds()))
        sweeper = _sweeper(studio)
        confirm, _ = await asyncio.gather(studio.data(CONFIRM, {"id": holder}), sweeper.tick())
        await sweeper.tick()  # the next sweep, if the first ran a hair before the deadline
        status = (await statuses(studio, [pk(holder)]))[pk(holder)]
        answer = confirm["confirmBooking"]["__typename"]
        expired = [a for a in await _audits(studio, holder) if a["action"] == "holdExpired"]
        holding = set(await holders_of(studio, cat.ids[ROOM]))
        if answer == "BookingConfirmed":
            assert status == BookingStatus.CONFIRMED
            assert expired == []
            assert pk(holder) in holding and pk(waiting) not in holding
        else:
            assert answer == "InvalidTransitionError"
            assert status == BookingStatus.EXPIRED
            assert len(expired) == 1
            assert pk(waiting) in holding and pk(holder) not in holding
        outcomes.append(answer)
    assert set(outcomes) <= {"BookingConfirmed", "InvalidTransitionError"}


async def test_a_later_challenge_cannot_extend_an_earlier_deadline(studio: StudioFixture) -> None:
    cat, holder, waiting = await _line(studio)
    early = _iso(timedelta(minutes=20))
    await _challenge(studio, waiting, early)
    second = await queue_hold(cat, project=cat.project, title="Third in line")
    result = await _challenge(studio, booking_id(second), _iso(timedelta(hours=1)))
    assert result["__typename"] == "HoldChallenged"
    assert result["challenged"][0]["challengeRespondBy"] == (await node(studio, holder))["challengeRespondBy"]
    assert (await node(studio, holder))["challengeRespondBy"].startswith(early[:16])
