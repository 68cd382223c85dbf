"""Query and mutation fields of projects."""

from __future__ import annotations

import strawberry

from server.resolvers import projects as project_resolvers


@strawberry.type
class ProjectQuery:
    projects = strawberry.field(resolver=project_resolvers.project_page, description="Projects the caller may see.")
    project = strawberry.field(resolver=project_resolvers.project, description="One project, if the caller may see it.")


@strawberry.type
class ProjectMutation:
    create_project = strawberry.mutation(resolver=project_resolvers.create_project, description="Open a project.")
