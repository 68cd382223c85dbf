"""Resolvers of money: arguments -> one service call -> result type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.repositories import money as money_rows
from db.repositories import tenancy
from db.types import utcnow
from server.resolvers.core import register_node
from server.schema.context import Context
from server.schema.errors import bad_input, from_domain
from server.schema.ids import decode_id, decode_optional, to_global_id
from server.schema.money.inputs import (
    AddInvoiceLineInput,
    DiscardInvoiceResult,
    InvoiceChanged,
    InvoiceDiscarded,
    InvoiceFilter,
    InvoiceResult,
    ProjectBudgetSet,
    QuoteInput,
    RateSet,
    SetProjectBudgetInput,
    SetProjectBudgetResult,
    SetRateInput,
    SetRateResult,
    UtilizationInput,
)
from server.schema.types.money import Budget, Invoice, InvoiceConnection, InvoiceEdge, Quote, Rate, Utilization
from server.schema.types.node import Node, PageInfo, decode_cursor, encode_cursor, page_size
from server.schema.types.projects import Project
from server.services.errors import DomainError
from server.services.money import budgets, invoices, quotes, rates
from server.services.money import utilization as usage
from server.services.permissions import Action, allowed

Info = strawberry.Info[Context, None]


# Queries


async def load_budget(info: Info, project_pk: int) -> Budget | None:
    """A project's budget through the request's loader; null where the caller may not see its money."""
    money = await info.context.loaders.budgets_by_project.load(project_pk)
    return None if money is None else Budget.of(money, budgets.may_see_costs(info.context.principal))


async def budget(info: Info, project_id: strawberry.ID) -> Budget | None:
    info.context.require_principal()
    try:
        pk = decode_id(project_id, "Project")
    except DomainError:
        return None
    return await load_budget(info, pk)


async def _currency(info: Info) -> str:
    async with info.context.uow.read() as session:
        studio = await tenancy.studio(session, info.context.principal)
    assert studio is not None
    return studio.currency


async def rate_card(info: Info, resource_id: strawberry.ID | None = None, category: str | None = None) -> list[Rate]:
    principal = info.context.require_principal()
    try:
        pk = decode_optional(resource_id, "Resource")
    except DomainError as exc:
        raise bad_input(exc) from None
    async with info.context.uow.read() as session:
        found = await rates.rate_card(session, principal, pk, category)
    if not found:
        return []
    currency = await _currency(info)
    return [Rate.from_model(r, currency) for r in found]


async def invoice_page(
    info: Info, filter: InvoiceFilter | None = None, first: int | None = None, after: str | None = None
) -> InvoiceConnection:
    principal = info.context.require_principal()
    try:
        size = page_size(first, info.context.settings.limits.max_page_size)
        after_id = decode_cursor(after)
        flt = filter or InvoiceFilter()
        query = money_rows.InvoiceFilter(
            project_id=decode_optional(flt.project_id, "Project"), statuses=tuple(flt.statuses or ())
        )
    except DomainError as exc:
        raise bad_input(exc) from None
    found, more = await invoices.invoice_page(info.context.uow, principal, query, first=size, after_id=after_id)
    edges = [InvoiceEdge(node=Invoice.from_model(r), cursor=encode_cursor(r.id)) for r in found]
    return InvoiceConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


async def utilization(info: Info, input: UtilizationInput) -> Utilization | None:
    principal = info.context.require_principal()
    try:
        query = usage.UtilizationQuery(
            start=input.start,
            end=input.end,
            kind=input.kind,
            category=input.category,
            location_id=decode_optional(input.location_id, "Location"),
        )
        async with info.context.uow.read() as session:
            report = await usage.utilization(session, principal, query, utcnow())
    except DomainError as exc:
        raise bad_input(exc) from None
    return None if report is None else Utilization.of(report)


async def quote(info: Info, input: QuoteInput) -> Quote | None:
    principal = info.context.require_principal()
    if not allowed(principal, Action.READ_MONEY):
        return None
    try:
        requests = [a.to_request() for a in input.allocations]
        async with info.context.uow.read() as session:
            found = await quotes.quote(
                session,
                principal,
                project_id=decode_optional(input.project_id, "Project"),
                booking_id=decode_optional(input.booking_id, "Booking"),
                start=input.start,
                end=input.end,
                requests=requests,
            )
    except DomainError as exc:
        raise bad_input(exc) from None
    return Quote.of(found, budgets.may_see_costs(principal))


async def _invoice_node(info: Info, pk: int) -> Node | None:
    if not allowed(info.context.principal, Action.READ_MONEY):
        return None
    row = await info.context.loaders.invoices_by_id.load(pk)
    return None if row is None else Invoice.from_model(row)


async def _rate_node(info: Info, pk: int) -> Node | None:
    principal = info.context.principal
    if principal is None:
        return None
    async with info.context.uow.read() as session:
        found = [r for r in await rates.rate_card(session, principal, None, None) if r.id == pk]
    return Rate.from_model(found[0], await _currency(info)) if found else None


register_node("Invoice", _invoice_node)
register_node("Rate", _rate_node)


# Mutations


async def set_rate(info: Info, input: SetRateInput) -> SetRateResult:
    principal = info.context.require_principal()
    try:
        cmd = input.to_command()
        row = await info.context.write(lambda tx: rates.set_rate(tx, principal, cmd))
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    currency = await _currency(info)
    rate = Rate.from_model(row, currency)
    return RateSet(unit=row.unit, cost_rate=rate.cost_rate, bill_rate=rate.bill_rate, rate=rate)


async def set_project_budget(info: Info, input: SetProjectBudgetInput) -> SetProjectBudgetResult:
    principal = info.context.require_principal()
    try:
        pk = decode_id(input.project_id, "Project")
        row = await info.context.write(
            lambda tx: budgets.set_project_budget(
                tx, principal, pk, input.approved_budget, input.currency, input.reason
            )
        )
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    money = await budget(info, strawberry.ID(to_global_id("Project", row.id)))
    assert money is not None
    return ProjectBudgetSet(project=Project.from_model(row), budget=money)


async def _invoice_change(info: Info, work) -> InvoiceResult:  # type: ignore[no-untyped-def]
    info.context.require_principal()
    try:
        row = await info.context.write(work)
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    return InvoiceChanged(invoice=Invoice.from_model(row))


def _invoice_pk(id: strawberry.ID) -> int:
    return decode_id(id, "Invoice")


async def create_invoice(info: Info, project_id: strawberry.ID) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = decode_id(project_id, "Project")
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    now = utcnow()
    return await _invoice_change(info, lambda tx: invoices.create_invoice(tx, principal, pk, now))


async def add_invoice_line(info: Info, input: AddInvoiceLineInput) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = _invoice_pk(input.invoice_id)
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    line = input.to_line()
    return await _invoice_change(info, lambda tx: invoices.add_line(tx, principal, pk, line))


async def remove_invoice_line(info: Info, id: strawberry.ID) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = decode_id(id, "InvoiceLine", "invoice line")
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    return await _invoice_change(info, lambda tx: invoices.remove_line(tx, principal, pk))


async def discard_invoice(info: Info, id: strawberry.ID) -> DiscardInvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = _invoice_pk(id)
        await info.context.write(lambda tx: invoices.discard_invoice(tx, principal, pk))
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    return InvoiceDiscarded(id=id)


async def issue_invoice(info: Info, id: strawberry.ID) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = _invoice_pk(id)
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    now = utcnow()
    return await _invoice_change(info, lambda tx: invoices.issue_invoice(tx, principal, pk, now))


async def mark_invoice_paid(info: Info, id: strawberry.ID, paid_at: datetime | None = None) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = _invoice_pk(id)
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    when = paid_at or utcnow()
    return await _invoice_change(info, lambda tx: invoices.mark_paid(tx, principal, pk, when))


async def void_invoice(info: Info, id: strawberry.ID) -> InvoiceResult:
    principal = info.context.require_principal()
    try:
        pk = _invoice_pk(id)
    except DomainError as exc:
        return from_domain(exc)  # type: ignore[return-value]
    now = utcnow()
    return await _invoice_change(info, lambda tx: invoices.void_invoice(tx, principal, pk, now))
