"""Inputs, payloads and result unions of the project operations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, ValidationError
from server.schema.types.projects import Project


@strawberry.input(description="A new project.")
class CreateProjectInput:
    name: str = strawberry.field(description="Display name, unique in the studio.")
    client_name: str | None = strawberry.field(default=None, description="The client (created if new).")
    approved_budget: Decimal | None = strawberry.field(default=None, description="Approved budget, if any.")
    currency: str | None = strawberry.field(default=None, description="Defaults to the studio's currency.")


@strawberry.type(description="The project was created.")
class ProjectCreated:
    project: Project = strawberry.field(description="The new project.")


CreateProjectResult = Annotated[
    ProjectCreated | ValidationError | NotFoundError | ForbiddenError, strawberry.union("CreateProjectResult")
]
