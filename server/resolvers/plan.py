"""Resolvers of the plan slice (tasks, milestones, media, review links): arguments -> one service call
-> result type."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.schema.context import Context
from server.schema.ids import decode_id
from server.schema.plan.inputs import CreateMilestoneInput, CreateTaskInput, UpdateTaskInput
from server.schema.plan.payloads import (
    CreateMilestoneResult,
    CreateTaskResult,
    DeliverMilestoneResult,
    MilestoneCreated,
    MilestoneDelivered,
    TaskCreated,
    TaskUpdated,
    UpdateTaskResult,
)
from server.schema.types.plan import Milestone, Task
from server.schema.versions import ExpectedVersion

Info = strawberry.Info[Context, None]


@result_union
async def create_task(info: Info, input: CreateTaskInput) -> CreateTaskResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.plan.create_task(principal, input.to_command())
    return TaskCreated(task=Task.from_model(row))


@result_union
async def update_task(info: Info, input: UpdateTaskInput) -> UpdateTaskResult:
    principal = info.context.require_principal()
    row = await info.context.runtime.plan.update_task(principal, input.to_command())
    return TaskUpdated(task=Task.from_model(row))


@result_union
async def create_milestone(info: Info, input: CreateMilestoneInput) -> CreateMilestoneResult:
    principal = info.context.require_principal()
    row, verdict = await info.context.runtime.plan.create_milestone(principal, input.to_command())
    return MilestoneCreated(milestone=Milestone.of(row, verdict))


@result_union
async def deliver_milestone(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> DeliverMilestoneResult:
    principal = info.context.require_principal()
    row, verdict = await info.context.runtime.plan.deliver_milestone(
        principal, decode_id(id, "Milestone"), expected_version
    )
    return MilestoneDelivered(milestone=Milestone.of(row, verdict))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class PlanMutation:
    create_task = strawberry.mutation(resolver=create_task, description="A new task of a project.")
    update_task = strawberry.mutation(
        resolver=update_task, description="Change a task's status, assignee, due time, dependencies or milestone."
    )
    create_milestone = strawberry.mutation(resolver=create_milestone, description="A new delivery milestone.")
    deliver_milestone = strawberry.mutation(
        resolver=deliver_milestone, description="Deliver a milestone whose tasks are all DONE."
    )
