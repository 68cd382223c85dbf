"""The plan's part in booking changes, each one call from the allocation engine inside its
transaction: a booking from a template gets the template's tasks; a move shifts its open tasks' due
times (and, dry or not, says which milestones the new windows put at risk); a cancellation deletes
its tasks that are not DONE (DONE ones stay as the record of work done)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from db.models import Allocation, Booking, Milestone, Resource, Task, TaskStatus
from db.repositories import plan as rows
from db.repositories import templates as template_rows
from server.services.allocation.windows import Window
from server.services.errors import NotFound
from server.services.plan import facts
from server.services.plan.risks import Assessment, Call, assess
from server.services.plan.tasks import plan_changed
from server.services.principal import Principal
from server.services.slots.needs import TaskSpec
from server.services.uow import Tx


async def booking_created(tx: Tx, principal: Principal, booking: Booking, template_id: int | None) -> list[str]:
    """The template's tasks for a new booking; warnings for roles the session has no crew for."""
    if template_id is None:
        return []
    template = await template_rows.template(tx.session, principal, template_id)
    if template is None:
        raise NotFound("No such template.")
    specs = [TaskSpec.from_json(t) for t in template.tasks]
    if not specs:
        return []
    crew = await rows.crew_of_bookings(tx.session, booking.studio_id, [booking.id])
    warnings: list[str] = []
    made: list[Task] = []
    for spec in specs:
        person = _in_role(crew, spec.role) if spec.role else None
        if spec.role and person is None:
            warnings.append(f"No crew member is booked as {spec.role}; \u201c{spec.title}\u201d is unassigned.")
        made.append(
            Task(
                studio_id=booking.studio_id,
                project_id=booking.project_id,
                booking_id=booking.id,
                assignee_id=person.id if person else None,
                title=spec.title,
                kind=spec.kind,
                status=TaskStatus.TODO,
                due_at=booking.end_at + timedelta(minutes=spec.offset_minutes),
                version=1,
                created_at=booking.created_at,
                updated_at=booking.created_at,
            )
        )
    await rows.add_tasks(tx.session, made)
    edges = [
        (made[i].id, made[d].id) for i, s in enumerate(specs) for d in s.depends_on if 0 <= d < len(made) and d != i
    ]
    await rows.add_edges(tx.session, edges)
    plan_changed(tx, booking.project_id, [booking.id])
    return warnings


def _in_role(crew: Sequence[tuple[int, Allocation, Resource]], role: str) -> Resource | None:
    """The session's crew member called in this role; else one whose category or skills name it."""
    wanted = role.strip().lower()
    for _b, allocation, person in crew:
        if (allocation.role or "").strip().lower() == wanted:
            return person
    for _b, _a, person in crew:
        if (person.category or "").lower() == wanted or wanted in {s.lower() for s in person.skills or []}:
            return person
    return None


async def booking_moving(
    tx: Tx,
    principal: Principal,
    booking: Booking,
    new: Window,
    windows: Mapping[int, Window],
    *,
    dry_run: bool,
) -> list[tuple[Milestone, Assessment]]:
    """The project's undelivered milestones the move leaves at risk; unless a dry run, the booking's
    open tasks' due times move with its end."""
    shift = new.end - booking.end_at
    at_risk = await _at_risk_after(tx, principal, booking, shift, windows)
    if not dry_run and shift:
        moved = await rows.open_tasks_of_booking(tx.session, booking.id)
        await rows.shift_due(tx.session, [t.id for t in moved], shift.total_seconds())
        plan_changed(tx, booking.project_id, [booking.id])
    return at_risk


async def _at_risk_after(
    tx: Tx,
    principal: Principal,
    booking: Booking,
    shift: timedelta,
    windows: Mapping[int, Window],
) -> list[tuple[Milestone, Assessment]]:
    milestones = await rows.undelivered_milestones_of_projects(tx.session, booking.studio_id, [booking.project_id])
    if not milestones:
        return []
    now = datetime.now(booking.start_at.tzinfo)
    known = await facts.load(tx.session, principal, [booking.project_id], widen=abs(shift))
    crew = await rows.crew_of_bookings(tx.session, booking.studio_id, [booking.id])
    calls = [Call(p.id, booking.id, windows[a.id].start, windows[a.id].end) for _b, a, p in crew if a.id in windows]
    after = known.moved(booking.id, shift, {k: (w.start, w.end) for k, w in windows.items()}, calls)
    out = []
    for m in milestones:
        verdict = assess(facts.milestone_fact(m), after, now)
        if verdict.status.value in ("AT_RISK", "LATE"):
            out.append((m, facts.shown(principal, verdict)))
    return out


async def booking_cancelled(tx: Tx, booking: Booking) -> None:
    """The cancelled booking's tasks not DONE are deleted (their dependencies with them)."""
    gone = await rows.open_tasks_of_booking(tx.session, booking.id)
    if gone:
        await rows.delete_tasks(tx.session, [t.id for t in gone])
        plan_changed(tx, booking.project_id, [booking.id])
