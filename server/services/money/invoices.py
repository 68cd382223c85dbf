"""Invoices: DRAFT -> ISSUED -> PAID, or ISSUED -> VOID; a draft can be edited or discarded.

- `create_invoice` bills the completed bookings' lines as they really ran (actuals) that no live
  invoice bills yet; lines without a rate or at zero are left for later. A line is billed once: the
  project row is locked while a draft is made, and a partial unique index over live lines' source
  keys makes a second billing impossible whatever happens.
- Issuing takes the studio's next number from its counter row inside the same transaction, so
  numbers are consecutive without gaps even under concurrent issuing (the row lock queues them and
  a rolled-back issue gives its number back).
- An issued invoice never changes again except its status (PAID or VOID). Voiding releases its
  lines so the work can be invoiced anew.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from db.models import BookingStatus, Invoice, InvoiceLine, InvoiceStatus
from db.repositories import money as rows
from server.events.types import BOOKINGS, DomainEvent
from server.services import validation as v
from server.services import versions
from server.services.currency import round_minor, to_minor
from server.services.errors import Invalid, InvalidTransition, NotFound
from server.services.money import estimates
from server.services.money.pricing import quantity_decimal
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

MAX_QUANTITY = Decimal(100_000)


class NothingToInvoice(Invalid):
    code = "NOTHING_BILLABLE"


class InvoiceImmutable(InvalidTransition):
    code = "INVOICE_IMMUTABLE"


@dataclass(frozen=True)
class ManualLine:
    """A line a coordinator adds to a draft (a fee or an agreed extra)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = "EACH"


async def create_invoice(tx: Tx, principal: Principal, project_id: int, now: datetime) -> Invoice:
    """A draft of everything billable and not yet billed on a project."""
    require(principal, Action.MANAGE_MONEY)
    project = await rows.lock_project(tx.session, principal, project_id)
    if project is None:
        raise NotFound("No such project.")
    completed = await rows.bookings_of_projects(
        tx.session, principal, [project.id], [BookingStatus.COMPLETED], fresh=True
    )
    book = await estimates.load_book(tx.session, principal, completed, with_custody=True)
    lines = [(b, line) for b in completed for line in estimates.actual_lines(book, b, now) if line.bill_minor > 0]
    billed = await rows.billed_keys(tx.session, project.studio_id, [line.source_key for _, line in lines])
    fresh = [(b, line) for b, line in lines if line.source_key not in billed]
    if not fresh:
        raise NothingToInvoice(
            "Nothing to invoice: no completed booking has priced work that is not already invoiced.",
            field="projectId",
        )
    invoice = Invoice(
        studio_id=project.studio_id,
        project_id=project.id,
        status=InvoiceStatus.DRAFT,
        currency=project.currency,
        total_minor=sum(line.bill_minor for _, line in fresh),
        created_at=now,
    )
    await rows.add(tx.session, invoice)
    tx.session.add_all(
        InvoiceLine(
            studio_id=project.studio_id,
            invoice_id=invoice.id,
            source_key=line.source_key,
            live=True,
            description=f"{booking.title}: {line.description}"[:300],
            quantity=str(quantity_decimal(line.quantity)),
            unit=line.unit or "EACH",
            rate_minor=line.bill_rate_minor or 0,
            amount_minor=line.bill_minor,
        )
        for booking, line in fresh
    )
    await tx.session.flush()
    _changed(tx, invoice, "InvoiceCreated")
    return invoice


async def _draft(tx: Tx, principal: Principal, invoice_id: int, expected_version: int | None) -> Invoice:
    require(principal, Action.MANAGE_MONEY)
    await versions.claim(tx, Invoice, principal.studio_id, invoice_id, expected_version)
    invoice = await rows.lock_invoice(tx.session, principal, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.")
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceImmutable(f"Invoice {invoice.number} is {invoice.status.value}; an issued invoice never changes.")
    return invoice


async def add_line(
    tx: Tx, principal: Principal, invoice_id: int, line: ManualLine, expected_version: int | None = None
) -> Invoice:
    """Add a manual line to a draft."""
    invoice = await _draft(tx, principal, invoice_id, expected_version)
    description = v.required_text(line.description, "description", max_length=300)
    unit = v.required_text(line.unit, "unit", max_length=16)
    quantity = _quantity(line.quantity)
    rate = to_minor(line.unit_price, invoice.currency, "unitPrice")
    amount = round_minor(quantity * rate)
    tx.session.add(
        InvoiceLine(
            studio_id=invoice.studio_id,
            invoice_id=invoice.id,
            source_key=f"manual:{uuid.uuid4().hex}",
            live=True,
            description=description,
            quantity=str(quantity.normalize()),
            unit=unit,
            rate_minor=rate,
            amount_minor=amount,
        )
    )
    invoice.total_minor += amount
    await tx.session.flush()
    _changed(tx, invoice, "InvoiceChanged")
    return invoice


def _quantity(value: Decimal) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except ArithmeticError:
        raise Invalid("quantity must be a number.", field="quantity") from None
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
        raise Invalid(f"quantity must be above 0 and at most {MAX_QUANTITY}.", field="quantity")
    if quantity != quantity.quantize(Decimal("0.0001")):
        raise Invalid("quantity may have at most four decimal places.", field="quantity")
    return quantity


async def remove_line(tx: Tx, principal: Principal, line_id: int, expected_version: int | None = None) -> Invoice:
    """Take a line off a draft; its work becomes billable again."""
    line = await rows.invoice_line(tx.session, principal, line_id)
    if line is None:
        raise NotFound("No such invoice line.")
    invoice = await _draft(tx, principal, line.invoice_id, expected_version)
    invoice.total_minor -= line.amount_minor
    await rows.delete_line(tx.session, line)
    _changed(tx, invoice, "InvoiceChanged")
    return invoice


async def discard_invoice(
    tx: Tx, principal: Principal, invoice_id: int, expected_version: int | None = None
) -> Invoice:
    """Delete a draft (issued invoices are voided instead, never deleted)."""
    invoice = await _draft(tx, principal, invoice_id, expected_version)
    _changed(tx, invoice, "InvoiceDiscarded")
    await rows.delete_invoice(tx.session, invoice)
    return invoice


async def issue_invoice(
    tx: Tx, principal: Principal, invoice_id: int, now: datetime, expected_version: int | None = None
) -> Invoice:
    """Give a draft the studio's next number and freeze it."""
    invoice = await _draft(tx, principal, invoice_id, expected_version)
    if not await rows.invoice_lines(tx.session, principal, [invoice.id]):
        raise NothingToInvoice("An invoice without lines cannot be issued.", field="id")
    number = await rows.take_invoice_number(tx.session, invoice.studio_id)
    if number is None:
        raise NotFound("This studio has no invoice counter.")
    invoice.number = number
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = now
    await tx.session.flush()
    _changed(tx, invoice, "InvoiceIssued")
    return invoice


async def mark_paid(
    tx: Tx, principal: Principal, invoice_id: int, paid_at: datetime, expected_version: int | None = None
) -> Invoice:
    """ISSUED -> PAID."""
    invoice = await _issued(tx, principal, invoice_id, "paid", expected_version)
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = paid_at
    await tx.session.flush()
    _changed(tx, invoice, "InvoicePaid")
    return invoice


async def void_invoice(
    tx: Tx, principal: Principal, invoice_id: int, now: datetime, expected_version: int | None = None
) -> Invoice:
    """ISSUED -> VOID; its lines can be invoiced again."""
    invoice = await _issued(tx, principal, invoice_id, "voided", expected_version)
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = now
    await rows.release_lines(tx.session, invoice.id)
    await tx.session.flush()
    _changed(tx, invoice, "InvoiceVoided")
    return invoice


async def _issued(tx: Tx, principal: Principal, invoice_id: int, verb: str, expected_version: int | None) -> Invoice:
    require(principal, Action.MANAGE_MONEY)
    await versions.claim(tx, Invoice, principal.studio_id, invoice_id, expected_version)
    invoice = await rows.lock_invoice(tx.session, principal, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.")
    if invoice.status != InvoiceStatus.ISSUED:
        raise InvalidTransition(f"Only an ISSUED invoice can be {verb}; this one is {invoice.status.value}.")
    return invoice


def _changed(tx: Tx, invoice: Invoice, type_: str) -> None:
    tx.emit(DomainEvent(BOOKINGS, type_, {"projectId": invoice.project_id, "invoiceId": invoice.id}))


async def invoice_page(
    uow: UnitOfWork, principal: Principal, flt: rows.InvoiceFilter, *, first: int, after_id: int | None
) -> tuple[list[Invoice], bool]:
    """One page of invoices the caller may see, or nothing for roles without money access."""
    if not allowed(principal, Action.READ_MONEY):
        return [], False
    async with uow.read() as session:
        return await rows.invoice_page(session, principal, flt, first=first, after_id=after_id)
