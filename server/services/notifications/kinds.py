"""Which committed events become notifications, of which kind, for whom, saying what.

- BOOKING_REQUESTED (BookingRequested on bookings): the studio's coordinators and administrators.
- BOOKING_APPROVED, BOOKING_DECLINED (BookingApproved, BookingDeclined on bookings): the requester
  and the people of the project's client.
- HOLD_CHALLENGED (HoldChallenged on bookings, payload `challengedIds`): whoever made each
  challenged hold.
- HOLD_PROMOTED, HOLD_PROMOTION_REFUSED (HoldPromoted, HoldPromotionRefused on bookings): whoever
  made the hold.
- HOLD_EXPIRING (HoldExpiring on reminders, a day before): whoever made the hold.
- CALL_CHANGED (a booking created, approved, moved, cancelled or expired, crew added or removed;
  on availability): each crew member the change names (a removal: those no longer on it).
- GEAR_DUE, GEAR_OVERDUE (GearDue on reminders, two hours before; AssetOverdue on assets:*): the
  coordinators and administrators, and whoever made the booking the gear went out on.
- REVIEW_DECIDED (ReviewDecided, payload `projectId`, `mediaAssetId`, `decision`): the project's
  producer.

A CLIENT is only ever told about its own client's bookings, and its notifications name nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Booking, Event, Project, User
from db.repositories import notifications as rows
from server.events.types import AVAILABILITY, BOOKINGS
from server.services.notifications.recipients import Recipient, crew_member, person

REMINDERS = "reminders"

BOOKING_KINDS = {
    "BookingRequested": "BOOKING_REQUESTED",
    "BookingApproved": "BOOKING_APPROVED",
    "BookingDeclined": "BOOKING_DECLINED",
    "HoldChallenged": "HOLD_CHALLENGED",
    "HoldPromoted": "HOLD_PROMOTED",
    "HoldPromotionRefused": "HOLD_PROMOTION_REFUSED",
}
REMINDER_KINDS = {"HoldExpiring": "HOLD_EXPIRING", "GearDue": "GEAR_DUE"}
# Changes to who is called when: every crew member named by the change is told (a removal: those
# no longer on the booking).
CALL_EVENTS = frozenset(
    {"BookingCreated", "BookingApproved", "AllocationsAdded", "AllocationRemoved", "BookingMoved", "BookingCancelled",
     "BookingExpired"}
)  # fmt: skip
GEAR_OVERDUE = "AssetOverdue"
REVIEW_DECIDED = "ReviewDecided"


@dataclass
class Draft:
    """One notification, before it has a row per recipient."""

    event: Event
    kind: str
    title: str
    body: str
    booking_id: int | None
    recipients: list[Recipient] = field(default_factory=list)


def wanted(event: Event) -> bool:
    """Whether an event may become a notification (the rest are not looked at again)."""
    if event.topic == BOOKINGS:
        return event.type in BOOKING_KINDS
    if event.topic == AVAILABILITY:
        # Only changes that name crew: a booking of rooms and gear costs no read here.
        return event.type in CALL_EVENTS and bool(event.payload.get("crewIds"))
    if event.topic == REMINDERS:
        return event.type in REMINDER_KINDS
    if event.topic.startswith("assets:"):
        return event.type == GEAR_OVERDUE
    return event.type == REVIEW_DECIDED and not event.topic.startswith("rooms:")


def _ids(value: Any) -> list[int]:
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return []


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "an open time"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%a %d %b %Y %H:%M UTC")


@dataclass
class _World:
    """What the events name, read once for the whole batch."""

    bookings: dict[int, tuple[Booking, Project]]
    makers: dict[int, User]
    clients: dict[int, list[User]]
    client_names: dict[int, str]
    staff: dict[int, list[User]]
    resources: dict[int, Any]
    users: dict[int, User]
    crew_now: dict[int, set[int]]
    custody: dict[int, Any]
    projects: dict[int, Project]


async def _load(session: AsyncSession, events: list[Event]) -> _World:
    booking_ids: set[int] = set()
    resource_ids: set[int] = set()
    custody_ids: set[int] = set()
    project_ids: set[int] = set()
    for e in events:
        booking_ids.update(_ids(e.payload.get("bookingId")))
        booking_ids.update(_ids(e.payload.get("challengedIds")))
        if e.topic == AVAILABILITY:
            resource_ids.update(_ids(e.payload.get("crewIds")))
        custody_ids.update(_ids(e.payload.get("custodyId")))
        resource_ids.update(_ids(e.payload.get("resourceId")))
        project_ids.update(_ids(e.payload.get("projectId")))
    bookings = await rows.bookings_with_projects(session, sorted(booking_ids))
    makers = await rows.token_users(
        session, sorted({b.created_by_token_id for b, _ in bookings.values() if b.created_by_token_id is not None})
    )
    projects = await rows.projects_by_ids(session, sorted(project_ids | {p.id for _, p in bookings.values()}))
    client_ids = sorted({p.client_id for p in projects.values() if p.client_id is not None})
    resources = await rows.resources_by_ids(session, sorted(resource_ids))
    custody = await rows.custody_by_ids(session, sorted(custody_ids))
    resources.update(await rows.resources_by_ids(session, sorted({c.resource_id for c in custody.values()})))
    linked = sorted({r.user_id for r in resources.values() if r.user_id is not None})
    linked += [p.producer_id for p in projects.values() if p.producer_id is not None]
    staff: dict[int, list[User]] = {}
    for user in await rows.staff(session, sorted({e.studio_id for e in events})):
        staff.setdefault(user.studio_id, []).append(user)
    call_bookings = [b for e in events if e.topic == AVAILABILITY for b in _ids(e.payload.get("bookingId"))]
    return _World(
        bookings=bookings,
        makers=makers,
        clients=await rows.client_users(session, client_ids),
        client_names=await rows.client_names(session, client_ids),
        staff=staff,
        resources=resources,
        users=await rows.users_by_ids(session, linked),
        crew_now=await rows.crew_on(session, sorted(set(call_bookings))),
        custody=custody,
        projects=projects,
    )


def _maker(world: _World, booking: Booking) -> list[Recipient]:
    user = world.makers.get(booking.created_by_token_id) if booking.created_by_token_id is not None else None
    return [person(user)] if user is not None else []


def _client_people(world: _World, project: Project) -> list[Recipient]:
    return [person(u) for u in world.clients.get(project.client_id, [])] if project.client_id is not None else []


def _booking_draft(world: _World, event: Event) -> list[Draft]:
    kind = BOOKING_KINDS[event.type]
    if kind == "HOLD_CHALLENGED":
        respond_by = event.payload.get("respondBy")
        drafts = []
        for bid in _ids(event.payload.get("challengedIds")):
            found = world.bookings.get(bid)
            if found is None:
                continue
            booking, _ = found
            drafts.append(
                Draft(
                    event,
                    kind,
                    f"Your hold is challenged: {booking.title}",
                    f"Another hold waits for this slot. Confirm {booking.title} ({_when(booking.start_at)}) "
                    f"by {_when(respond_by)}, or it is released.",
                    booking.id,
                    _maker(world, booking),
                )
            )
        return drafts
    found = world.bookings.get(event.payload.get("bookingId", -1))
    if found is None:
        return []
    booking, project = found
    when = f"{_when(booking.start_at)} to {_when(booking.end_at)}"
    if kind == "BOOKING_REQUESTED":
        who = world.client_names.get(project.client_id or -1) or project.name
        note = f" Note: {booking.request_note}" if booking.request_note else ""
        return [
            Draft(
                event,
                kind,
                f"Booking requested: {booking.title}",
                f"{who} asks for {booking.title} ({project.name}), {when}.{note}",
                booking.id,
                [person(u) for u in world.staff.get(event.studio_id, [])],
            )
        ]
    if kind in ("BOOKING_APPROVED", "BOOKING_DECLINED"):
        if kind == "BOOKING_APPROVED":
            title, body = (
                f"Request approved: {booking.title}",
                f"{booking.title}, {when}, is now {booking.status.value}.",
            )
        else:
            title = f"Request declined: {booking.title}"
            body = f"{booking.title}, {when}, was declined. Reason: {booking.decline_reason or 'none given'}"
        return [Draft(event, kind, title, body, booking.id, _maker(world, booking) + _client_people(world, project))]
    if kind == "HOLD_PROMOTED":
        title, body = f"Your hold moved up: {booking.title}", f"{booking.title}, {when}, now holds its slot."
    else:
        title = f"Hold not promoted: {booking.title}"
        body = f"The slot of {booking.title}, {when}, came free but the budget refused it; the hold stays queued."
    return [Draft(event, kind, title, body, booking.id, _maker(world, booking))]


def _call_draft(world: _World, event: Event) -> list[Draft]:
    found = world.bookings.get(event.payload.get("bookingId", -1))
    if found is None:
        return []
    booking, _ = found
    crew = [world.resources[r] for r in _ids(event.payload.get("crewIds")) if r in world.resources]
    if event.type == "AllocationRemoved":
        crew = [r for r in crew if r.id not in world.crew_now.get(booking.id, set())]
    what = {
        "BookingCreated": "You are called",
        "BookingApproved": "You are called",
        "AllocationsAdded": "You are called",
        "AllocationRemoved": "You are no longer called",
        "BookingMoved": "Your call moved",
        "BookingCancelled": "Your call is cancelled",
        "BookingExpired": "Your call lapsed with its hold",
    }[event.type]
    recipients = [r for r in (crew_member(c, world.users) for c in crew) if r is not None]
    if not recipients:
        return []
    return [
        Draft(
            event,
            "CALL_CHANGED",
            f"Call changed: {booking.title}",
            f"{what}: {booking.title}, {_when(booking.start_at)} to {_when(booking.end_at)}.",
            booking.id,
            recipients,
        )
    ]


def _gear_draft(world: _World, event: Event, kind: str) -> list[Draft]:
    record = world.custody.get(event.payload.get("custodyId", -1))
    if record is None:
        return []
    item = world.resources.get(record.resource_id)
    name = item.name if item is not None else "An item"
    to = [person(u) for u in world.staff.get(event.studio_id, [])]
    found = world.bookings.get(record.booking_id) if record.booking_id is not None else None
    if found is not None:
        to += _maker(world, found[0])
    due = _when(record.due_at)
    if kind == "GEAR_DUE":
        title, body = f"Gear due back: {name}", f"{name}, out with {record.custodian}, is due back {due}."
    else:
        title, body = f"Gear overdue: {name}", f"{name}, out with {record.custodian}, was due back {due}."
    return [Draft(event, kind, title, body, record.booking_id, to)]


def _review_draft(world: _World, event: Event) -> list[Draft]:
    project = world.projects.get(event.payload.get("projectId", -1))
    if project is None or project.producer_id is None or project.producer_id not in world.users:
        return []
    decision = str(event.payload.get("decision", "")).replace("_", " ").lower() or "decided"
    return [
        Draft(
            event,
            "REVIEW_DECIDED",
            f"Review {decision}: {project.name}",
            f"A reviewer's decision on a cut of {project.name}: {decision}.",
            None,
            [person(world.users[project.producer_id])],
        )
    ]


async def plan(session: AsyncSession, events: list[Event]) -> list[Draft]:
    """The notifications these events make, each with its recipients (none: nothing is written)."""
    chosen = [e for e in events if wanted(e)]
    if not chosen:
        return []
    world = await _load(session, chosen)
    drafts: list[Draft] = []
    reviews: set[tuple[int, Any]] = set()
    for e in chosen:
        if e.topic == BOOKINGS:
            drafts += _booking_draft(world, e)
        elif e.topic == AVAILABILITY:
            drafts += _call_draft(world, e)
        elif e.topic == REMINDERS and e.type == "HoldExpiring":
            found = world.bookings.get(e.payload.get("bookingId", -1))
            if found is not None:
                b = found[0]
                drafts.append(
                    Draft(
                        e,
                        "HOLD_EXPIRING",
                        f"Hold expires soon: {b.title}",
                        f"The hold on {b.title} ({_when(b.start_at)}) lapses {_when(b.hold_expires_at)} unless it "
                        "is confirmed.",
                        b.id,
                        _maker(world, b),
                    )
                )
        elif e.topic == REMINDERS:
            drafts += _gear_draft(world, e, "GEAR_DUE")
        elif e.type == GEAR_OVERDUE:
            drafts += _gear_draft(world, e, "GEAR_OVERDUE")
        elif (e.studio_id, e.payload.get("mediaAssetId")) not in reviews:
            # Announced on more than one topic, a decision is still one notification.
            reviews.add((e.studio_id, e.payload.get("mediaAssetId")))
            drafts += _review_draft(world, e)
    return [d for d in drafts if d.recipients]
