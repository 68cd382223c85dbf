"""Resolvers of projects."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import refuses_query, result_union
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional
from server.schema.projects.inputs import (
    CreateClientInput,
    CreateProjectInput,
)
from server.schema.projects.payloads import (
    ClientCreated,
    CreateClientResult,
    CreateProjectResult,
    ProjectCreated,
)
from server.schema.types.node import PageInfo, decode_cursor, encode_cursor, page_size
from server.schema.types.projects import Client, Project, ProjectConnection, ProjectEdge
from server.services import clients, projects
from server.services.errors import DomainError

Info = strawberry.Info[Context, None]


@refuses_query
async def project_page(info: Info, first: int | None = None, after: str | None = None) -> ProjectConnection:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    after_id = decode_cursor(after)
    rows, more = await projects.project_page(info.context.uow, principal, first=size, after_id=after_id)
    edges = [ProjectEdge(node=Project.from_model(r), cursor=encode_cursor(r.id)) for r in rows]
    return ProjectConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


async def project(info: Info, id: strawberry.ID) -> Project | None:
    info.context.require_principal()
    try:
        pk = decode_id(id, "Project")
    except DomainError:
        return None
    row = await info.context.loaders.projects_by_id.load(pk)
    return None if row is None else Project.from_model(row)


@result_union
async def create_project(info: Info, input: CreateProjectInput) -> CreateProjectResult:
    principal = info.context.require_principal()
    row = await projects.open_project(
        info.context.uow,
        principal,
        input.name,
        input.client_name,
        input.approved_budget,
        input.currency,
        decode_optional(input.client_id, "Client"),
    )
    return ProjectCreated(project=Project.from_model(row))


@result_union
async def create_client(info: Info, input: CreateClientInput) -> CreateClientResult:
    principal = info.context.require_principal()
    row = await clients.open_client(info.context.uow, principal, input.name)
    return ClientCreated(client=Client.from_model(row))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class ProjectQuery:
    projects = strawberry.field(resolver=project_page, description="Projects the caller may see.")
    project = strawberry.field(resolver=project, description="One project, if the caller may see it.")


@strawberry.type
class ProjectMutation:
    create_project = strawberry.mutation(resolver=create_project, description="Open a project.")
    create_client = strawberry.mutation(
        resolver=create_client, description="Add a client (coordinators and administrators)."
    )
