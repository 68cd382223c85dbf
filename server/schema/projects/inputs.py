"""Inputs of projects: what its mutations and queries take."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.input(description="A new project.")
class CreateProjectInput:
    name: str = strawberry.field(description="Display name, unique in the studio.")
    client_name: str | None = strawberry.field(default=None, description="The client (created if new).")
    approved_budget: Decimal | None = strawberry.field(default=None, description="Approved budget, if any.")
    currency: str | None = strawberry.field(default=None, description="Defaults to the studio's currency.")
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="The client the project is for (one of clientId and clientName)."
    )


@strawberry.input(description="A new client.")
class CreateClientInput:
    name: str = strawberry.field(description="Display name, unique in the studio.")
