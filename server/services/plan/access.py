"""Who may change which part of the plan: staff any project's; producers their own projects'; crew
only the status of the tasks assigned to them."""

from __future__ import annotations

from db.models import Project, Role, Task
from db.repositories import plan as rows
from db.repositories import projects as project_rows
from db.repositories import resources as resource_rows
from server.services.errors import Forbidden, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx


async def project_to_plan(tx: Tx, principal: Principal, project_id: int) -> Project:
    """The project, if the caller may plan on it."""
    require(principal, Action.MANAGE_PLAN)
    project = await project_rows.get_in_studio(tx.session, principal, project_id)
    if project is None:
        raise NotFound("No such project.")
    if principal.role == Role.PRODUCER and project.producer_id != principal.user_id:
        raise Forbidden("Producers plan their own projects only.")
    return project


async def task_to_change(tx: Tx, principal: Principal, task_id: int, *, status_only: bool) -> Task:
    """The task, locked, if the caller may make this change to it (crew: the status of their own)."""
    require(principal, Action.READ_PLAN)
    if principal.role == Role.CLIENT:
        raise Forbidden("Clients follow their projects' milestones; they do not change tasks.")
    task = await rows.task_in_studio(tx.session, principal, task_id)
    if task is None:
        raise NotFound("No such task.")
    if principal.role == Role.CREW:
        mine = False
        if task.assignee_id is not None and principal.user_id is not None:
            person = await resource_rows.get(tx.session, principal, task.assignee_id)
            mine = person is not None and person.user_id == principal.user_id
        if not mine:
            raise Forbidden("Crew update only the tasks assigned to them.")
        if not status_only:
            raise Forbidden("Crew change only the status of their tasks.")
        return task
    await project_to_plan(tx, principal, task.project_id)
    return task
