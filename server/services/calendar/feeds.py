"""Creating, revoking and reading calendar feeds.

Who may create which feed (the permission table's FOLLOW_CALENDAR, then the read scopes):
- devices (SCANNER, DISPLAY) none: a feed is a person's;
- a resource's: anyone who may read that resource (`readable(Resource)`); another studio's is NOT_FOUND;
- a project's: anyone who may read that project (`readable(Project)`: staff any, a producer their
  own, crew the projects they are called on);
- `mine`: every person; their calls (crew) and the bookings of the projects they produce.
What a feed then shows is always narrowed by its owner's read scope for bookings at fetch time.
Revoking: the owner, or staff (who see every feed of the studio); a revoked feed answers 404.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import BookingStatus, CalendarFeed, ResourceKind, Role
from db.repositories import calendar as rows
from db.types import utcnow
from server.services.auth import hash_token
from server.services.calendar import ical
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.permissions import GRANTS, Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

FEED_PREFIX = "cf_"
MAX_FEEDS_PER_PERSON = 50
PAST = timedelta(days=90)  # sessions that ended longer ago drop out of the feed
CANCELLED_KEPT = timedelta(days=30)  # a cancelled session stays as STATUS:CANCELLED this long
MAX_EVENTS = 2000


class Scope:
    RESOURCE = "RESOURCE"
    PROJECT = "PROJECT"
    MINE = "MINE"


@dataclass(frozen=True)
class CreatedFeed:
    feed: CalendarFeed
    secret: str  # the plain secret: only here, once


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str


def mask(secret: str) -> str:
    """How a stored feed's secret is shown after creation: its prefix only."""
    return secret[: len(FEED_PREFIX) + 8] + "…"


async def create_feed(
    uow: UnitOfWork,
    principal: Principal,
    server_secret: str,
    *,
    resource_id: int | None,
    project_id: int | None,
    mine: bool,
) -> CreatedFeed:
    """createCalendarFeed: a new feed of one target; its secret is returned once."""
    require(principal, Action.FOLLOW_CALENDAR)
    if principal.user_id is None:
        raise Forbidden("Only a person's token may own a calendar feed.")
    chosen = [resource_id is not None, project_id is not None, mine]
    if chosen.count(True) != 1:
        raise Invalid("Give exactly one of resourceId, projectId or mine: true.", field="input")
    owner_id = principal.user_id

    async def work(tx: Tx) -> CreatedFeed:
        if resource_id is not None and await rows.readable_resource(tx.session, principal, resource_id) is None:
            raise NotFound("No such resource.")
        if project_id is not None and await rows.readable_project(tx.session, principal, project_id) is None:
            raise NotFound("No such project.")
        if await rows.active_feeds_of(tx.session, principal, owner_id) >= MAX_FEEDS_PER_PERSON:
            raise Invalid(f"At most {MAX_FEEDS_PER_PERSON} feeds per person; revoke one first.", field="input")
        plain = FEED_PREFIX + secrets.token_urlsafe(32)
        scope = Scope.RESOURCE if resource_id is not None else Scope.PROJECT if project_id is not None else Scope.MINE
        feed = CalendarFeed(
            studio_id=principal.studio_id,
            owner_id=owner_id,
            scope=scope,
            resource_id=resource_id,
            project_id=project_id,
            secret_hash=hash_token(server_secret, plain),
            prefix=plain[len(FEED_PREFIX) : len(FEED_PREFIX) + 8],
        )
        tx.session.add(feed)
        await tx.session.flush()
        return CreatedFeed(feed, plain)

    return await uow.run_as(principal, work)


async def revoke_feed(uow: UnitOfWork, principal: Principal, feed_id: int) -> int:
    """revokeCalendarFeed: the owner or staff stop a feed for good (idempotent)."""
    require(principal, Action.FOLLOW_CALENDAR)

    async def work(tx: Tx) -> int:
        feed = await rows.feed(tx.session, principal, feed_id)
        if feed is None:
            raise NotFound("No such calendar feed.")
        if feed.revoked_at is None:
            feed.revoked_at = utcnow()
        return feed.id

    return await uow.run_as(principal, work)


async def fetch(
    uow: UnitOfWork, server_secret: str, presented: str, now: datetime | None = None
) -> RenderedFeed | None:
    """The `.ics` of the feed a URL's secret names, or None (unknown, malformed or revoked: 404)."""
    if not presented.startswith(FEED_PREFIX) or len(presented) > 100:
        return None
    now = now or utcnow()
    async with uow.read() as session:
        found = await rows.by_secret_hash(session, hash_token(server_secret, presented))
        if found is None or found.feed.revoked_at is not None or Action.FOLLOW_CALENDAR not in GRANTS[found.owner.role]:
            return None
        feed, owner = found.feed, found.owner
        bookings = await rows.bookings(
            session, owner, feed, since=now - PAST, gone_since=now - CANCELLED_KEPT, limit=MAX_EVENTS
        )
        ids = [b.id for b in bookings]
        claims = await rows.claims(session, owner, ids)
        projects = await rows.project_names(session, owner, sorted({b.project_id for b in bookings}))
    rooms: dict[int, list[str]] = {}
    calls: dict[int, list[rows.Claim]] = {}
    for claim in claims:
        if claim.kind == ResourceKind.ROOM and claim.name not in rooms.setdefault(claim.booking_id, []):
            rooms[claim.booking_id].append(claim.name)
        if claim.user_id is not None and claim.user_id == owner.user_id:
            calls.setdefault(claim.booking_id, []).append(claim)
    crew = owner.role == Role.CREW
    events = []
    for booking in bookings:
        start, end, description = booking.start_at, booking.end_at, f"Project: {projects.get(booking.project_id, '')}"
        own = calls.get(booking.id, [])
        if crew:
            if not own:
                continue  # only their calls, whatever the target
            start, end = min(c.start_at for c in own), max(c.end_at for c in own)
            roles = sorted({c.role for c in own if c.role})
            description = "Call: " + (", ".join(roles) if roles else "crew")
        events.append(
            ical.FeedEvent(
                uid=f"booking-{booking.id}@studio-{booking.studio_id}.callsheet",
                sequence=max(booking.version - 1, 0),
                start=start,
                end=end,
                summary=booking.title,
                location=", ".join(sorted(rooms.get(booking.id, []))),
                description=description,
                status=_STATUS.get(booking.status, "CONFIRMED"),
                created=booking.created_at,
                last_modified=booking.updated_at,
            )
        )
    body = ical.render(_name(feed), found.timezone, events)
    return RenderedFeed(body, ical.etag(body))


_STATUS = {
    BookingStatus.HOLD: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.EXPIRED: "CANCELLED",
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.DECLINED: "CANCELLED",
}


def _name(feed: CalendarFeed) -> str:
    return {Scope.RESOURCE: "Callsheet: resource", Scope.PROJECT: "Callsheet: project"}.get(
        feed.scope, "Callsheet: my calls"
    )
