"""Payloads of the plan slice: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import (
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from server.schema.types.plan import MediaAsset, Milestone, ReviewLink, Task


@strawberry.type(description="The task was created.")
class TaskCreated:
    task: Task = strawberry.field(description="The new task.")


@strawberry.type(description="The task was changed.")
class TaskUpdated:
    task: Task = strawberry.field(description="The task as it is now.")


@strawberry.type(description="The milestone was created.")
class MilestoneCreated:
    milestone: Milestone = strawberry.field(description="The new milestone.")


@strawberry.type(description="The milestone was delivered.")
class MilestoneDelivered:
    milestone: Milestone = strawberry.field(description="The delivered milestone.")


@strawberry.type(description="The media asset was registered.")
class MediaAssetRegistered:
    media_asset: MediaAsset = strawberry.field(description="The new asset.")
    warnings: list[str] = strawberry.field(description="E.g. the project is past its allocation on the volume.")


@strawberry.type(description="The review link was created; its URL is shown whole only here.")
class ReviewLinkCreated:
    link: ReviewLink = strawberry.field(description="The new link.")
    media_asset: MediaAsset = strawberry.field(description="The asset, now IN_REVIEW.")


CreateTaskResult = Annotated[
    TaskCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateTaskResult")
]
UpdateTaskResult = Annotated[
    TaskUpdated | InvalidTransitionError | ValidationError | NotFoundError | ForbiddenError | StaleVersionError,
    strawberry.union("UpdateTaskResult"),
]
CreateMilestoneResult = Annotated[
    MilestoneCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateMilestoneResult")
]
DeliverMilestoneResult = Annotated[
    MilestoneDelivered | InvalidTransitionError | NotFoundError | ForbiddenError | StaleVersionError,
    strawberry.union("DeliverMilestoneResult"),
]
RegisterMediaAssetResult = Annotated[
    MediaAssetRegistered | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("RegisterMediaAssetResult"),
]
CreateReviewLinkResult = Annotated[
    ReviewLinkCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateReviewLinkResult")
]
