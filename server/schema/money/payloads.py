"""Payloads of money: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import (
    ForbiddenError,
    InvalidTransitionError,
    Money,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from server.schema.types.money import Budget, Invoice, Rate, RateUnit
from server.schema.types.projects import Project


@strawberry.type(description="The rate is set.")
class RateSet:
    unit: RateUnit = strawberry.field(description="What the rate is per.")
    cost_rate: Money = strawberry.field(description="Cost per unit.")
    bill_rate: Money = strawberry.field(description="Bill per unit.")
    rate: Rate = strawberry.field(description="The rate card entry.")


SetRateResult = Annotated[
    RateSet | ValidationError | NotFoundError | ForbiddenError | StaleVersionError, strawberry.union("SetRateResult")
]


@strawberry.type(description="The approved budget changed.")
class ProjectBudgetSet:
    project: Project = strawberry.field(description="The project.")
    budget: Budget = strawberry.field(description="Its money now.")


SetProjectBudgetResult = Annotated[
    ProjectBudgetSet | ValidationError | NotFoundError | ForbiddenError | StaleVersionError,
    strawberry.union("SetProjectBudgetResult"),
]


@strawberry.type(description="The invoice as it is now.")
class InvoiceChanged:
    invoice: Invoice = strawberry.field(description="The invoice.")


@strawberry.type(description="The draft was discarded; its work can be invoiced again.")
class InvoiceDiscarded:
    id: strawberry.ID = strawberry.field(description="The global ID the draft had.")


InvoiceResult = Annotated[
    InvoiceChanged | ValidationError | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("InvoiceResult"),
]


DiscardInvoiceResult = Annotated[
    InvoiceDiscarded | NotFoundError | ForbiddenError | InvalidTransitionError | StaleVersionError,
    strawberry.union("DiscardInvoiceResult"),
]
