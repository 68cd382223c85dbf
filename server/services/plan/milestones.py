"""Milestones: a named delivery date on a project; delivered only when every one of its tasks is DONE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.models import Milestone, TaskStatus
from db.repositories import plan as rows
from server.services import validation as v
from server.services import versions
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.plan import access
from server.services.plan.tasks import plan_changed
from server.services.principal import Principal
from server.services.uow import Tx


@dataclass(frozen=True)
class CreateMilestone:
    project_id: int
    name: str
    due_at: datetime


async def create_milestone(tx: Tx, principal: Principal, cmd: CreateMilestone, now: datetime) -> Milestone:
    """A new delivery milestone on a project the caller plans."""
    project = await access.project_to_plan(tx, principal, cmd.project_id)
    name = v.required_text(cmd.name, "name", max_length=200)
    if cmd.due_at.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="dueAt")
    row = Milestone(
        studio_id=principal.studio_id, project_id=project.id, name=name, due_at=cmd.due_at, version=1, created_at=now
    )
    await rows.add_milestone(tx.session, row)
    plan_changed(tx, project.id, [])
    return row


async def deliver_milestone(
    tx: Tx, principal: Principal, milestone_id: int, expected_version: int | None, now: datetime
) -> Milestone:
    """Mark a milestone delivered; refused while any of its tasks is not DONE."""
    found = await rows.milestone_in_studio(tx.session, principal, milestone_id)
    if found is None:
        raise NotFound("No such milestone.")
    await access.project_to_plan(tx, principal, found.project_id)
    await versions.claim(tx, Milestone, principal.studio_id, milestone_id, expected_version)
    await tx.session.refresh(found)
    if found.delivered_at is not None:
        raise InvalidTransition(f"{found.name} was delivered already.")
    tasks = await rows.project_tasks(tx.session, principal.studio_id, [found.project_id])
    open_ = sorted((t for t in tasks if t.milestone_id == found.id and t.status != TaskStatus.DONE), key=lambda t: t.id)
    if open_:
        names = ", ".join(f"\u201c{t.title}\u201d ({t.status.value})" for t in open_)
        raise InvalidTransition(f"{found.name} cannot be delivered while tasks are open: {names}.")
    found.delivered_at = now
    await tx.session.flush()
    plan_changed(tx, found.project_id, {t.booking_id for t in tasks if t.milestone_id == found.id})
    return found
