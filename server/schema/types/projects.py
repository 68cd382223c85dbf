"""Projects as the API shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.money import Budget
from server.schema.types.node import Node, PageInfo

if TYPE_CHECKING:
    from server.schema.types.plan import MediaAsset, Milestone, Task


@strawberry.type(description="Whom projects are for; the client portal's CLIENT tokens belong to one.")
class Client(Node):
    name: str = strawberry.field(description="Display name.")

    @classmethod
    def from_model(cls, row: models.Client) -> Client:
        return cls(id=strawberry.ID(to_global_id("Client", row.id)), name=row.name)


@strawberry.type(description="A job for a client: its bookings and its budget.")
class Project(Node):
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="Currency of the project's money.")
    version: int = strawberry.field(
        description="Grows by one with every change (its approved budget); send it as `expectedVersion`."
    )
    pk: strawberry.Private[int]
    client_id: strawberry.Private[int | None]

    @strawberry.field(description="The client's name.")
    async def client_name(self, info: strawberry.Info) -> str | None:
        if self.client_id is None:
            return None
        row = await info.context.loaders.clients_by_id.load(self.client_id)
        return None if row is None else row.name

    @strawberry.field(description="The client the project is for.")
    async def client(self, info: strawberry.Info) -> Client | None:
        if self.client_id is None:
            return None
        row = await info.context.loaders.clients_by_id.load(self.client_id)
        return None if row is None else Client.from_model(row)

    @strawberry.field(
        description="Approved budget, estimate, actual and remaining; null where the caller may not see money."
    )
    async def budget(self, info: strawberry.Info) -> Budget | None:
        return await Budget.of_project(info, self.pk)

    @strawberry.field(description="Its tasks the caller may read, by due time.")
    async def tasks(self, info: strawberry.Info) -> list[Annotated[Task, strawberry.lazy("server.schema.types.plan")]]:
        from server.schema.types.plan import Task

        return [Task.from_model(t) for t in await info.context.loaders.tasks_by_project.load(self.pk)]

    @strawberry.field(description="Its delivery milestones by due time, each with its status and risks as of now.")
    async def milestones(
        self, info: strawberry.Info
    ) -> list[Annotated[Milestone, strawberry.lazy("server.schema.types.plan")]]:
        from server.schema.types.plan import Milestone

        return [Milestone.of(m, a) for m, a in await info.context.loaders.milestones_by_project.load(self.pk)]

    @strawberry.field(description="Its media assets the caller may read, oldest first.")
    async def media_assets(
        self, info: strawberry.Info
    ) -> list[Annotated[MediaAsset, strawberry.lazy("server.schema.types.plan")]]:
        from server.schema.types.plan import MediaAsset

        return [MediaAsset.from_model(m) for m in await info.context.loaders.media_by_project.load(self.pk)]

    @classmethod
    def from_model(cls, row: models.Project) -> Project:
        return cls(
            id=strawberry.ID(to_global_id("Project", row.id)),
            pk=row.id,
            name=row.name,
            currency=row.currency,
            version=row.version,
            client_id=row.client_id,
        )


@strawberry.type(description="An edge of a project page.")
class ProjectEdge:
    node: Project = strawberry.field(description="The project.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of projects.")
class ProjectConnection:
    edges: list[ProjectEdge] = strawberry.field(description="The projects on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
