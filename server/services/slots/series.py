"""Recurring series: one booking per occurrence of an RFC 5545 RRULE, all in one transaction.

The rule is expanded with python-dateutil from the first occurrence's start *as a wall time in the
studio's time zone*, so a weekly 10:00 session stays at 10:00 local across a DST change (its UTC
instant moves by the hour). Every occurrence keeps the first one's duration and its allocations'
offsets from the session start. COUNT or UNTIL is required, FREQ is DAILY or coarser, no BYHOUR,
BYMINUTE or BYSECOND, at most 366 occurrences; `exceptions` must name occurrences.

Each occurrence is booked by the allocation engine's `create_booking` inside a savepoint, with the
budget guard the engine was given: FAIL books nothing if any occurrence clashes and names every
clash with its `occurrenceStart`; SKIP leaves clashing occurrences out and lists them. A budget or
crew-rule refusal of any occurrence refuses the whole series. Each booking's events are its own.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from db.models import Booking, BookingSeries
from db.repositories import templates as rows
from server.services.allocation import access, bookings, transitions
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.commands import CreateBooking
from server.services.allocation.windows import Window
from server.services.errors import Clash, Conflict, Invalid, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx

MAX_OCCURRENCES = 366
MAX_CLASHES = 200
_COARSE = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_REFUSED_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART"}


class OnConflict(enum.StrEnum):
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class CreateSeries:
    booking: CreateBooking
    rrule: str
    exceptions: tuple[datetime, ...] = ()
    on_conflict: OnConflict = OnConflict.FAIL


@dataclass
class SeriesOutcome:
    series: BookingSeries
    bookings: list[Booking] = field(default_factory=list)
    skipped: list[Window] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def normalise_rule(rule: str) -> str:
    """The RRULE's parts, upper-cased, checked for what a series allows."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or len(text) > 500 or "\n" in text:
        raise Invalid("rrule must be one RFC 5545 RRULE line.", field="rrule")
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise Invalid(f"rrule part {chunk!r} does not parse.", field="rrule")
        parts[name.strip().upper()] = value.strip().upper()
    if parts.get("FREQ") not in _COARSE:
        raise Invalid("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.", field="rrule")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise Invalid("A series needs COUNT or UNTIL.", field="rrule")
    refused = sorted(_REFUSED_PARTS & set(parts))
    if refused:
        raise Invalid(f"{refused[0]} is not allowed in a series rule.", field="rrule")
    return ";".join(f"{k}={v}" for k, v in parts.items())


def expand(rule: str, first: datetime, tz: ZoneInfo) -> list[datetime]:
    """Occurrence starts (UTC) of a normalised rule from `first`, as wall times in `tz`."""
    local = first.astimezone(tz)
    try:
        parsed = rrulestr(rule, dtstart=local)
        starts = list(itertools.islice(iter(parsed), MAX_OCCURRENCES + 1))  # type: ignore[call-overload]
    except (ValueError, TypeError, OverflowError) as exc:
        raise Invalid(f"rrule does not parse: {exc}.", field="rrule") from None
    if len(starts) > MAX_OCCURRENCES:
        raise Invalid(f"A series may have at most {MAX_OCCURRENCES} occurrences.", field="rrule")
    if not starts:
        raise Invalid("The rule has no occurrences.", field="rrule")
    # Each occurrence keeps the wall time; zoneinfo gives the offset of its own date.
    return [s.replace(tzinfo=tz).astimezone(UTC) for s in starts]


def _shift(cmd: CreateBooking, delta: timedelta, series_key: str | None) -> CreateBooking:
    return replace(
        cmd,
        start=cmd.start + delta,
        end=cmd.end + delta,
        allocations=tuple(
            replace(a, start=a.start + delta if a.start else None, end=a.end + delta if a.end else None)
            for a in cmd.allocations
        ),
        idempotency_key=series_key,
    )


async def create_series(
    tx: Tx, principal: Principal, cmd: CreateSeries, tz: ZoneInfo, now: datetime, budget: BudgetPolicy
) -> SeriesOutcome:
    """Book every occurrence of the rule (see the module docstring), or nothing."""
    require(principal, Action.HOLD)
    rule = normalise_rule(cmd.rrule)
    first = cmd.booking.start
    if first.tzinfo is None or cmd.booking.end.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="booking.start")
    starts = expand(rule, first, tz)
    wanted = set(starts)
    for i, ex in enumerate(cmd.exceptions):
        if ex.tzinfo is None or ex.astimezone(UTC) not in wanted:
            raise Invalid("An exception must be the start of an occurrence.", field=f"exceptions[{i}]")
    left_out = {ex.astimezone(UTC) for ex in cmd.exceptions}
    series = BookingSeries(
        studio_id=principal.studio_id,
        project_id=cmd.booking.project_id,
        rrule=rule,
        timezone=tz.key,
        created_by_token_id=principal.token_id,
    )
    outcome = SeriesOutcome(series)
    clashes: list[Clash] = []
    refused: list[datetime] = []
    added = False
    for start in starts:
        if start in left_out:
            continue
        occurrence = _shift(cmd.booking, start - first.astimezone(UTC), None)
        if not added:
            # The series row goes in once the first occurrence has passed the project checks.
            await _check_project(tx, principal, occurrence)
            await rows.add(tx.session, series)
            added = True
        mark = len(tx._events)
        try:
            async with tx.session.begin_nested():
                made = await bookings.create_booking(tx, principal, occurrence, now, budget)
                made.booking.series_id = series.id
                await tx.session.flush()
        except Conflict as exc:
            # The savepoint is gone; so are the events recorded inside it.
            del tx._events[mark:]
            if cmd.on_conflict == OnConflict.SKIP:
                outcome.skipped.append(Window(occurrence.start, occurrence.end))
                continue
            refused.append(occurrence.start)
            clashes += [replace(c, occurrence_start=occurrence.start) for c in exc.clashes]
            continue
        outcome.bookings.append(made.booking)
        outcome.warnings += made.warnings
    if refused:
        raise Conflict(f"{len(refused)} occurrence(s) of the series clash; nothing was booked.", clashes[:MAX_CLASHES])
    if not added:
        raise Invalid("Every occurrence is an exception.", field="exceptions")
    return outcome


async def _check_project(tx: Tx, principal: Principal, occurrence: CreateBooking) -> None:
    await access.project_for_booking(tx, principal, occurrence.project_id)


async def cancel_series(
    tx: Tx, principal: Principal, series_id: int, start: datetime | None, now: datetime, budget: BudgetPolicy
) -> tuple[BookingSeries, list[Booking]]:
    """Cancel the occurrences that have not started, from `start` (default: now) on."""
    require(principal, Action.SCHEDULE)
    if not await rows.series_by_ids(tx.session, principal, [series_id]):
        raise NotFound("No such series.")
    series = await rows.series_in_studio(tx.session, principal, series_id)
    if series is None:
        raise NotFound("No such series.")
    if start is not None and start.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="from")
    since = max(start, now) if start is not None else now
    cancelled = []
    for booking_id in await rows.blocking_bookings_of_series_from(tx.session, principal.studio_id, series.id, since):
        cancelled.append(await transitions.cancel_booking(tx, principal, booking_id, None, now, budget))
    return series, cancelled
