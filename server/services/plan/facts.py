"""Reading the facts milestone risks are computed from: a constant number of statements for any
number of milestones (the studio, the projects' tasks and dependencies, the edit-bay allocations of
EDIT tasks' bookings, the assignees and their calls in the weeks of their due times)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Milestone, TaskKind
from db.repositories import bookings as booking_rows
from db.repositories import plan as rows
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from db.repositories.scoping import PLAN_MANAGERS
from server.services.plan.risks import (
    Assessment,
    Assignee,
    Call,
    EditBay,
    Facts,
    MilestoneFact,
    TaskFact,
    assess,
    weeks_around,
)
from server.services.principal import Principal


def milestone_fact(m: Milestone) -> MilestoneFact:
    return MilestoneFact(m.id, m.name, m.due_at, m.delivered_at)


async def load(
    session: AsyncSession, principal: Principal, project_ids: Sequence[int], *, widen: timedelta = timedelta(0)
) -> Facts:
    """The facts of these projects' plans (all of their tasks, whoever asks: a risk is a risk); `widen`
    reaches the calls of due times about to move by that much."""
    studio = await tenancy.studio(session, principal)
    tz = ZoneInfo(studio.timezone if studio is not None else "UTC")
    sid = principal.studio_id
    tasks = [TaskFact(*row) for row in await rows.project_task_columns(session, sid, sorted(set(project_ids)))]
    depends: dict[int, list[int]] = {}
    for a, b in await rows.project_edges(session, sid, sorted(set(project_ids))):
        depends.setdefault(a, []).append(b)
    edit_bookings = sorted({t.booking_id for t in tasks if t.kind == TaskKind.EDIT and t.booking_id is not None})
    bays = [EditBay(*row) for row in await rows.edit_bay_ends(session, sid, edit_bookings)]
    assigned = [t for t in tasks if t.assignee_id is not None and t.due_at is not None]
    people = sorted({t.assignee_id for t in assigned if t.assignee_id is not None})
    assignees = {
        r.id: Assignee(r.id, r.name, r.weekly_hour_cap) for r in await resource_rows.by_ids(session, principal, people)
    }
    span = weeks_around([t.due_at for t in assigned if t.due_at is not None], tz)
    calls: list[Call] = []
    if span is not None and people:
        calls = [
            Call(*c) for c in await booking_rows.crew_calls(session, sid, people, span[0] - widen, span[1] + widen)
        ]
    return Facts(tz, {t.id: t for t in tasks}, depends, bays, assignees, calls)


def shown(principal: Principal, assessment: Assessment) -> Assessment:
    """Risks name tasks and people: only the roles that plan read them; others see the status."""
    if principal.role in PLAN_MANAGERS:
        return assessment
    return Assessment(assessment.status)


async def assessed(
    session: AsyncSession, principal: Principal, milestones: Sequence[Milestone], now: datetime
) -> list[Assessment]:
    """Each milestone's status and risks as the caller may see them, aligned with `milestones`."""
    if not milestones:
        return []
    facts = await load(session, principal, [m.project_id for m in milestones])
    return [shown(principal, assess(milestone_fact(m), facts, now)) for m in milestones]
