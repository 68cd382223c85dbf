"""Notifications: written in the transaction of the change, one per (event, recipient), each kind to
the people it concerns; a person reads and marks only their own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db.models import Booking, Notification, Reminder, Resource, Role, User
from db.types import utcnow
from server.events.types import BOOKINGS, DomainEvent
from server.schema.ids import parse_global_id, to_global_id
from server.services.notifications import reminders
from server.services.uow import Tx
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.test_requests import APPROVE, DECLINE, REQUEST, _ask, _portal

INBOX = """query($unread: Boolean) { notifications(unreadOnly: $unread, first: 50) { edges { node {
  id kind title body readAt booking { id title } } } } }"""
MARK = (
    """mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) { __typename ... on NotificationsRead { count } } }"""
)
MOVE = """mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename } }"""
REMOVE = """mutation($id: ID!) { removeAllocation(id: $id) { __typename } }"""
ADD = """mutation($input: AddAllocationsInput!) { addAllocations(input: $input) { __typename } }"""


async def inbox(studio: StudioFixture, role: Role, unread: bool = False) -> list[dict[str, Any]]:
    data = await studio.data(INBOX, {"unread": unread}, role=role)
    return [e["node"] for e in data["notifications"]["edges"]]


async def kinds(studio: StudioFixture) -> dict[Role, list[str]]:
    return {role: [n["kind"] for n in await inbox(studio, role)] for role in Role}


async def _rows(studio: StudioFixture) -> list[Notification]:
    async with studio.runtime.uow.read() as session:
        found = await session.scalars(
            select(Notification).where(Notification.studio_id == studio.id).order_by(Notification.id)
        )
        return list(found)


async def test_a_request_its_approval_and_its_decline_tell_the_right_people(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await studio.data(REQUEST, {"input": _ask(cat, note="Bring the good mics")}, role=Role.CLIENT))[
        "requestBooking"
    ]["booking"]
    assert await kinds(studio) == {
        Role.ADMIN: ["BOOKING_REQUESTED"],
        Role.COORDINATOR: ["BOOKING_REQUESTED"],
        Role.PRODUCER: [],
        Role.CREW: [],
        Role.SCANNER: [],
        Role.DISPLAY: [],
        Role.CLIENT: [],
    }
    told = (await inbox(studio, Role.COORDINATOR))[0]
    assert told["title"] == "Booking requested: Album launch"
    assert "Acme Records asks for Album launch (Other show)" in told["body"] and "Bring the good mics" in told["body"]
    assert told["booking"] == {"id": asked["id"], "title": "Album launch"}
    second = (await studio.data(REQUEST, {"input": _ask(cat, day=2)}, role=Role.CLIENT))["requestBooking"]["booking"]
    await studio.data(APPROVE, {"input": {"id": asked["id"]}}, role=Role.COORDINATOR)
    await studio.data(DECLINE, {"input": {"id": second["id"], "reason": "Fully booked"}}, role=Role.COORDINATOR)
    client = await inbox(studio, Role.CLIENT)
    # The requester is the client's own person: told once per change, not twice.
    assert [n["kind"] for n in client] == ["BOOKING_DECLINED", "BOOKING_APPROVED"]
    assert client[0]["body"].endswith("Reason: Fully booked")
    assert client[1]["title"] == "Request approved: Album launch" and "is now HOLD" in client[1]["body"]
    assert (await kinds(studio))[Role.ADMIN] == ["BOOKING_REQUESTED", "BOOKING_REQUESTED"]


async def test_a_request_made_for_a_client_tells_the_requester_and_the_client(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    asked = (await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.PRODUCER))["requestBooking"]
    assert asked["__typename"] == "ForbiddenError"  # not the producer's project
    asked = (await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.COORDINATOR))["requestBooking"]["booking"]
    await studio.data(DECLINE, {"input": {"id": asked["id"], "reason": "No"}}, role=Role.ADMIN)
    found = await kinds(studio)
    assert found[Role.COORDINATOR] == ["BOOKING_DECLINED", "BOOKING_REQUESTED"]
    assert found[Role.CLIENT] == ["BOOKING_DECLINED"]


async def test_one_notification_per_event_and_recipient(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
    first = (await _rows(studio))[0]

    async def again(tx: Tx) -> None:
        tx.session.add(
            Notification(
                studio_id=studio.id,
                event_seq=first.event_seq,
                recipient=first.recipient,
                user_id=first.user_id,
                kind=first.kind,
                title="again",
                body="again",
                email_attempts=0,
            )
        )
        await tx.session.flush()

    with pytest.raises(IntegrityError):
        await studio.runtime.uow.run(again, studio_id=studio.id)
    assert len(await _rows(studio)) == 2  # the administrator's and the coordinator's


async def test_marking_read_touches_only_your_own(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    for day in (1, 2):
        await studio.data(REQUEST, {"input": _ask(cat, day=day)}, role=Role.CLIENT)
    mine = [n["id"] for n in await inbox(studio, Role.ADMIN)]
    theirs = [n["id"] for n in await inbox(studio, Role.COORDINATOR)]
    refused = (await studio.data(MARK, {"ids": [*theirs, "not-an-id", to_global_id("Booking", 1)]}))[
        "markNotificationsRead"
    ]
    assert refused == {"__typename": "NotificationsRead", "count": 0}
    assert all(n["readAt"] is None for n in await inbox(studio, Role.COORDINATOR))
    done = (await studio.data(MARK, {"ids": mine[:1]}))["markNotificationsRead"]
    assert done["count"] == 1
    assert [n["id"] for n in await inbox(studio, Role.ADMIN, unread=True)] == mine[1:]
    assert (await studio.data(MARK, {"ids": mine}))["markNotificationsRead"]["count"] == 1
    assert await inbox(studio, Role.ADMIN, unread=True) == []
    # Devices have no person, so no notifications.
    assert (await studio.data(MARK, {"ids": mine}, role=Role.SCANNER))["markNotificationsRead"]["count"] == 0


async def _crew_email(studio: StudioFixture, cat: Catalogue) -> None:
    """Mina has no account but an address; Sam is the CREW token's person."""

    async def work(tx: Tx) -> None:
        await tx.session.execute(
            update(Resource).where(Resource.id == cat.ids["Mina Haddad"]).values(email="mina@example.com")
        )

    await studio.runtime.uow.run(work, studio_id=studio.id)


async def test_crew_are_told_when_their_call_is_added_moved_or_removed(studio: StudioFixture) -> None:
    cat = await build(studio)
    await _crew_email(studio, cat)
    made = await create(
        cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}], title="Podcast"
    )
    booking = made["booking"]["id"]
    assert await inbox(studio, Role.CREW) == []
    added = {"bookingId": booking, "allocations": [{"resourceId": cat.gid("Sam Okafor")}]}
    assert (await studio.data(ADD, {"input": added}))["addAllocations"]["__typename"] == "AllocationsAdded"
    crew = await inbox(studio, Role.CREW)
    assert [(n["kind"], n["booking"]["id"]) for n in crew] == [("CALL_CHANGED", booking)]
    assert crew[0]["body"].startswith("You are called: Podcast")
    moved = {"id": booking, "start": iso(at(1, 14)), "end": iso(at(1, 16))}
    assert (await studio.data(MOVE, {"input": moved}))["moveBooking"]["__typename"] == "BookingMoved"
    mina = {"bookingId": booking, "allocations": [{"resourceId": cat.gid("Mina Haddad")}]}
    await studio.data(ADD, {"input": mina})
    sam = [
        a["id"]
        for a in (
            await studio.data(
                f'{{ node(id: "{booking}") {{ ... on Booking {{ allocations {{ id resource {{ name }} }} }} }} }}'
            )
        )["node"]["allocations"]
        if a["resource"]["name"] == "Sam Okafor"
    ]
    assert (await studio.data(REMOVE, {"id": sam[0]}))["removeAllocation"]["__typename"] == "AllocationRemoved"
    bodies = [n["body"].split(":")[0] for n in await inbox(studio, Role.CREW)]
    assert bodies == ["You are no longer called", "Your call moved", "You are called"]
    # Mina has no account: her notification is e-mail only, to her resource, and only for her own change.
    minas = [n for n in await _rows(studio) if n.resource_id == cat.ids["Mina Haddad"]]
    assert [(n.kind, n.user_id, n.recipient) for n in minas] == [
        ("CALL_CHANGED", None, f"resource:{cat.ids['Mina Haddad']}")
    ]
    # Nobody but the crew was told of these changes.
    assert all(n.kind == "CALL_CHANGED" for n in await _rows(studio))


async def _emit(studio: StudioFixture, type_: str, payload: dict[str, Any], topic: str = BOOKINGS) -> None:
    async def work(tx: Tx) -> None:
        tx.emit(DomainEvent(topic, type_, payload))

    await studio.runtime.uow.run(work, studio_id=studio.id)


async def _made_by(studio: StudioFixture, cat: Catalogue, role: Role, day: int) -> tuple[str, int]:
    made = await create(
        cat, role=role, start=at(day, 10), end=at(day, 12), allocations=[{"resourceId": cat.gid("Booth")}]
    )
    gid = made["booking"]["id"]
    return gid, (parse_global_id(gid) or ("", 0))[1]


async def test_hold_and_review_events_are_mapped_to_their_people(studio: StudioFixture) -> None:
    cat = await build(studio)
    producers, producer_pk = await _made_by(studio, cat, Role.PRODUCER, 1)
    coordinators, coordinator_pk = await _made_by(studio, cat, Role.COORDINATOR, 2)
    await _emit(
        studio,
        "HoldChallenged",
        {"bookingId": 0, "challengedIds": [producer_pk, coordinator_pk], "respondBy": iso(at(0, 18))},
    )
    await _emit(studio, "HoldPromoted", {"bookingId": producer_pk, "projectId": cat.project_id})
    await _emit(studio, "HoldPromotionRefused", {"bookingId": coordinator_pk, "projectId": cat.project_id})
    await _emit(
        studio,
        "ReviewDecided",
        {"projectId": cat.project_id, "mediaAssetId": 7, "decision": "CHANGES_REQUESTED"},
        topic="projects",
    )
    found = await kinds(studio)
    assert found[Role.PRODUCER] == ["REVIEW_DECIDED", "HOLD_PROMOTED", "HOLD_CHALLENGED"]
    assert found[Role.COORDINATOR] == ["HOLD_PROMOTION_REFUSED", "HOLD_CHALLENGED"]
    assert found[Role.ADMIN] == found[Role.CLIENT] == found[Role.CREW] == []
    challenged = (await inbox(studio, Role.PRODUCER))[2]
    assert challenged["booking"]["id"] == producers and "Confirm Session" in challenged["body"]
    assert (await inbox(studio, Role.COORDINATOR))[1]["booking"]["id"] == coordinators
    assert (await inbox(studio, Role.PRODUCER))[0]["title"] == "Review changes requested: Founders Unfiltered"
    # Two of one person's holds challenged at once: one notification for that event and person.
    _, second_pk = await _made_by(studio, cat, Role.PRODUCER, 3)
    await _emit(studio, "HoldChallenged", {"bookingId": 0, "challengedIds": [producer_pk, second_pk]})
    assert (await kinds(studio))[Role.PRODUCER] == [
        "HOLD_CHALLENGED",
        "REVIEW_DECIDED",
        "HOLD_PROMOTED",
        "HOLD_CHALLENGED",
    ]


async def test_a_hold_lapsing_within_a_day_is_reminded_once(studio: StudioFixture) -> None:
    cat = await build(studio)
    gid, pk = await _made_by(studio, cat, Role.PRODUCER, 1)
    now = utcnow()
    soon, later = now + timedelta(hours=20), now + timedelta(hours=30)

    async def expiring(tx: Tx) -> None:
        await tx.session.execute(update(Booking).where(Booking.id == pk).values(hold_expires_at=later))

    await studio.runtime.uow.run(expiring, studio_id=studio.id)
    async with studio.runtime.uow.read() as session:
        due = await reminders.next_hold_expiring(session, now)
    # The earliest of every studio's: no later than this hold's reminder.
    assert due is not None and due <= later - timedelta(days=1)
    # The job sweeps every studio; this hold is not due for a reminder yet.
    assert pk not in await studio.runtime.uow.run(lambda tx: reminders.hold_expiring(tx, now), studio_id=None)

    async def sooner(tx: Tx) -> None:
        await tx.session.execute(update(Booking).where(Booking.id == pk).values(hold_expires_at=soon))

    await studio.runtime.uow.run(sooner, studio_id=studio.id)
    assert pk in await studio.runtime.uow.run(lambda tx: reminders.hold_expiring(tx, now), studio_id=None)
    assert pk not in await studio.runtime.uow.run(lambda tx: reminders.hold_expiring(tx, now), studio_id=None)
    told = await inbox(studio, Role.PRODUCER)
    assert [(n["kind"], n["booking"]["id"]) for n in told] == [("HOLD_EXPIRING", gid)]
    async with studio.runtime.uow.read() as session:
        kept = await session.scalars(
            select(Reminder.deadline).where(Reminder.kind == "HOLD_EXPIRING", Reminder.subject_id == pk)
        )
        assert list(kept) == [soon]


async def test_gear_due_and_overdue_are_told_to_the_cage_and_the_booker(studio: StudioFixture) -> None:
    from server.services.cage import overdue
    from tests.integration import cage_support as cs

    item = await cs.item(studio, "Camera A", code="GEAR-DUE")
    booking = await cs.booking(studio, items=[item])
    admin = await cs.principal(studio)
    from server.services.cage.checkout import check_out

    await check_out(studio.runtime.uow, admin, code="GEAR-DUE", booking_id=booking, key="gear-due-1")
    (record,) = await cs.custody_records(studio, item)
    assert record.due_at is not None
    # The job sweeps every studio: this one's check-out is among those reminded, once.
    horizon = record.due_at - timedelta(minutes=30)
    assert record.id in await studio.runtime.uow.run(lambda tx: reminders.gear_due(tx, horizon), studio_id=None)
    assert record.id not in await studio.runtime.uow.run(lambda tx: reminders.gear_due(tx, horizon), studio_id=None)
    late = record.due_at + timedelta(hours=3)
    await studio.runtime.uow.run(lambda tx: overdue.mark_overdue(tx, late), studio_id=None)
    found = await kinds(studio)
    assert found[Role.ADMIN][:2] == ["GEAR_OVERDUE", "GEAR_DUE"]
    assert found[Role.COORDINATOR][:2] == ["GEAR_OVERDUE", "GEAR_DUE"]
    assert found[Role.CLIENT] == found[Role.DISPLAY] == found[Role.SCANNER] == []
    assert (await inbox(studio, Role.ADMIN))[1]["title"] == "Gear due back: Camera A"


async def test_the_recipient_of_a_person_is_their_user_whatever_token_they_use(studio: StudioFixture) -> None:
    cat = await _portal(studio)
    token, _ = await studio.mint(Role.COORDINATOR, name="Coordinator One")
    await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
    body = await studio.gql(INBOX, {"unread": False}, token=token)
    assert [e["node"]["kind"] for e in body["data"]["notifications"]["edges"]] == ["BOOKING_REQUESTED"]
    async with studio.runtime.uow.read() as session:
        users = {u.name: u.id for u in await session.scalars(select(User).where(User.studio_id == studio.id))}
    assert {n.user_id for n in await _rows(studio)} == {users["Admin One"], users["Coordinator One"]}


def test_the_reminders_are_sweeper_jobs_that_know_when_they_are_next_due() -> None:
    from server.runtime import sweep_jobs

    jobs = {job.name: job for job in sweep_jobs()}
    assert jobs["hold_expiring"].run is reminders.hold_expiring
    assert jobs["hold_expiring"].next_due is reminders.next_hold_expiring
    assert jobs["gear_due"].run is reminders.gear_due
    assert jobs["gear_due"].next_due is reminders.next_gear_due
