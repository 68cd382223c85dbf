"""The production plan as the API shows it: tasks, milestones (status and risks computed at read
time), media assets and review links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Resource
from server.schema.types.node import Node
from server.schema.types.projects import Project
from server.schema.types.scheduling import Booking
from server.schema.types.slots import TaskKind
from server.services.plan import review
from server.services.plan.risks import Assessment

strawberry.enum(models.TaskStatus, description="Where a task is: TODO, IN_PROGRESS, BLOCKED or DONE.")
strawberry.enum(models.MilestoneStatus, description="PLANNED, AT_RISK, LATE (past due, undelivered) or DELIVERED.")
strawberry.enum(models.MediaStatus, description="Where a media asset is in review and delivery.")
TaskStatus = models.TaskStatus
MilestoneStatus = models.MilestoneStatus
MediaStatus = models.MediaStatus


@strawberry.type(description="A piece of work of a project: a handoff between production and post.")
class Task(Node):
    title: str = strawberry.field(description="What is to be done.")
    kind: TaskKind = strawberry.field(description="PREP, CAPTURE, INGEST, EDIT, REVIEW, DELIVERY or OTHER.")
    status: TaskStatus = strawberry.field(description="TODO, IN_PROGRESS, BLOCKED or DONE.")
    due_at: datetime | None = strawberry.field(description="When it must be done.")
    completed_at: datetime | None = strawberry.field(description="When it became DONE.")
    version: int = strawberry.field(description="Grows by one with every change; send it as `expectedVersion`.")
    pk: strawberry.Private[int]
    project_id: strawberry.Private[int]
    booking_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    milestone_id: strawberry.Private[int | None]

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: strawberry.Info) -> Project:
        return Project.from_model(await info.context.loaders.projects_in_studio_by_id.load(self.project_id))

    @strawberry.field(description="The session it follows from, if any (null where the caller may not see it).")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        if self.booking_id is None:
            return None
        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)

    @strawberry.field(description="The crew member it is assigned to.")
    async def assignee(self, info: strawberry.Info) -> Resource | None:
        if self.assignee_id is None:
            return None
        row = await info.context.loaders.resources_by_id.load(self.assignee_id)
        return None if row is None else Resource.from_model(row)

    @strawberry.field(description="The tasks that must be DONE before this one starts (those the caller may read).")
    async def depends_on(self, info: strawberry.Info) -> list[Task]:
        return [Task.from_model(t) for t in await info.context.loaders.dependencies_by_task.load(self.pk)]

    @strawberry.field(description="The milestone it counts towards, if any.")
    async def milestone(self, info: strawberry.Info) -> Milestone | None:
        if self.milestone_id is None:
            return None
        found = await info.context.loaders.milestones_by_id.load(self.milestone_id)
        return None if found is None else Milestone.of(*found)

    @classmethod
    def from_model(cls, row: models.Task | Row[Any]) -> Task:
        """From the entity, or from a row of `db.repositories.plan.TASK_COLUMNS` (lists)."""
        return cls(
            id=strawberry.ID(to_global_id("Task", row.id)),
            pk=row.id,
            title=row.title,
            kind=row.kind,
            status=row.status,
            due_at=row.due_at,
            completed_at=row.completed_at,
            version=row.version,
            project_id=row.project_id,
            booking_id=row.booking_id,
            assignee_id=row.assignee_id,
            milestone_id=row.milestone_id,
        )


@strawberry.type(description="A delivery date of a project; its status is computed when read.")
class Milestone(Node):
    name: str = strawberry.field(description="What is delivered, e.g. 'Episode 12 live'.")
    due_at: datetime = strawberry.field(description="When it is due.")
    status: MilestoneStatus = strawberry.field(description="PLANNED, AT_RISK, LATE or DELIVERED, as of now.")
    delivered_at: datetime | None = strawberry.field(description="When it was delivered.")
    risks: list[str] = strawberry.field(
        description="Why it is AT_RISK or LATE, one sentence each (empty for roles that do not plan)."
    )
    version: int = strawberry.field(description="Grows by one with every change; send it as `expectedVersion`.")
    pk: strawberry.Private[int]
    project_id: strawberry.Private[int]

    @strawberry.field(description="The tasks that count towards it (those the caller may read).")
    async def tasks(self, info: strawberry.Info) -> list[Task]:
        return [Task.from_model(t) for t in await info.context.loaders.tasks_by_milestone.load(self.pk)]

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: strawberry.Info) -> Project:
        return Project.from_model(await info.context.loaders.projects_in_studio_by_id.load(self.project_id))

    @classmethod
    def of(cls, row: models.Milestone, assessment: Assessment) -> Milestone:
        return cls(
            id=strawberry.ID(to_global_id("Milestone", row.id)),
            pk=row.id,
            name=row.name,
            due_at=row.due_at,
            status=assessment.status,
            delivered_at=row.delivered_at,
            risks=list(assessment.risks),
            version=row.version,
            project_id=row.project_id,
        )


def _absolute(request: Any, path: str) -> str:
    """A path on this server as an absolute URL, from the request's own base (a websocket's as http)."""
    base = str(getattr(request, "base_url", "") or "/").rstrip("/")
    if base.startswith("ws"):
        base = "http" + base[2:]
    return base + path


@strawberry.type(description="A client's one-time review of a media asset, at /review/{token}.")
class ReviewLink:
    url: str = strawberry.field(
        description="The page's URL: whole only in the answer that created it, then shown by its prefix."
    )
    expires_at: datetime = strawberry.field(description="When the link stops working.")
    decision: str | None = strawberry.field(description="APPROVED or CHANGES_REQUESTED, once decided.")
    comment: str | None = strawberry.field(description="The reviewer's comment.")
    decided_at: datetime | None = strawberry.field(description="When it was decided.")

    @classmethod
    def from_model(cls, row: models.ReviewLink, request: Any = None, token: str | None = None) -> ReviewLink:
        path = review.path_of(token) if token is not None else review.masked_path(row)
        return cls(
            url=_absolute(request, path),
            expires_at=row.expires_at,
            decision=row.decision,
            comment=row.comment,
            decided_at=row.decided_at,
        )


@strawberry.type(description="Footage or a cut on a storage volume.")
class MediaAsset(Node):
    name: str = strawberry.field(description="What it is, e.g. 'Interview A-cam'.")
    size_megabytes: int = strawberry.field(description="Its size in MB (counted against the volume's capacity).")
    status: MediaStatus = strawberry.field(description="INGESTED, IN_REVIEW, CHANGES_REQUESTED, APPROVED, ...")
    version: int = strawberry.field(description="Grows by one with every change.")
    pk: strawberry.Private[int]
    storage_id: strawberry.Private[int]
    project_id: strawberry.Private[int]
    booking_id: strawberry.Private[int | None]

    @strawberry.field(description="The STORAGE volume it is on.")
    async def storage(self, info: strawberry.Info) -> Resource:
        return Resource.from_model(await info.context.loaders.resources_by_id.load(self.storage_id))

    @strawberry.field(description="The project it belongs to.")
    async def project(self, info: strawberry.Info) -> Project:
        return Project.from_model(await info.context.loaders.projects_in_studio_by_id.load(self.project_id))

    @strawberry.field(description="The session it came from, if any (null where the caller may not see it).")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        if self.booking_id is None:
            return None
        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)

    @strawberry.field(description="Its review links, oldest first (URLs shown by prefix).")
    async def review_links(self, info: strawberry.Info) -> list[ReviewLink]:
        rows = await info.context.loaders.review_links_by_media.load(self.pk)
        return [ReviewLink.from_model(r, info.context.request) for r in rows]

    @classmethod
    def from_model(cls, row: models.MediaAsset) -> MediaAsset:
        return cls(
            id=strawberry.ID(to_global_id("MediaAsset", row.id)),
            pk=row.id,
            name=row.name,
            size_megabytes=row.size_megabytes,
            status=row.status,
            version=row.version,
            storage_id=row.storage_id,
            project_id=row.project_id,
            booking_id=row.booking_id,
        )
