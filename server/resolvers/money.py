"""Resolvers of money: arguments -> one service call -> result type."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.resolvers import scheduling
from server.resolvers.errors import refuses_query, result_union
from server.schema.context import Context
from server.schema.ids import decode_id, decode_optional
from server.schema.money.inputs import (
    AddInvoiceLineInput,
    InvoiceFilter,
    QuoteInput,
    SetProjectBudgetInput,
    SetRateInput,
    UtilizationInput,
)
from server.schema.money.payloads import (
    DiscardInvoiceResult,
    InvoiceChanged,
    InvoiceDiscarded,
    InvoiceResult,
    ProjectBudgetSet,
    RateSet,
    SetProjectBudgetResult,
    SetRateResult,
)
from server.schema.types.money import Budget, Invoice, InvoiceConnection, InvoiceEdge, Quote, Rate, Utilization
from server.schema.types.node import PageInfo, decode_cursor, encode_cursor, page_size
from server.schema.types.projects import Project
from server.schema.versions import EXPECTED_VERSION, ExpectedVersion
from server.services.errors import DomainError
from server.services.money import budgets, invoices
from server.services.money import service as money
from server.services.money import utilization as usage

Info = strawberry.Info[Context, None]
ExpectedInvoiceVersion = Annotated[
    int | None, strawberry.argument(description=EXPECTED_VERSION.replace("the object", "the line's invoice"))
]


# Queries


async def budget(info: Info, project_id: strawberry.ID) -> Budget | None:
    info.context.require_principal()
    try:
        pk = decode_id(project_id, "Project")
    except DomainError:
        return None
    return await Budget.of_project(info, pk)


@refuses_query
async def rate_card(info: Info, resource_id: strawberry.ID | None = None, category: str | None = None) -> list[Rate]:
    principal = info.context.require_principal()
    found = await money.rate_card(info.context.uow, principal, decode_optional(resource_id, "Resource"), category)
    if not found:
        return []
    currency = await money.studio_currency(info.context.uow, principal)
    return [Rate.from_model(r, currency) for r in found]


@refuses_query
async def invoice_page(
    info: Info, filter: InvoiceFilter | None = None, first: int | None = None, after: str | None = None
) -> InvoiceConnection:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    after_id = decode_cursor(after)
    flt = filter or InvoiceFilter()
    query = money.InvoiceQuery(
        project_id=decode_optional(flt.project_id, "Project"), statuses=tuple(flt.statuses or ())
    )
    found, more = await invoices.invoice_page(info.context.uow, principal, query, first=size, after_id=after_id)
    edges = [InvoiceEdge(node=Invoice.from_model(r), cursor=encode_cursor(r.id)) for r in found]
    return InvoiceConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


@refuses_query
async def utilization(info: Info, input: UtilizationInput) -> Utilization | None:
    principal = info.context.require_principal()
    query = usage.UtilizationQuery(
        start=input.start,
        end=input.end,
        kind=input.kind,
        category=input.category,
        location_id=decode_optional(input.location_id, "Location"),
    )
    report = await money.utilization(info.context.uow, principal, query)
    return None if report is None else Utilization.of(report)


@refuses_query
async def quote(info: Info, input: QuoteInput) -> Quote | None:
    principal = info.context.require_principal()
    found = await money.quote(
        info.context.uow,
        principal,
        project_id=decode_optional(input.project_id, "Project"),
        booking_id=decode_optional(input.booking_id, "Booking"),
        start=input.start,
        end=input.end,
        requests=[a.to_request() for a in input.allocations],
    )
    return None if found is None else Quote.of(found, budgets.may_see_costs(principal))


# Mutations


@result_union
async def set_rate(info: Info, input: SetRateInput) -> SetRateResult:
    principal = info.context.require_principal()
    row = await money.set_rate(info.context.uow, principal, input.to_command())
    rate = Rate.from_model(row, await money.studio_currency(info.context.uow, principal))
    return RateSet(unit=row.unit, cost_rate=rate.cost_rate, bill_rate=rate.bill_rate, rate=rate)


@result_union
async def set_project_budget(info: Info, input: SetProjectBudgetInput) -> SetProjectBudgetResult:
    principal = info.context.require_principal()
    pk = decode_id(input.project_id, "Project")
    row = await money.set_project_budget(
        info.context.uow, principal, pk, input.approved_budget, input.currency, input.reason, input.expected_version
    )
    found = await Budget.of_project(info, row.id)
    assert found is not None  # whoever may set a budget may see it
    return ProjectBudgetSet(project=Project.from_model(row), budget=found)


def _invoice_pk(id: strawberry.ID) -> int:
    return decode_id(id, "Invoice")


@result_union
async def create_invoice(info: Info, project_id: strawberry.ID) -> InvoiceResult:
    row = await money.create_invoice(
        info.context.uow, info.context.require_principal(), decode_id(project_id, "Project")
    )
    return InvoiceChanged(invoice=Invoice.from_model(row))


@result_union
async def add_invoice_line(info: Info, input: AddInvoiceLineInput) -> InvoiceResult:
    principal = info.context.require_principal()
    row = await money.add_invoice_line(
        info.context.uow, principal, _invoice_pk(input.invoice_id), input.to_line(), input.expected_version
    )
    return InvoiceChanged(invoice=Invoice.from_model(row))


@result_union
async def remove_invoice_line(
    info: Info, id: strawberry.ID, expected_version: ExpectedInvoiceVersion = None
) -> InvoiceResult:
    principal = info.context.require_principal()
    line = decode_id(id, "InvoiceLine", "invoice line")
    row = await money.remove_invoice_line(info.context.uow, principal, line, expected_version)
    return InvoiceChanged(invoice=Invoice.from_model(row))


@result_union
async def discard_invoice(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> DiscardInvoiceResult:
    await money.discard_invoice(info.context.uow, info.context.require_principal(), _invoice_pk(id), expected_version)
    return InvoiceDiscarded(id=id)


@result_union
async def issue_invoice(info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None) -> InvoiceResult:
    principal = info.context.require_principal()
    row = await money.issue_invoice(info.context.uow, principal, _invoice_pk(id), expected_version)
    return InvoiceChanged(invoice=Invoice.from_model(row))


@result_union
async def mark_invoice_paid(
    info: Info, id: strawberry.ID, paid_at: datetime | None = None, expected_version: ExpectedVersion = None
) -> InvoiceResult:
    principal = info.context.require_principal()
    row = await money.mark_invoice_paid(info.context.uow, principal, _invoice_pk(id), paid_at, expected_version)
    return InvoiceChanged(invoice=Invoice.from_model(row))


@result_union
async def void_invoice(info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None) -> InvoiceResult:
    principal = info.context.require_principal()
    row = await money.void_invoice(info.context.uow, principal, _invoice_pk(id), expected_version)
    return InvoiceChanged(invoice=Invoice.from_model(row))


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class MoneyQuery:
    budget = strawberry.field(
        resolver=budget,
        description="A project's approved budget, estimate, actual and remaining, with lines; null without access.",
    )
    rates = strawberry.field(
        resolver=rate_card,
        description="The rate card (studio staff only), or one resource's or category's rates.",
    )
    quote = strawberry.field(
        resolver=quote,
        description="What adding allocations would cost and whether it would need an approved overrun.",
    )
    invoices = strawberry.field(resolver=invoice_page, description="Invoices the caller may see, newest first.")
    utilization = strawberry.field(
        resolver=utilization,
        description="Bookable and booked hours, revenue and cost per resource and category (studio staff only).",
    )


@strawberry.type
class MoneyMutation:
    set_rate = strawberry.mutation(
        resolver=set_rate, description="Set the cost and bill rate of a resource or category for a period."
    )
    set_project_budget = strawberry.mutation(
        resolver=set_project_budget, description="Change a project's approved budget, keeping its history."
    )
    create_invoice = strawberry.mutation(
        resolver=create_invoice,
        description="Draft an invoice of the completed, not yet invoiced work of a project.",
    )
    add_invoice_line = strawberry.mutation(resolver=add_invoice_line, description="Add a manual line to a draft.")
    remove_invoice_line = strawberry.mutation(
        resolver=remove_invoice_line, description="Take a line off a draft; its work can be invoiced again."
    )
    discard_invoice = strawberry.mutation(resolver=discard_invoice, description="Delete a draft invoice.")
    issue_invoice = strawberry.mutation(
        resolver=issue_invoice, description="Number a draft with the studio's next number and freeze it."
    )
    mark_invoice_paid = strawberry.mutation(resolver=mark_invoice_paid, description="ISSUED -> PAID.")
    void_invoice = strawberry.mutation(
        resolver=void_invoice, description="ISSUED -> VOID; its work can be invoiced again."
    )
    start_session = strawberry.mutation(
        resolver=scheduling.start_booking,
        description="The session started (CONFIRMED -> IN_PROGRESS), now or `at`: actuals count from here.",
    )
    end_session = strawberry.mutation(
        resolver=scheduling.complete_booking,
        description="The session ended (IN_PROGRESS -> COMPLETED), now or `at`: overruns and overtime bill to here.",
    )
