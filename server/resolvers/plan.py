"""Resolvers of the plan slice (tasks, milestones, media, review links): arguments -> one service call
-> result type."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import result_union
from server.schema.context import Context
from server.schema.ids import decode_id
from server.schema.plan.inputs import (
    CreateMilestoneInput,
    CreateReviewLinkInput,
    CreateTaskInput,
    RegisterMediaAssetInput,
    UpdateTaskInput,
)
from server.schema.plan.payloads import (
    CreateMilestoneResult,
    CreateReviewLinkResult,
    CreateTaskResult,
    DeliverMilestoneResult,
    MediaAssetRegistered,
    MilestoneCreated,
    MilestoneDelivered,
    RegisterMediaAssetResult,
    ReviewLinkCreated,
    TaskCreated,
    TaskUpdated,
    UpdateTaskResult,
)
from server.schema.types.plan import MediaAsset, Milestone, ReviewLink, Task
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


@result_union
async def register_media_asset(info: Info, input: RegisterMediaAssetInput) -> RegisterMediaAssetResult:
    principal = info.context.require_principal()
    row, warnings = await info.context.runtime.plan.register_media(principal, input.to_command())
    return MediaAssetRegistered(media_asset=MediaAsset.from_model(row), warnings=warnings)


@result_union
async def create_review_link(info: Info, input: CreateReviewLinkInput) -> CreateReviewLinkResult:
    principal = info.context.require_principal()
    made = await info.context.runtime.plan.create_review_link(
        principal, decode_id(input.media_asset_id, "MediaAsset", "media asset"), input.expires_at
    )
    return ReviewLinkCreated(
        link=ReviewLink.from_model(made.link, info.context.request, made.token),
        media_asset=MediaAsset.from_model(made.asset),
    )


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
    register_media_asset = strawberry.mutation(
        resolver=register_media_asset,
        description="Record footage or a cut on a storage volume, never past its capacity.",
    )
    create_review_link = strawberry.mutation(
        resolver=create_review_link, description="A one-time client review link for a media asset."
    )
