"""Inputs of the plan slice, each turned into the service's command."""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.schema.ids import decode_id, decode_optional
from server.schema.types.plan import TaskStatus
from server.schema.types.slots import TaskKind
from server.schema.versions import EXPECTED_VERSION
from server.services.plan.media import RegisterMedia
from server.services.plan.milestones import CreateMilestone
from server.services.plan.tasks import CreateTask, UpdateTask


@strawberry.input(description="A new task of a project.")
class CreateTaskInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")
    title: str = strawberry.field(description="What is to be done.")
    kind: TaskKind = strawberry.field(description="What kind of work it is.")
    booking_id: strawberry.ID | None = strawberry.field(default=None, description="The session it follows from.")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="A crew member.")
    due_at: datetime | None = strawberry.field(default=None, description="When it must be done.")
    depends_on: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Tasks of the same project that must be DONE first."
    )
    milestone_id: strawberry.ID | None = strawberry.field(default=None, description="The milestone it counts towards.")

    def to_command(self) -> CreateTask:
        return CreateTask(
            project_id=decode_id(self.project_id, "Project"),
            title=self.title,
            kind=self.kind,
            booking_id=decode_optional(self.booking_id, "Booking"),
            assignee_id=decode_optional(self.assignee_id, "Resource"),
            due_at=self.due_at,
            depends_on=tuple(decode_id(d, "Task") for d in self.depends_on or ()),
            milestone_id=decode_optional(self.milestone_id, "Milestone"),
        )


@strawberry.input(description="Changes to a task; omitted fields stay. Crew change only the status of their own.")
class UpdateTaskInput:
    id: strawberry.ID = strawberry.field(description="The task.")
    status: TaskStatus | None = strawberry.field(default=None, description="The new status.")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="A crew member.")
    clear_assignee: bool | None = strawberry.field(default=False, description="Leave it unassigned.")
    due_at: datetime | None = strawberry.field(default=None, description="When it must be done.")
    depends_on: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces its dependencies (tasks of the same project; no cycles)."
    )
    milestone_id: strawberry.ID | None = strawberry.field(default=None, description="The milestone it counts towards.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

    def to_command(self) -> UpdateTask:
        return UpdateTask(
            task_id=decode_id(self.id, "Task"),
            status=self.status,
            assignee_id=decode_optional(self.assignee_id, "Resource"),
            clear_assignee=bool(self.clear_assignee),
            due_at=self.due_at,
            depends_on=None if self.depends_on is None else tuple(decode_id(d, "Task") for d in self.depends_on),
            milestone_id=decode_optional(self.milestone_id, "Milestone"),
            expected_version=self.expected_version,
        )


@strawberry.input(description="A new delivery milestone of a project.")
class CreateMilestoneInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")
    name: str = strawberry.field(description="What is delivered, e.g. 'Episode 12 live'.")
    due_at: datetime = strawberry.field(description="When it is due.")

    def to_command(self) -> CreateMilestone:
        return CreateMilestone(project_id=decode_id(self.project_id, "Project"), name=self.name, due_at=self.due_at)


@strawberry.input(description="Footage or a cut stored on a STORAGE volume.")
class RegisterMediaAssetInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")
    storage_id: strawberry.ID = strawberry.field(description="The STORAGE volume it is on.")
    name: str = strawberry.field(description="What it is.")
    size_megabytes: int = strawberry.field(description="Its size in MB: 1 to 1,000,000,000.")
    booking_id: strawberry.ID | None = strawberry.field(default=None, description="The session it came from.")

    def to_command(self) -> RegisterMedia:
        return RegisterMedia(
            project_id=decode_id(self.project_id, "Project"),
            storage_id=decode_id(self.storage_id, "Resource", "storage"),
            name=self.name,
            size_megabytes=self.size_megabytes,
            booking_id=decode_optional(self.booking_id, "Booking"),
        )


@strawberry.input(description="A client review link for a media asset.")
class CreateReviewLinkInput:
    media_asset_id: strawberry.ID = strawberry.field(description="The asset to review.")
    expires_at: datetime = strawberry.field(description="When the link stops working: at most 90 days ahead.")
