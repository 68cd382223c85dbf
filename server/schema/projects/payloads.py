"""Payloads of projects: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, ValidationError
from server.schema.types.projects import Client, Project


@strawberry.type(description="The project was created.")
class ProjectCreated:
    project: Project = strawberry.field(description="The new project.")


CreateProjectResult = Annotated[
    ProjectCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateProjectResult")
]


@strawberry.type(description="The client was created.")
class ClientCreated:
    client: Client = strawberry.field(description="The new client.")


CreateClientResult = Annotated[ClientCreated | ValidationError | ForbiddenError, strawberry.union("CreateClientResult")]
