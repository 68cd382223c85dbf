"""The feed's iCalendar text: byte for byte the fixture `tests/fixtures/calendar_feed.ics`, which an
independent parser (vobject, used only here) reads back to the same events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import vobject

from server.services.calendar import ical

FIXTURE = Path(__file__).parent.parent / "fixtures" / "calendar_feed.ics"
LONDON_SUMMER = datetime(2031, 3, 31, 9, 0, tzinfo=UTC)  # 10:00 BST, the day after the clocks go forward
LONDON_WINTER = datetime(2031, 3, 28, 10, 0, tzinfo=UTC)  # 10:00 GMT
EVENTS = [
    ical.FeedEvent(
        uid="booking-7@studio-1.callsheet",
        sequence=0,
        start=LONDON_WINTER,
        end=datetime(2031, 3, 28, 12, 0, tzinfo=UTC),
        summary="Interview; guests, remote",
        location="Studio A",
        description="Call: recording engineer",
        status="CONFIRMED",
        created=datetime(2031, 1, 2, 8, 0, tzinfo=UTC),
        last_modified=datetime(2031, 1, 2, 8, 0, tzinfo=UTC),
    ),
    ical.FeedEvent(
        uid="booking-8@studio-1.callsheet",
        sequence=3,
        start=LONDON_SUMMER,
        end=datetime(2031, 3, 31, 11, 30, tzinfo=UTC),
        summary="Mixage — Zoë's album",
        location="Booth, Studio B",
        description="Project: Founders Unfiltered",
        status="CANCELLED",
        created=datetime(2031, 1, 3, 8, 0, tzinfo=UTC),
        last_modified=datetime(2031, 2, 1, 17, 45, tzinfo=UTC),
    ),
]


def test_the_rendering_is_the_checked_fixture() -> None:
    assert ical.render("Callsheet: resource", "Europe/London", EVENTS) == FIXTURE.read_bytes()


def test_an_independent_parser_reads_the_fixture_back() -> None:
    calendar = vobject.readOne(FIXTURE.read_text(encoding="utf-8"))
    assert calendar.version.value == "2.0"
    assert [tz.tzid.value for tz in calendar.vtimezone_list] == ["Europe/London"]
    parsed = {e.uid.value: e for e in calendar.vevent_list}
    assert sorted(parsed) == [e.uid for e in EVENTS]
    for want in EVENTS:
        got = parsed[want.uid]
        assert got.dtstart.value == want.start and got.dtend.value == want.end
        assert got.dtstart.value.utcoffset() == (want.start.astimezone(ical.ZoneInfo("Europe/London")).utcoffset())
        assert got.summary.value == want.summary and got.location.value == want.location
        assert got.description.value == want.description and got.status.value == want.status
        assert int(got.sequence.value) == want.sequence
        assert got.last_modified.value == want.last_modified and got.dtstamp.value == want.last_modified


def test_if_none_match() -> None:
    tag = ical.etag(b"x")
    assert ical.matches(tag, tag) and ical.matches(f'"other", W/{tag}', tag) and ical.matches("*", tag)
    assert not ical.matches(None, tag) and not ical.matches('"other"', tag)
