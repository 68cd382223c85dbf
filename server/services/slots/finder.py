"""The slot finder's search, on plain values (no database): "when can we do this?".

Input: for every need of the session, its options (a room, a crew member, an item, a stock pool or
a kit) in order of preference, each with the set of session starts at which it is free for that
need's own window, computed once over the whole search; plus the starts the opening hours allow.

1. Per option, *free starts*. A claim over the need's window `[t + offset, t + offset + length)`
   collides with an existing (already buffered) claim `[b0, b1)` exactly when
   `t` lies in the open interval `(b0 - offset - length - teardown, b1 - offset + setup)`. The
   option's free starts are the complement of the union of those intervals inside the search frame:
   a sorted list of closed spans, one pass over its claims (`free_starts`). A kit is free where all
   of its items are (intersection); a stock pool where fewer than the needed units are in use
   (`busy_spans` of the shared sweep, then the same complement); an item out of the cage is clipped.
2. Per need, the union of its options' spans: the starts at which the need *could* be met.
3. The starts the whole session could take: the intersection of every need's union and of the
   opening hours. Interval arithmetic, linear in the number of spans.
4. Walk the aligned starts (`origin + k * step`) inside that intersection, earliest first. At each
   start, assign concrete options to the needs' units (a need of quantity 3 is three units wanting
   three distinct rooms, crew members or items) by augmenting paths (Kuhn's bipartite matching):
   each unit tries its free options in preference order, displacing an earlier unit only if that
   one can move to another free option. Options are tested lazily (a binary search in their spans;
   crew rules, which need the member's other calls, only when the option is tried). A start where
   no complete matching exists is skipped. Stop after `first` slots.
5. At a start that has a matching, the crew is chosen again with the rooms of that matching fixed:
   crew options ordered by how many other rooms the member works in that day (a stable sort, so the
   cheaper of two equal members still comes first), and the matching rerun (`fewer_changes`).

Cost: step 1 is linear in the claims read; steps 2-3 in the spans; step 4 examines only starts that
every need could meet, and a matching costs O(units x options) at worst. Resource combinations are
never enumerated.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

# A closed span [lo, hi] of feasible session starts.
Span = tuple[datetime, datetime]


def free_starts(
    busy: Iterable[tuple[datetime, datetime]],
    lo: datetime,
    hi: datetime,
    *,
    offset: timedelta,
    length: timedelta,
    setup: timedelta,
    teardown: timedelta,
) -> list[Span]:
    """Session starts in [lo, hi] at which the option's buffered window clears every busy window."""
    blocked = sorted((b0 - offset - length - teardown, b1 - offset + setup) for b0, b1 in busy)
    out: list[Span] = []
    cursor = lo
    for a, b in blocked:
        if b <= cursor:
            continue
        if a >= cursor:
            # `a` itself is free (open interval): the span ends there.
            end = min(a, hi)
            if cursor <= end:
                out.append((cursor, end))
        cursor = max(cursor, b)
        if cursor > hi:
            return out
    if cursor <= hi:
        out.append((cursor, hi))
    return _merge(out)


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def union(groups: Iterable[Sequence[Span]]) -> list[Span]:
    return _merge([s for g in groups for s in g])


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def clip_from(spans: Sequence[Span], earliest: datetime) -> list[Span]:
    return [(max(lo, earliest), hi) for lo, hi in spans if hi >= earliest]


def contains(spans: Sequence[Span], los: Sequence[datetime], t: datetime) -> bool:
    i = bisect.bisect_right(los, t) - 1
    return i >= 0 and spans[i][1] >= t


def aligned_starts(spans: Sequence[Span], origin: datetime, step: timedelta) -> Iterator[datetime]:
    """`origin + k * step` inside the spans, in order."""
    for lo, hi in spans:
        k = -((origin - lo) // step)  # ceil((lo - origin) / step)
        t = origin + k * step
        while t <= hi:
            yield t
            t += step


@dataclass
class Option:
    """One way to meet a need: a resource (or a kit of items), free at `spans`."""

    key: tuple[str, int]  # ("r", resource id) or ("k", kit id): distinct across the whole slot
    spans: list[Span]
    resource_ids: tuple[int, ...]
    kit_id: int | None = None
    crew: bool = False
    room: bool = False
    _los: list[datetime] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._los = [lo for lo, _ in self.spans]

    def free_at(self, t: datetime) -> bool:
        return contains(self.spans, self._los, t)


@dataclass
class Plan:
    """A need with its options in preference order; `units` distinct options fill it."""

    index: int
    offset: timedelta
    length: timedelta
    units: int
    quantity_each: int
    role: str | None
    options: list[Option]


@dataclass(frozen=True)
class Pick:
    need: int
    option: Option
    quantity: int
    start: datetime
    end: datetime
    role: str | None


@dataclass
class Found:
    start: datetime
    picks: list[Pick]
    warnings: list[str]


# A crew rule on an option at a start: None refuses it there, else the warnings it brings.
Rule = Callable[[Plan, Option, datetime], list[str] | None]


def no_rule(plan: Plan, option: Option, t: datetime) -> list[str] | None:
    return []


def match(plans: Sequence[Plan], t: datetime, rule: Rule = no_rule) -> Found | None:
    """Distinct free options for every unit of every need at start `t`, or None."""
    units = [p for p in plans for _ in range(p.units)]
    owner: dict[tuple[str, int], int] = {}
    chosen: dict[int, Option] = {}
    verdicts: dict[tuple[int, tuple[str, int]], list[str] | None] = {}
    free: dict[int, list[Option]] = {}

    def options(u: int) -> list[Option]:
        plan = units[u]
        if plan.index not in free:
            free[plan.index] = [o for o in plan.options if o.free_at(t)]
        return free[plan.index]

    def verdict(plan: Plan, option: Option) -> list[str] | None:
        k = (plan.index, option.key)
        if k not in verdicts:
            verdicts[k] = rule(plan, option, t) if option.crew else []
        return verdicts[k]

    def take(u: int, option: Option) -> bool:
        owner[option.key] = u
        chosen[u] = option
        return True

    def augment(u: int, seen: set[tuple[str, int]]) -> bool:
        usable = [o for o in options(u) if o.key not in seen and verdict(units[u], o) is not None]
        # An unclaimed option first (keeps earlier units on their preferred choice), then displacement.
        for option in usable:
            if option.key not in owner:
                return take(u, option)
        for option in usable:
            if option.key in seen:
                continue
            seen.add(option.key)
            if augment(owner[option.key], seen):
                return take(u, option)
        return False

    for u in range(len(units)):
        if not augment(u, set()):
            return None
    picks: list[Pick] = []
    warnings: list[str] = []
    for u, plan in enumerate(units):
        option = chosen[u]
        start = t + plan.offset
        picks.append(Pick(plan.index, option, plan.quantity_each, start, start + plan.length, plan.role))
        warnings += verdict(plan, option) or []
    return Found(t, picks, list(dict.fromkeys(warnings)))


# How many rooms a crew option would move between that day if the slot held these rooms.
Changes = Callable[[Option, datetime, frozenset[int]], int]


def fewer_changes(plans: Sequence[Plan], found: Found, rule: Rule, changes: Changes) -> Found:
    """The same start with crew re-chosen: fewest room changes over the day first, then as ranked.

    Rooms and crew never compete for an option, so the rooms of the first matching stay; only the
    crew options are reordered (a stable sort keeps the cheaper of two equal members first)."""
    t = found.start
    rooms = frozenset(rid for p in found.picks if p.option.room for rid in p.option.resource_ids)
    if not rooms:
        return found

    def key(option: Option) -> int:
        return changes(option, t, rooms) if option.free_at(t) else 0

    reordered = [
        replace(plan, options=sorted(plan.options, key=key)) if any(o.crew for o in plan.options) else plan
        for plan in plans
    ]
    return match(reordered, t, rule) or found


def search(
    plans: Sequence[Plan],
    allowed: Sequence[Span],
    origin: datetime,
    step: timedelta,
    first: int,
    rule: Rule = no_rule,
    changes: Changes | None = None,
) -> list[Found]:
    """The earliest `first` aligned starts at which every need is met, one slot per start."""
    feasible = list(allowed)
    for plan in plans:
        feasible = intersect(feasible, union(o.spans for o in plan.options))
        if not feasible:
            return []
    out: list[Found] = []
    for t in aligned_starts(feasible, origin, step):
        found = match(plans, t, rule)
        if found is not None:
            if changes is not None:
                found = fewer_changes(plans, found, rule, changes)
            out.append(found)
            if len(out) >= first:
                break
    return out
