"""Whether a milestone will be delivered in time, computed from plain facts (no database here).

A milestone is AT_RISK when one of its open tasks, or an open task they depend on (transitively),
cannot finish in time: it is due after the milestone; it is an EDIT task whose booking's edit-bay
time ends after the milestone; or its assignee is booked on another session at its due time or is
over their weekly hour cap in the week of its due time. LATE: past its due time and undelivered.
DELIVERED once delivered. Each risk is one sentence naming the task, the resource and the times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from db.models import MilestoneStatus, TaskKind, TaskStatus


@dataclass(frozen=True)
class TaskFact:
    id: int
    title: str
    kind: TaskKind
    status: TaskStatus
    booking_id: int | None
    milestone_id: int | None
    assignee_id: int | None
    due_at: datetime | None


@dataclass(frozen=True)
class MilestoneFact:
    id: int
    name: str
    due_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class EditBay:
    booking_id: int
    allocation_id: int
    room: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Call:
    resource_id: int
    booking_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Assignee:
    id: int
    name: str
    weekly_hour_cap: int | None


@dataclass(frozen=True)
class Facts:
    """Everything the risks of a set of milestones depend on."""

    tz: ZoneInfo
    tasks: Mapping[int, TaskFact]
    depends_on: Mapping[int, Sequence[int]]
    edit_bays: Sequence[EditBay] = ()
    assignees: Mapping[int, Assignee] = field(default_factory=dict)
    calls: Sequence[Call] = ()

    # Indexes built once per set of facts (a request assesses every milestone of its projects).

    @cached_property
    def by_milestone(self) -> dict[int, list[TaskFact]]:
        out: dict[int, list[TaskFact]] = {}
        for t in sorted(self.tasks.values(), key=lambda t: t.id):
            if t.milestone_id is not None:
                out.setdefault(t.milestone_id, []).append(t)
        return out

    @cached_property
    def bays_by_booking(self) -> dict[int, list[EditBay]]:
        out: dict[int, list[EditBay]] = {}
        for b in self.edit_bays:
            out.setdefault(b.booking_id, []).append(b)
        return out

    @cached_property
    def calls_by_person(self) -> dict[int, list[Call]]:
        out: dict[int, list[Call]] = {}
        for c in self.calls:
            out.setdefault(c.resource_id, []).append(c)
        return out

    @cached_property
    def _week_hours(self) -> dict[tuple[int, datetime], float]:
        return {}

    def hours_in_week(self, person: int, week: tuple[datetime, datetime]) -> float:
        """A crew member's booked hours in one local week (memoised)."""
        key = (person, week[0])
        if key not in self._week_hours:
            calls = self.calls_by_person.get(person, ())
            self._week_hours[key] = sum(_hours_within(c.start, c.end, week) for c in calls)
        return self._week_hours[key]

    def moved(
        self,
        booking_id: int,
        due_shift: timedelta,
        allocations: Mapping[int, tuple[datetime, datetime]],
        calls: Iterable[Call],
    ) -> Facts:
        """These facts as they would be after moving a booking: its open tasks' due times shifted,
        its allocations (edit bays, crew calls) at their new windows."""
        tasks = {
            k: replace(t, due_at=t.due_at + due_shift)
            if t.booking_id == booking_id and t.status != TaskStatus.DONE and t.due_at is not None
            else t
            for k, t in self.tasks.items()
        }
        bays = [
            replace(b, start=allocations[b.allocation_id][0], end=allocations[b.allocation_id][1])
            if b.allocation_id in allocations
            else b
            for b in self.edit_bays
        ]
        others = [c for c in self.calls if c.booking_id != booking_id]
        return replace(self, tasks=tasks, edit_bays=bays, calls=[*others, *calls])


@dataclass(frozen=True)
class Assessment:
    status: MilestoneStatus
    risks: tuple[str, ...] = ()


def assess(milestone: MilestoneFact, facts: Facts, now: datetime) -> Assessment:
    """The milestone's status and, when AT_RISK or LATE, why."""
    if milestone.delivered_at is not None:
        return Assessment(MilestoneStatus.DELIVERED)
    risks: list[str] = []
    if now >= milestone.due_at:
        open_count = sum(1 for t in _own(milestone, facts) if t.status != TaskStatus.DONE)
        risks.append(
            f"{milestone.name} was due {_at(milestone.due_at, facts.tz)} and is not delivered"
            f" ({open_count} open task{'s' if open_count != 1 else ''})."
        )
    for task in _chain(milestone, facts):
        risks += _task_risks(task, milestone, facts)
    if now >= milestone.due_at:
        return Assessment(MilestoneStatus.LATE, tuple(risks))
    return Assessment(MilestoneStatus.AT_RISK if risks else MilestoneStatus.PLANNED, tuple(risks))


def _own(milestone: MilestoneFact, facts: Facts) -> list[TaskFact]:
    return facts.by_milestone.get(milestone.id, [])


def _chain(milestone: MilestoneFact, facts: Facts) -> list[TaskFact]:
    """The milestone's open tasks and the open tasks they depend on, transitively, each once."""
    seen: set[int] = set()
    stack = [t.id for t in _own(milestone, facts)]
    while stack:
        tid = stack.pop()
        if tid in seen or tid not in facts.tasks:
            continue
        seen.add(tid)
        stack.extend(facts.depends_on.get(tid, ()))
    chain = [facts.tasks[t] for t in seen if facts.tasks[t].status != TaskStatus.DONE]
    return sorted(chain, key=lambda t: (t.due_at is None, t.due_at or milestone.due_at, t.id))


def _task_risks(task: TaskFact, milestone: MilestoneFact, facts: Facts) -> list[str]:
    out: list[str] = []
    tz = facts.tz
    deadline = _at(milestone.due_at, tz)
    if task.due_at is not None and task.due_at > milestone.due_at:
        out.append(f"{_name(task)} is due {_at(task.due_at, tz)}, after {milestone.name} ({deadline}).")
    if task.kind == TaskKind.EDIT and task.booking_id is not None:
        for bay in facts.bays_by_booking.get(task.booking_id, ()):
            if bay.end > milestone.due_at:
                out.append(
                    f"{_name(task)} has {bay.room} booked until {_at(bay.end, tz)}, "
                    f"after {milestone.name} ({deadline})."
                )
    person = facts.assignees.get(task.assignee_id) if task.assignee_id is not None else None
    if person is not None and task.due_at is not None:
        due = task.due_at
        for call in facts.calls_by_person.get(person.id, ()):
            if call.booking_id != task.booking_id and call.start <= due < call.end:
                out.append(
                    f"{person.name}, assigned {_name(task)} due {_at(due, tz)}, is booked on another session"
                    f" from {_at(call.start, tz)} to {_at(call.end, tz)}."
                )
        if person.weekly_hour_cap:
            week = _week_of(due, tz)
            hours = facts.hours_in_week(person.id, week)
            if hours > person.weekly_hour_cap + 1e-9:
                out.append(
                    f"{person.name}, assigned {_name(task)} due {_at(due, tz)}, is booked {_fmt(hours)} h in the week"
                    f" of {week[0].date().isoformat()}, over their cap of {person.weekly_hour_cap} h."
                )
    return out


def weeks_around(dues: Iterable[datetime], tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The span of the local weeks holding these due times (the calls the cap check needs)."""
    weeks = [_week_of(d, tz) for d in dues]
    if not weeks:
        return None
    return min(w[0] for w in weeks), max(w[1] for w in weeks)


def _week_of(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local: date = moment.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    return (
        datetime.combine(monday, time(0), tzinfo=tz),
        datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz),
    )


def _hours_within(start: datetime, end: datetime, frame: tuple[datetime, datetime]) -> float:
    lo, hi = max(start, frame[0]), min(end, frame[1])
    return max(0.0, (hi - lo).total_seconds() / 3600)


def _name(task: TaskFact) -> str:
    return f"{task.kind.value} task \u201c{task.title}\u201d"


def _at(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %H:%M %Z")


def _fmt(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".")
