"""Crew rules in the studio's time zone: weekly caps (local Monday weeks) and rest between calls."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from db.models import Resource, ResourceKind
from server.services.allocation.crew_rules import Call, rest, weekly_cap
from server.services.allocation.windows import Window

LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")


def member(cap: int | None = 40, rest_minutes: int | None = 11 * 60) -> Resource:
    return Resource(kind=ResourceKind.CREW, name="Jordan Blake", weekly_hour_cap=cap, min_rest_minutes=rest_minutes)


def local(tz: ZoneInfo, d: int, h: int) -> datetime:
    return datetime(2031, 3, d, h, tzinfo=tz)


def test_weekly_cap_counts_the_local_week_only() -> None:
    # Mon 3 to Fri 7 March 2031, 9 h a day = 45 h: over a 40 h cap.
    calls = [Call(Window(local(LONDON, d, 8), local(LONDON, d, 17)), d == 7) for d in range(3, 8)]
    assert weekly_cap(member(), calls, LONDON) == ["Jordan Blake would work 45 h in the week of 2031-03-03 (cap 40 h)."]
    # Sunday evening in New York (already Monday in UTC) still counts in the week that began on the 3rd.
    sunday_night = [Call(Window(local(NY, 9, 20), local(NY, 9, 23)), True)]
    assert weekly_cap(member(cap=2), sunday_night, NY) == [
        "Jordan Blake would work 3 h in the week of 2031-03-03 (cap 2 h)."
    ]
    assert weekly_cap(member(cap=None), calls, LONDON) == []


def test_rest_between_calls_on_consecutive_local_days() -> None:
    late = Call(Window(local(LONDON, 3, 14), local(LONDON, 3, 23)), False)
    early = Call(Window(local(LONDON, 4, 6), local(LONDON, 4, 10)), True)
    assert rest(member(), [late, early], LONDON) == [
        "Jordan Blake would rest only 7 h between calls ending Mon 03 Mar 23:00 and starting Tue 04 Mar 06:00 "
        "(minimum 11 h)."
    ]
    fine = Call(Window(local(LONDON, 4, 10), local(LONDON, 4, 12)), True)
    assert rest(member(), [late, fine], LONDON) == []
    # Two sessions on one day are one call, however close.
    same_day = [Call(Window(local(LONDON, 3, 9), local(LONDON, 3, 11)), True), late]
    assert rest(member(), same_day, LONDON) == []
