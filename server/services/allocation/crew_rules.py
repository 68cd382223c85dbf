"""Crew workload rules, in the studio's time zone.

- Weekly hour cap: the hours of a crew member's calls in blocking bookings within one local week
  (Monday 00:00 to Monday 00:00) may not exceed `weekly_hour_cap`.
- Minimum rest: a crew member's work on one local day is one call (first start to last end); the
  gap between consecutive calls must be at least `min_rest_minutes`.

Breaches come back as warnings on the result, or refuse the change where the studio's policy
(`crew_rules_hard`) makes them hard. Only breaches that the change itself takes part in are reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.models import Resource, ResourceKind, Studio
from db.repositories import bookings as booking_rows
from server.services.allocation.claims import Claim
from server.services.allocation.windows import Window
from server.services.errors import Invalid
from server.services.uow import Tx

LOOKAROUND = timedelta(days=9)


@dataclass(frozen=True)
class Call:
    window: Window
    new: bool


async def check(
    tx: Tx,
    studio: Studio,
    claims: Sequence[Claim],
    *,
    replacing_booking_id: int | None = None,
    hard: bool | None = None,
) -> list[str]:
    """Warnings for the crew claims of a change (raises Invalid instead under a hard policy)."""
    crew = [c for c in claims if c.resource.kind == ResourceKind.CREW]
    if not crew:
        return []
    tz = ZoneInfo(studio.timezone)
    lo = min(c.window.start for c in crew) - LOOKAROUND
    hi = max(c.window.end for c in crew) + LOOKAROUND
    existing = await booking_rows.crew_calls(tx.session, studio.id, sorted({c.resource.id for c in crew}), lo, hi)
    warnings: list[str] = []
    for member in {c.resource.id: c.resource for c in crew}.values():
        calls = [Call(c.window, True) for c in crew if c.resource.id == member.id]
        calls += [
            Call(Window(s, e), False)
            for rid, booking_id, s, e in existing
            if rid == member.id and booking_id != replacing_booking_id
        ]
        warnings += weekly_cap(member, calls, tz)
        warnings += rest(member, calls, tz)
    if warnings and (studio.crew_rules_hard if hard is None else hard):
        raise Invalid(" ".join(warnings), field="allocations")
    return warnings


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _local_midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def weekly_cap(member: Resource, calls: Sequence[Call], tz: ZoneInfo) -> list[str]:
    """Weeks (local, Monday first) where the member's hours would exceed the cap."""
    if not member.weekly_hour_cap:
        return []
    weeks = {
        _week_start(d)
        for c in calls
        if c.new
        for d in (
            c.window.start.astimezone(tz).date(),
            (c.window.end - timedelta(microseconds=1)).astimezone(tz).date(),
        )
    }
    out = []
    for monday in sorted(weeks):
        week = Window(_local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz))
        hours = sum(_hours_within(c.window, week) for c in calls)
        if hours > member.weekly_hour_cap + 1e-9:
            out.append(
                f"{member.name} would work {_fmt(hours)} h in the week of {monday.isoformat()} "
                f"(cap {member.weekly_hour_cap} h)."
            )
    return out


def rest(member: Resource, calls: Sequence[Call], tz: ZoneInfo) -> list[str]:
    """Consecutive local-day calls closer than the member's minimum rest, where a new call takes part."""
    if not member.min_rest_minutes:
        return []
    days: dict[date, tuple[Window, bool]] = {}
    for c in calls:
        d = c.window.start.astimezone(tz).date()
        if d in days:
            w, new = days[d]
            days[d] = (Window(min(w.start, c.window.start), max(w.end, c.window.end)), new or c.new)
        else:
            days[d] = (c.window, c.new)
    ordered = [days[d] for d in sorted(days)]
    need = timedelta(minutes=member.min_rest_minutes)
    out = []
    for (a, a_new), (b, b_new) in itertools.pairwise(ordered):
        gap = b.start - a.end
        if (a_new or b_new) and gap < need:
            ended, starts = a.end.astimezone(tz), b.start.astimezone(tz)
            out.append(
                f"{member.name} would rest only {_fmt(max(gap, timedelta(0)).total_seconds() / 3600)} h between "
                f"calls ending {ended:%a %d %b %H:%M} and starting {starts:%a %d %b %H:%M} "
                f"(minimum {_fmt(need.total_seconds() / 3600)} h)."
            )
    return out


def _hours_within(w: Window, frame: Window) -> float:
    start, end = max(w.start, frame.start), min(w.end, frame.end)
    return max(0.0, (end - start).total_seconds() / 3600)


def _fmt(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".")
