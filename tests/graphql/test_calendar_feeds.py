"""Calendar feeds through the real app: who may create which feed, what each feed shows (parsed with
`icalendar`), SEQUENCE and LAST-MODIFIED across changes, cancelled sessions kept 30 days, ETag and
304, and a revoked feed's 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar

from db.models import Role
from server.schema.ids import to_global_id
from server.services.calendar import feeds
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue

CREATE_FEED = """
mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { __typename
  ... on CalendarFeedCreated { feed { id url scope } }
  ... on UserError { code message } } }
"""
REVOKE_FEED = """
mutation($id: ID!) { revokeCalendarFeed(id: $id) { __typename
  ... on CalendarFeedRevoked { id } ... on UserError { code message } } }
"""
MOVE = """
mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename ... on UserError { code message } } }
"""
CANCEL = "mutation($id: ID!) { cancelBooking(id: $id) { __typename ... on UserError { code message } } }"
PEOPLE = (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CREW)


async def make_feed(studio: StudioFixture, role: Role, **target: Any) -> dict[str, Any]:
    return (await studio.data(CREATE_FEED, {"input": target}, role=role))["createCalendarFeed"]


async def fetch(studio: StudioFixture, url: str, **headers: str) -> Any:
    return await studio.http.get(urlsplit(url).path, headers=headers)


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


async def _session(cat: Catalogue, title: str, day: int, names: list[str], **kw: Any) -> str:
    allocations = [
        {"resourceId": cat.gid(n), **({"role": "recording engineer"} if n == "Sam Okafor" else {})} for n in names
    ]
    made = await create(
        cat, title=title, start=at(day, 10), end=at(day, 12), status="CONFIRMED", allocations=allocations, **kw
    )
    assert made["__typename"] == "BookingCreated", made
    return str(made["booking"]["id"])


def _uid(studio: StudioFixture, booking_gid: str) -> str:
    from server.schema.ids import parse_global_id

    parsed = parse_global_id(booking_gid)
    assert parsed is not None
    return f"booking-{parsed[1]}@studio-{studio.id}.callsheet"


async def test_a_room_feed_follows_its_sessions_through_changes(studio: StudioFixture) -> None:
    cat = await build(studio)
    interview = await _session(cat, "Interview", 1, ["Studio A", "Sam Okafor"])
    await _session(cat, "Elsewhere", 1, ["Studio B"])
    made = await make_feed(studio, Role.COORDINATOR, resourceId=cat.gid("Studio A"))
    assert made["__typename"] == "CalendarFeedCreated" and made["feed"]["scope"] == "RESOURCE"
    url = made["feed"]["url"]
    assert url.startswith("http://") and url.endswith(".ics") and "/calendar/cf_" in url

    # No header needed; the studio's time zone comes with the feed.
    first = await fetch(studio, url)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(first.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    found = events(first.content)
    uid = _uid(studio, interview)
    assert list(found) == [uid]
    event = found[uid]
    assert str(event["SUMMARY"]) == "Interview" and str(event["LOCATION"]) == "Studio A"
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == at(1, 10) and event.decoded("DTSTART").tzinfo == ZoneInfo("Europe/London")
    modified = event.decoded("LAST-MODIFIED")

    # Unchanged: the same ETag, and If-None-Match answers 304 with no body.
    tag = first.headers["etag"]
    again = await fetch(studio, url, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag

    # Moved: same UID, SEQUENCE grows, LAST-MODIFIED moves on, the old ETag no longer matches.
    moved = await studio.data(MOVE, {"input": {"id": interview, "start": iso(at(1, 14)), "end": iso(at(1, 16))}})
    assert moved["moveBooking"]["__typename"] == "BookingMoved", moved
    second = await fetch(studio, url, **{"If-None-Match": tag})
    assert second.status_code == 200 and second.headers["etag"] != tag
    event = events(second.content)[uid]
    assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == at(1, 14)
    assert event.decoded("LAST-MODIFIED") >= modified

    # Cancelled: kept as STATUS:CANCELLED with a higher SEQUENCE, for 30 days.
    cancelled = await studio.data(CANCEL, {"id": interview})
    assert cancelled["cancelBooking"]["__typename"] == "BookingCancelled", cancelled
    event = events((await fetch(studio, url)).content)[uid]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    secret = urlsplit(url).path.removeprefix("/calendar/").removesuffix(".ics")
    runtime = studio.runtime
    later = await feeds.fetch(runtime.uow, runtime.settings.secret, secret, now=feeds.utcnow() + timedelta(days=29))
    assert later is not None and uid in events(later.body)
    gone = await feeds.fetch(runtime.uow, runtime.settings.secret, secret, now=feeds.utcnow() + timedelta(days=31))
    assert gone is not None and events(gone.body) == {}


async def test_a_crew_feed_shows_only_their_calls_and_never_money(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    called = await _session(cat, "Vocal tracking", 2, ["Booth", "Sam Okafor"])
    await _session(cat, "Not Sam", 2, ["Studio A", "Jordan Blake"])
    made = await make_feed(studio, Role.CREW, mine=True)
    assert made["__typename"] == "CalendarFeedCreated" and made["feed"]["scope"] == "MINE"
    body = (await fetch(studio, made["feed"]["url"])).content
    found = events(body)
    assert list(found) == [_uid(studio, called)]
    event = found[_uid(studio, called)]
    assert str(event["SUMMARY"]) == "Vocal tracking" and str(event["LOCATION"]) == "Booth"
    assert str(event["DESCRIPTION"]) == "Call: recording engineer"
    text = body.decode()
    for money in ("GBP", "£", "EUR", "Rate", "Cost", "Budget", "Founders Unfiltered", "Brightwave", "Jordan"):
        assert money not in text, money

    # A room feed of the same person still shows only their calls in that room.
    room = await make_feed(studio, Role.CREW, resourceId=cat.gid("Studio A"))
    assert events((await fetch(studio, room["feed"]["url"])).content) == {}


async def test_a_producer_feed_shows_their_projects(studio: StudioFixture) -> None:
    cat = await build(studio)
    theirs = await _session(cat, "Their session", 3, ["Studio A"])
    await _session(cat, "Someone else's", 3, ["Studio B"], projectId=cat.other_project)
    mine = await make_feed(studio, Role.PRODUCER, mine=True)
    assert list(events((await fetch(studio, mine["feed"]["url"])).content)) == [_uid(studio, theirs)]
    project = await make_feed(studio, Role.PRODUCER, projectId=cat.project)
    found = events((await fetch(studio, project["feed"]["url"])).content)
    assert list(found) == [_uid(studio, theirs)]
    assert str(found[_uid(studio, theirs)]["DESCRIPTION"]) == "Project: Founders Unfiltered"


async def test_who_may_create_which_feed(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat = await build(studio)
    theirs = await build(other_studio)
    for role in (Role.SCANNER, Role.DISPLAY):
        refused = await make_feed(studio, role, mine=True)
        assert refused["__typename"] == "ForbiddenError", (role, refused)
    for role in PEOPLE:
        ok = await make_feed(studio, role, resourceId=cat.gid("Studio A"))
        assert ok["__typename"] == "CalendarFeedCreated", (role, ok)
        foreign = await make_feed(studio, role, resourceId=theirs.gid("Studio A"))
        assert foreign["__typename"] == "NotFoundError", (role, foreign)
        other = await make_feed(studio, role, projectId=cat.other_project)
        want = "CalendarFeedCreated" if role in (Role.ADMIN, Role.COORDINATOR) else "NotFoundError"
        assert other["__typename"] == want, (role, other)
    for bad in ({}, {"mine": False}, {"mine": True, "projectId": cat.project}):
        refused = await make_feed(studio, Role.ADMIN, **bad)
        assert refused["__typename"] == "ValidationError", (bad, refused)
    malformed = await make_feed(studio, Role.ADMIN, resourceId=to_global_id("Project", 1))
    assert malformed["__typename"] == "NotFoundError"


async def test_a_revoked_feed_answers_404(studio: StudioFixture) -> None:
    cat = await build(studio)
    crew = await make_feed(studio, Role.CREW, mine=True)
    url, gid = crew["feed"]["url"], crew["feed"]["id"]
    assert (await fetch(studio, url)).status_code == 200
    # Someone else's feed is not theirs to see or revoke; staff may revoke any.
    refused = (await studio.data(REVOKE_FEED, {"id": gid}, role=Role.PRODUCER))["revokeCalendarFeed"]
    assert refused["__typename"] == "NotFoundError"
    assert (await fetch(studio, url)).status_code == 200
    revoked = (await studio.data(REVOKE_FEED, {"id": gid}, role=Role.COORDINATOR))["revokeCalendarFeed"]
    assert revoked == {"__typename": "CalendarFeedRevoked", "id": gid}
    assert (await fetch(studio, url)).status_code == 404
    again = (await studio.data(REVOKE_FEED, {"id": gid}, role=Role.CREW))["revokeCalendarFeed"]
    assert again["__typename"] == "CalendarFeedRevoked"
    for path in ("/calendar/cf_nope.ics", "/calendar/cs_x.ics", "/calendar/" + "x" * 300 + ".ics"):
        assert (await studio.http.get(path)).status_code == 404
    # Read later, the URL no longer carries the secret.
    node = await studio.data(
        "query($id: ID!) { node(id: $id) { ... on CalendarFeed { url } } }", {"id": gid}, role=Role.CREW
    )
    assert node["node"]["url"] != url and node["node"]["url"].endswith("….ics")
    assert cat.project
