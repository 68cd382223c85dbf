"""The money slice's entry points the API calls: each read in its own session, each change in its
own transaction stamped with the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from db.models import Invoice, Project, Rate
from db.repositories import tenancy
from db.repositories.money import InvoiceFilter
from db.types import utcnow
from server.services.allocation.commands import AllocationRequest
from server.services.money import budgets, invoices, quotes, rates
from server.services.money import utilization as usage
from server.services.money.invoices import ManualLine
from server.services.money.quotes import Quote
from server.services.money.rates import SetRate
from server.services.permissions import Action, allowed
from server.services.principal import Principal
from server.services.uow import UnitOfWork

# Which invoices to list, as plain values.
InvoiceQuery = InvoiceFilter


async def studio_currency(uow: UnitOfWork, principal: Principal) -> str:
    """The currency the caller's studio prices in."""
    async with uow.read() as session:
        studio = await tenancy.studio(session, principal)
    assert studio is not None  # a principal exists only for a studio that does
    return studio.currency


async def rate_card(uow: UnitOfWork, principal: Principal, resource_id: int | None, category: str | None) -> list[Rate]:
    """The studio's rates (or one resource's or category's); empty for roles that may not manage money."""
    async with uow.read() as session:
        return await rates.rate_card(session, principal, resource_id, category)


async def utilization(uow: UnitOfWork, principal: Principal, query: usage.UtilizationQuery) -> usage.Report | None:
    """Bookable and booked hours, revenue and cost (None for roles that may not see them)."""
    async with uow.read() as session:
        return await usage.utilization(session, principal, query, utcnow())


async def quote(
    uow: UnitOfWork,
    principal: Principal,
    *,
    project_id: int | None,
    booking_id: int | None,
    start: datetime | None,
    end: datetime | None,
    requests: Sequence[AllocationRequest],
) -> Quote | None:
    """What the allocations would cost; None for roles that may not see prices."""
    if not allowed(principal, Action.READ_MONEY):
        return None
    async with uow.read() as session:
        return await quotes.quote(
            session, principal, project_id=project_id, booking_id=booking_id, start=start, end=end, requests=requests
        )


async def set_rate(uow: UnitOfWork, principal: Principal, cmd: SetRate) -> Rate:
    """setRate."""
    return await uow.run_as(principal, lambda tx: rates.set_rate(tx, principal, cmd))


async def set_project_budget(
    uow: UnitOfWork,
    principal: Principal,
    project_id: int,
    approved: Decimal | None,
    currency: str | None,
    reason: str | None,
    expected_version: int | None = None,
) -> Project:
    """setProjectBudget (`expected_version`: the project's)."""
    return await uow.run_as(
        principal,
        lambda tx: budgets.set_project_budget(tx, principal, project_id, approved, currency, reason, expected_version),
    )


async def create_invoice(uow: UnitOfWork, principal: Principal, project_id: int) -> Invoice:
    """createInvoice: a draft of everything billable and not yet invoiced."""
    now = utcnow()
    return await uow.run_as(principal, lambda tx: invoices.create_invoice(tx, principal, project_id, now))


async def add_invoice_line(
    uow: UnitOfWork, principal: Principal, invoice_id: int, line: ManualLine, expected_version: int | None = None
) -> Invoice:
    """addInvoiceLine: a manual line on a draft."""
    return await uow.run_as(principal, lambda tx: invoices.add_line(tx, principal, invoice_id, line, expected_version))


async def remove_invoice_line(
    uow: UnitOfWork, principal: Principal, line_id: int, expected_version: int | None = None
) -> Invoice:
    """removeInvoiceLine: its work is billable again (`expected_version`: the invoice's)."""
    return await uow.run_as(principal, lambda tx: invoices.remove_line(tx, principal, line_id, expected_version))


async def discard_invoice(
    uow: UnitOfWork, principal: Principal, invoice_id: int, expected_version: int | None = None
) -> Invoice:
    """discardInvoice: a draft goes; its work is billable again."""
    return await uow.run_as(principal, lambda tx: invoices.discard_invoice(tx, principal, invoice_id, expected_version))


async def issue_invoice(
    uow: UnitOfWork, principal: Principal, invoice_id: int, expected_version: int | None = None
) -> Invoice:
    """issueInvoice: numbered and frozen."""
    now = utcnow()
    return await uow.run_as(
        principal, lambda tx: invoices.issue_invoice(tx, principal, invoice_id, now, expected_version)
    )


async def mark_invoice_paid(
    uow: UnitOfWork,
    principal: Principal,
    invoice_id: int,
    paid_at: datetime | None,
    expected_version: int | None = None,
) -> Invoice:
    """markInvoicePaid at `paid_at` (default now)."""
    when = paid_at or utcnow()
    return await uow.run_as(principal, lambda tx: invoices.mark_paid(tx, principal, invoice_id, when, expected_version))


async def void_invoice(
    uow: UnitOfWork, principal: Principal, invoice_id: int, expected_version: int | None = None
) -> Invoice:
    """voidInvoice: an issued invoice is cancelled; its number stays used."""
    now = utcnow()
    return await uow.run_as(
        principal, lambda tx: invoices.void_invoice(tx, principal, invoice_id, now, expected_version)
    )
