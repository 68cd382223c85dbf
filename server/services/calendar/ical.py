"""RFC 5545 rendering of a feed with the `icalendar` library.

The output is a pure function of the rows: `DTSTAMP` is the booking's last change (RFC 5545 §3.8.7.2:
without a METHOD it means LAST-MODIFIED), so an unchanged feed renders to the same bytes and the
ETag (a hash of them) stays put between fetches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar

PRODUCT_ID = "-//Callsheet//Calendar feed//EN"


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    status: str  # CONFIRMED, TENTATIVE or CANCELLED
    created: datetime
    last_modified: datetime


def render(name: str, timezone: str, events: list[FeedEvent]) -> bytes:
    """The VCALENDAR of the events, times in the studio's zone with its VTIMEZONE."""
    zone = ZoneInfo(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    years = [e.start.year for e in events] + [e.end.year for e in events]
    first = min(years, default=2000)
    last = max(years, default=2000)
    calendar.add_component(
        icalendar.Timezone.from_tzid(timezone, first_date=date(first - 1, 1, 1), last_date=date(last + 1, 12, 31))
    )
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.last_modified)
        event.add("created", item.created)
        event.add("last-modified", item.last_modified)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("status", item.status)
        event.add("transp", "TRANSPARENT" if item.status == "CANCELLED" else "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names the current entity (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == opaque for part in if_none_match.split(","))
