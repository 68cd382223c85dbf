"""`findSlots`: read what the search needs (candidates, their claims, custody, crew calls, opening
hours) in a fixed number of statements, run the search of `finder`, sign and price each slot.

Choices where DESIGN is silent, also in the README:
- Starts lie in `[from, until)` (a need's window may end after `until`), aligned to `stepMinutes`
  from local midnight of `from`'s day in the studio's time zone, never before now.
- The session itself (offset 0, the session's duration) lies inside one stretch of opening hours;
  prep and edit-bay needs may fall outside them.
- `locationId` narrows the rooms; crew, gear and stock travel.
- Among the options of a need: rooms smallest first (capacity, then name), crew cheapest first
  (hourly bill rate; unrated last), gear and stock by name. With the rooms of a slot chosen, crew
  who work in fewer other rooms that (local) day come first, then the cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Allocation, Booking, CustodyState, RateUnit, Resource, ResourceKind, Studio
from db.repositories import availability as avail_rows
from db.repositories import bookings as booking_rows
from db.repositories import money as money_rows
from db.repositories import occupancy, tenancy
from db.repositories import resources as resource_rows
from db.repositories import templates as template_rows
from server.services.allocation import crew_rules
from server.services.allocation.commands import AllocationRequest
from server.services.allocation.sweep import busy_spans
from server.services.allocation.windows import Window
from server.services.errors import Invalid, NotFound
from server.services.money import estimates
from server.services.money.opening_hours import open_intervals, parse_opening_hours
from server.services.money.pricing import pick_rate
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.slots import finder, keys
from server.services.slots.finder import Option, Plan, Span
from server.services.slots.needs import Need, NeedSpec, check_duration, check_needs
from server.services.slots.templates import check_references, needs_of

MAX_WINDOW = timedelta(days=31)
MAX_FIRST = 20
STEP_RANGE = (5, 240)
MAX_CANDIDATES = 2000
MAX_BUFFER = timedelta(days=1)
_HOURS_PER = {RateUnit.HOUR: 1, RateUnit.HALF_DAY: 4, RateUnit.DAY: 8, RateUnit.FLAT: 8}


@dataclass(frozen=True)
class SlotQuery:
    start: datetime
    end: datetime
    template_id: int | None = None
    needs: tuple[NeedSpec, ...] | None = None
    duration_minutes: int | None = None
    location_id: int | None = None
    project_id: int | None = None
    step_minutes: int = 30
    first: int = 5


@dataclass(frozen=True)
class Assignment:
    need: int
    resource_id: int
    quantity: int
    start: datetime
    end: datetime
    role: str | None


@dataclass
class Slot:
    key: str
    start: datetime
    end: datetime
    assignments: list[Assignment]
    warnings: list[str] = field(default_factory=list)
    estimate_minor: int | None = None
    currency: str | None = None


def check_query(q: SlotQuery) -> None:
    if q.start.tzinfo is None or q.end.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="from")
    if q.end <= q.start:
        raise Invalid("until must be after from.", field="until")
    if q.end - q.start > MAX_WINDOW:
        raise Invalid("A search window may be at most 31 days long.", field="until")
    if not 1 <= q.first <= MAX_FIRST:
        raise Invalid(f"first must be between 1 and {MAX_FIRST}.", field="first")
    if not STEP_RANGE[0] <= q.step_minutes <= STEP_RANGE[1]:
        raise Invalid(f"stepMinutes must be between {STEP_RANGE[0]} and {STEP_RANGE[1]}.", field="stepMinutes")
    if (q.template_id is None) == (q.needs is None):
        raise Invalid("Give exactly one of templateId and needs.", field="templateId")


async def session_needs(
    session: AsyncSession, principal: Principal, studio: Studio, q: SlotQuery
) -> tuple[int, list[Need]]:
    """The session's duration and needs: the template's, or the ones asked for."""
    if q.template_id is not None:
        template = await template_rows.template(session, principal, q.template_id)
        if template is None:
            raise NotFound("No such template.")
        duration = q.duration_minutes or template.duration_minutes
        check_duration(duration, studio.max_booking_hours)
        return duration, needs_of(template)
    duration = check_duration(q.duration_minutes, studio.max_booking_hours)
    needs = check_needs(q.needs or (), duration, studio.max_booking_hours)
    await check_references(session, principal, needs)
    return duration, needs


async def find_slots(
    session: AsyncSession, principal: Principal, q: SlotQuery, now: datetime, *, secret: str, postgres: bool
) -> list[Slot]:
    """The earliest slots at which every need of the session has a free resource."""
    require(principal, Action.HOLD)
    check_query(q)
    studio = await tenancy.studio(session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    if q.location_id is not None and await tenancy.location(session, principal, q.location_id) is None:
        raise NotFound("No such location.")
    project = None
    if q.project_id is not None:
        visible = await money_rows.visible_projects(session, principal, [q.project_id])
        if not visible:
            raise NotFound("No such project.")
        project = visible[0]
    duration, needs = await session_needs(session, principal, studio, q)
    _no_repeats(needs)
    tz = ZoneInfo(studio.timezone)
    step = timedelta(minutes=q.step_minutes)
    local = q.start.astimezone(tz)
    origin = datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(UTC)
    lo = max(q.start.astimezone(UTC), now)
    hi = q.end.astimezone(UTC) - timedelta(microseconds=1)
    if lo > hi:
        return []
    length = timedelta(minutes=duration)

    loaded = await _load(session, principal, studio, needs, q.location_id, lo, hi, now, postgres=postgres)
    plans = [_plan(i, need, loaded, lo, hi) for i, need in enumerate(needs)]
    hours = parse_opening_hours(studio.opening_hours)
    allowed_starts = [
        (o0, o1 - length) for o0, o1 in _merge_touching(open_intervals(hours, tz, lo, hi + length)) if o1 - length >= o0
    ]
    rule = _crew_rule(studio, tz, loaded)
    found = finder.search(plans, allowed_starts, origin, step, q.first, rule, _room_changes(tz, loaded))

    book = None
    if project is not None and allowed(principal, Action.READ_MONEY):
        book = await estimates.load_book(session, principal, [], with_custody=False)
        book.resources.update(loaded.resources)
    expires = now + keys.KEY_LIFETIME
    slots: list[Slot] = []
    for f in found:
        requests: list[AllocationRequest] = []
        assignments: list[Assignment] = []
        for p in f.picks:
            if p.option.kit_id is not None:
                requests.append(AllocationRequest(kit_id=p.option.kit_id, start=p.start, end=p.end))
            else:
                requests.append(
                    AllocationRequest(
                        resource_id=p.option.resource_ids[0], quantity=p.quantity, start=p.start, end=p.end, role=p.role
                    )
                )
            for rid in p.option.resource_ids:
                assignments.append(Assignment(p.need, rid, p.quantity, p.start, p.end, p.role))
        end = f.start + length
        content = keys.SlotContent(principal.studio_id, f.start, end, tuple(requests), expires)
        slot = Slot(keys.encode(secret, content), f.start, end, assignments, f.warnings)
        if book is not None and project is not None:
            subject = Booking(id=None, project_id=project.id, title="Slot", start_at=f.start, end_at=end)
            slot.estimate_minor = sum(
                line.bill_minor
                for a in assignments
                for line in estimates.allocation_lines(
                    book,
                    subject,
                    Allocation(
                        resource_id=a.resource_id, quantity=a.quantity, start_at=a.start, end_at=a.end, role=a.role
                    ),
                    a.start,
                    a.end,
                )
            )
            slot.currency = project.currency
        slots.append(slot)
    return slots


def _no_repeats(needs: Sequence[Need]) -> None:
    seen: set[tuple[str, int]] = set()
    for i, n in enumerate(needs):
        key = ("r", n.resource_id) if n.resource_id is not None else ("k", n.kit_id) if n.kit_id is not None else None
        if key is None:
            continue
        if key in seen:
            raise Invalid("A resource or kit is named by two needs.", field=f"needs[{i}]")
        seen.add(key)  # type: ignore[arg-type]


def _merge_touching(spans: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Half-open intervals with touching ones joined (open 00:00-24:00 every day is one stretch)."""
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass
class Loaded:
    candidates: list[list[Resource]]  # per need (named resource or kit items too)
    resources: dict[int, Resource]
    busy: dict[int, list[tuple[datetime, datetime]]]
    pool_uses: dict[int, list[tuple[Window, int]]]
    away: dict[int, tuple[CustodyState | None, datetime | None]]
    calls: dict[int, list[Window]]
    call_rooms: dict[int, list[tuple[datetime, int]]]
    kit_items: dict[int, list[int]]
    rate_hourly: dict[int, float]
    now: datetime


async def _load(
    session: AsyncSession,
    principal: Principal,
    studio: Studio,
    needs: Sequence[Need],
    location_id: int | None,
    lo: datetime,
    hi: datetime,
    now: datetime,
    *,
    postgres: bool,
) -> Loaded:
    kit_ids = [n.kit_id for n in needs if n.kit_id is not None]
    kit_items = await resource_rows.kit_item_ids(session, kit_ids) if kit_ids else {}
    named = {n.resource_id for n in needs if n.resource_id is not None}
    named |= {i for items in kit_items.values() for i in items}
    resources = {r.id: r for r in await resource_rows.by_ids(session, principal, sorted(named))}
    per_need: list[list[Resource]] = []
    cache: dict[avail_rows.CandidateFilter, list[Resource]] = {}
    for need in needs:
        if need.resource_id is not None:
            per_need.append([resources[need.resource_id]])
            continue
        if need.kit_id is not None:
            per_need.append([resources[i] for i in kit_items.get(need.kit_id, []) if i in resources])
            continue
        flt = avail_rows.CandidateFilter(
            kind=need.kind,
            category=need.category,
            location_id=location_id if need.kind == ResourceKind.ROOM else None,
            min_capacity=need.min_capacity,
        )
        if flt not in cache:
            cache[flt] = await avail_rows.candidates(session, principal, flt, MAX_CANDIDATES)
        found = [r for r in cache[flt] if r.id not in named]
        if need.kind == ResourceKind.CREW and need.wanted_skills:
            found = [r for r in found if need.wanted_skills <= {s.lower() for s in r.skills or []}]
        if need.kind == ResourceKind.STOCK:
            found = [r for r in found if r.quantity >= need.quantity]
        per_need.append(found)
        resources.update({r.id: r for r in found})

    first_off = min(timedelta(minutes=n.offset_minutes) for n in needs)
    last_end = max(timedelta(minutes=n.offset_minutes + n.duration_minutes) for n in needs)
    wide_lo, wide_hi = lo + first_off - 2 * MAX_BUFFER, hi + last_end + 2 * MAX_BUFFER
    units = [r for r in resources.values() if r.kind != ResourceKind.STOCK]
    pools = [r for r in resources.values() if r.kind == ResourceKind.STOCK]
    busy: dict[int, list[tuple[datetime, datetime]]] = {r.id: [] for r in units}
    for rid, s, e in await avail_rows.busy(
        session, principal.studio_id, [r.id for r in units], wide_lo, wide_hi, now, postgres=postgres
    ):
        busy[rid].append((s, e))
    uses: dict[int, list[tuple[Window, int]]] = {p.id: [] for p in pools}
    for u in await occupancy.pool_uses(session, principal.studio_id, [(p.id, wide_lo, wide_hi) for p in pools], now):
        pool = resources[u.resource_id]
        uses[u.resource_id].append(
            (Window(u.start, u.end).buffered(pool.setup_minutes, pool.teardown_minutes), u.quantity)
        )
    away = await avail_rows.out_of_service(
        session, principal.studio_id, [r.id for r in units if r.kind == ResourceKind.EQUIPMENT]
    )
    crew = sorted(r.id for r in units if r.kind == ResourceKind.CREW)
    calls: dict[int, list[Window]] = {c: [] for c in crew}
    look = crew_rules.LOOKAROUND
    for rid, _booking, s, e in await booking_rows.crew_calls(session, studio.id, crew, wide_lo - look, wide_hi + look):
        calls[rid].append(Window(s, e))
    call_rooms: dict[int, list[tuple[datetime, int]]] = {c: [] for c in crew}
    # Only the calls of the search's own (local) days count towards room changes.
    day = timedelta(days=1)
    for rid, s, room in await booking_rows.crew_call_rooms(session, studio.id, crew, lo - day, hi + day):
        call_rooms[rid].append((s, room))
    rates = await money_rows.rates(session, principal) if crew else []
    hourly: dict[int, float] = {}
    for c in crew:
        member = resources[c]
        rate = pick_rate(rates, member.id, member.category, lo)
        if rate is not None:
            hourly[c] = rate.bill_rate_minor / _HOURS_PER.get(rate.unit, 1)
    return Loaded(per_need, resources, busy, uses, away, calls, call_rooms, kit_items, hourly, now)


def _spans_of(r: Resource, need: Need, loaded: Loaded, lo: datetime, hi: datetime) -> list[Span]:
    offset = timedelta(minutes=need.offset_minutes)
    length = timedelta(minutes=need.duration_minutes)
    setup, teardown = timedelta(minutes=r.setup_minutes), timedelta(minutes=r.teardown_minutes)
    if r.kind == ResourceKind.STOCK:
        full = busy_spans(loaded.pool_uses.get(r.id, []), r.quantity, need.quantity)
        busy = [(w.start, w.end) for w in full]
    else:
        busy = loaded.busy.get(r.id, [])
    spans = finder.free_starts(busy, lo, hi, offset=offset, length=length, setup=setup, teardown=teardown)
    state = loaded.away.get(r.id)
    if state is not None:
        custody, due = state
        if custody == CustodyState.CHECKED_OUT and due is not None and due > loaded.now:
            spans = finder.clip_from(spans, due - offset)
        else:
            spans = []
    return spans


def _rank(r: Resource, loaded: Loaded) -> tuple[float, int, str, int]:
    if r.kind == ResourceKind.ROOM:
        return (0.0, r.capacity if r.capacity is not None else 10**6, r.name, r.id)
    if r.kind == ResourceKind.CREW:
        return (loaded.rate_hourly.get(r.id, float("inf")), 0, r.name, r.id)
    return (0.0, 0, r.name, r.id)


def _plan(index: int, need: Need, loaded: Loaded, lo: datetime, hi: datetime) -> Plan:
    offset = timedelta(minutes=need.offset_minutes)
    length = timedelta(minutes=need.duration_minutes)
    candidates = loaded.candidates[index]
    if need.kit_id is not None:
        spans: list[Span] = [(lo, hi)]
        for item in candidates:
            spans = finder.intersect(spans, _spans_of(item, need, loaded, lo, hi))
        if not candidates:
            spans = []
        option = Option(("k", need.kit_id), spans, tuple(r.id for r in candidates), kit_id=need.kit_id)
        return Plan(index, offset, length, 1, 1, None, [option])
    options = [
        Option(
            ("r", r.id),
            _spans_of(r, need, loaded, lo, hi),
            (r.id,),
            crew=r.kind == ResourceKind.CREW,
            room=r.kind == ResourceKind.ROOM,
        )
        for r in sorted(candidates, key=lambda r: _rank(r, loaded))
    ]
    stock = need.kind == ResourceKind.STOCK
    return Plan(
        index,
        offset,
        length,
        1 if stock else need.quantity,
        need.quantity if stock else 1,
        need.role if need.kind == ResourceKind.CREW else None,
        options,
    )


def _crew_rule(studio: Studio, tz: ZoneInfo, loaded: Loaded) -> finder.Rule:
    def rule(plan: Plan, option: Option, t: datetime) -> list[str] | None:
        member = loaded.resources[option.resource_ids[0]]
        start = t + plan.offset
        calls = [crew_rules.Call(Window(start, start + plan.length), True)]
        calls += [crew_rules.Call(w, False) for w in loaded.calls.get(member.id, [])]
        found = crew_rules.weekly_cap(member, calls, tz) + crew_rules.rest(member, calls, tz)
        if found and studio.crew_rules_hard:
            return None
        return found

    return rule


def _room_changes(tz: ZoneInfo, loaded: Loaded) -> finder.Changes:
    def changes(option: Option, t: datetime, rooms: frozenset[int]) -> int:
        day = t.astimezone(tz).date()
        calls = loaded.call_rooms.get(option.resource_ids[0], [])
        return len({room for s, room in calls if s.astimezone(tz).date() == day} - rooms)

    return changes
