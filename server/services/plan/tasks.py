"""Tasks: created on a project (optionally on a booking and a milestone, with an assignee, a due time
and dependencies), moved through TODO / IN_PROGRESS / BLOCKED / DONE.

A task cannot go IN_PROGRESS or DONE before every task it depends on is DONE; dependencies stay
inside one project and never form a cycle; a task is never due before a task it depends on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from db.models import Booking, Milestone, Resource, ResourceKind, Task, TaskKind, TaskStatus
from db.repositories import bookings as booking_rows
from db.repositories import plan as rows
from db.repositories import resources as resource_rows
from server.events.types import BOOKINGS, DomainEvent
from server.services import validation as v
from server.services import versions
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.plan import access
from server.services.principal import Principal
from server.services.uow import Tx

STARTED = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE})


@dataclass(frozen=True)
class CreateTask:
    project_id: int
    title: str
    kind: TaskKind
    booking_id: int | None = None
    assignee_id: int | None = None
    due_at: datetime | None = None
    depends_on: tuple[int, ...] = ()
    milestone_id: int | None = None


@dataclass(frozen=True)
class UpdateTask:
    task_id: int
    status: TaskStatus | None = None
    assignee_id: int | None = None
    clear_assignee: bool = False
    due_at: datetime | None = None
    depends_on: tuple[int, ...] | None = None
    milestone_id: int | None = None
    expected_version: int | None = None

    @property
    def status_only(self) -> bool:
        return (
            self.assignee_id is None
            and not self.clear_assignee
            and self.due_at is None
            and self.depends_on is None
            and self.milestone_id is None
        )


def plan_changed(tx: Tx, project_id: int, booking_ids: Iterable[int | None]) -> None:
    """Milestone risks are read-time; tell the bookings' followers to read them again."""
    for booking_id in sorted({b for b in booking_ids if b is not None}):
        tx.emit(DomainEvent(BOOKINGS, "PlanChanged", {"projectId": project_id, "bookingId": booking_id}))
    tx.emit(DomainEvent(BOOKINGS, "PlanChanged", {"projectId": project_id}))


async def create_task(tx: Tx, principal: Principal, cmd: CreateTask, now: datetime) -> Task:
    """A new task on a project the caller plans."""
    project = await access.project_to_plan(tx, principal, cmd.project_id)
    title = v.required_text(cmd.title, "title", max_length=200)
    booking = await _booking(tx, principal, project.id, cmd.booking_id)
    assignee = await _assignee(tx, principal, cmd.assignee_id)
    milestone = await _milestone(tx, principal, project.id, cmd.milestone_id)
    due = _aware(cmd.due_at, "dueAt")
    deps = await _dependencies(tx, principal, project.id, cmd.depends_on)
    _due_after(due, deps.values())
    task = Task(
        studio_id=principal.studio_id,
        project_id=project.id,
        booking_id=booking.id if booking else None,
        milestone_id=milestone.id if milestone else None,
        assignee_id=assignee.id if assignee else None,
        title=title,
        kind=cmd.kind,
        status=TaskStatus.TODO,
        due_at=due,
        version=1,
        created_at=now,
        updated_at=now,
    )
    await rows.add_tasks(tx.session, [task])
    await rows.add_edges(tx.session, [(task.id, d) for d in sorted(deps)])
    plan_changed(tx, project.id, [task.booking_id])
    return task


async def update_task(tx: Tx, principal: Principal, cmd: UpdateTask, now: datetime) -> Task:
    """Change a task's status (crew: of their own tasks), assignee, due time, dependencies or milestone."""
    task = await access.task_to_change(tx, principal, cmd.task_id, status_only=cmd.status_only)
    await versions.claim(tx, Task, principal.studio_id, task.id, cmd.expected_version)
    if cmd.depends_on is not None:
        deps = await _dependencies(tx, principal, task.project_id, cmd.depends_on)
        await _refuse_cycle(tx, task, set(deps))
    else:
        deps = {t.id: t for t in await _current_deps(tx, principal, task.id)}
    person = await _assignee(tx, principal, cmd.assignee_id)
    if person is not None:
        task.assignee_id = person.id
    elif cmd.clear_assignee:
        task.assignee_id = None
    milestone = await _milestone(tx, principal, task.project_id, cmd.milestone_id)
    if milestone is not None:
        task.milestone_id = milestone.id
    if cmd.due_at is not None or cmd.depends_on is not None:
        due = _aware(cmd.due_at, "dueAt") if cmd.due_at is not None else task.due_at
        _due_after(due, deps.values())
        if cmd.due_at is not None:
            await _dependents_not_earlier(tx, task.id, due)
        task.due_at = due
    if cmd.status is not None and cmd.status != task.status:
        if cmd.status in STARTED:
            waiting = [d for d in deps.values() if d.status != TaskStatus.DONE]
            if waiting:
                names = ", ".join(f"\u201c{d.title}\u201d ({d.status.value})" for d in sorted(waiting, key=_key))
                raise InvalidTransition(
                    f"\u201c{task.title}\u201d cannot become {cmd.status.value} before {names} "
                    f"{'is' if len(waiting) == 1 else 'are'} DONE."
                )
        task.status = cmd.status
        task.completed_at = now if cmd.status == TaskStatus.DONE else None
    if cmd.depends_on is not None:
        await rows.replace_edges(tx.session, task.id, sorted(deps))
    task.updated_at = now
    await tx.session.flush()
    await tx.session.refresh(task)
    plan_changed(tx, task.project_id, [task.booking_id])
    return task


def _key(t: Task) -> tuple[int]:
    return (t.id,)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field=field)
    return value


def _due_after(due: datetime | None, deps: Iterable[Task]) -> None:
    if due is None:
        return
    for d in sorted(deps, key=_key):
        if d.due_at is not None and due < d.due_at:
            raise Invalid(
                f"The task would be due before \u201c{d.title}\u201d, which it depends on "
                f"(due {d.due_at.isoformat()}).",
                field="dueAt",
            )


async def _dependents_not_earlier(tx: Tx, task_id: int, due: datetime | None) -> None:
    if due is None:
        return
    for t in await rows.dependents_of(tx.session, task_id):
        if t.due_at is not None and t.due_at < due:
            raise Invalid(
                f"\u201c{t.title}\u201d depends on this task and is due {t.due_at.isoformat()}, "
                "before the new due time.",
                field="dueAt",
            )


async def _current_deps(tx: Tx, principal: Principal, task_id: int) -> list[Task]:
    ids = [b for _a, b in await rows.edges_of(tx.session, [task_id])]
    return await rows.tasks_in_studio(tx.session, principal, ids)


async def _booking(tx: Tx, principal: Principal, project_id: int, booking_id: int | None) -> Booking | None:
    if booking_id is None:
        return None
    booking = await booking_rows.in_studio(tx.session, principal, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    if booking.project_id != project_id:
        raise Invalid("The booking belongs to another project.", field="bookingId")
    return booking


async def _assignee(tx: Tx, principal: Principal, resource_id: int | None) -> Resource | None:
    if resource_id is None:
        return None
    person = await resource_rows.get(tx.session, principal, resource_id)
    if person is None:
        raise NotFound("No such resource.")
    if person.kind != ResourceKind.CREW:
        raise Invalid(f"{person.name} is {person.kind.value}; tasks are assigned to crew.", field="assigneeId")
    return person


async def _milestone(tx: Tx, principal: Principal, project_id: int, milestone_id: int | None) -> Milestone | None:
    if milestone_id is None:
        return None
    milestone = await rows.milestone_in_studio(tx.session, principal, milestone_id)
    if milestone is None:
        raise NotFound("No such milestone.")
    if milestone.project_id != project_id:
        raise Invalid("The milestone belongs to another project.", field="milestoneId")
    return milestone


async def _dependencies(tx: Tx, principal: Principal, project_id: int, ids: Sequence[int]) -> dict[int, Task]:
    found = {t.id: t for t in await rows.tasks_in_studio(tx.session, principal, sorted(set(ids)))}
    for i in ids:
        if i not in found:
            raise NotFound("No such task.")
        if found[i].project_id != project_id:
            raise Invalid(f"\u201c{found[i].title}\u201d is a task of another project.", field="dependsOn")
    return found


async def _refuse_cycle(tx: Tx, task: Task, deps: set[int]) -> None:
    if task.id in deps:
        raise Invalid("A task cannot depend on itself.", field="dependsOn")
    graph: dict[int, list[int]] = {}
    for a, b in await rows.project_edges(tx.session, task.studio_id, [task.project_id]):
        if a != task.id:
            graph.setdefault(a, []).append(b)
    if _reaches(graph, deps, task.id):
        raise Invalid("These dependencies would make a cycle.", field="dependsOn")


def _reaches(graph: Mapping[int, Sequence[int]], starts: Iterable[int], target: int) -> bool:
    """Whether following dependencies from `starts` arrives at `target`."""
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(graph.get(node, ()))
    return False
