"""Rates, budgets, scope changes and invoices: every statement of the money slice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Allocation,
    Booking,
    BookingStatus,
    BudgetChange,
    CustodyRecord,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Project,
    Rate,
    Resource,
    ResourceKind,
    ScopeChange,
)
from db.repositories.projects import visible
from db.repositories.scoping import RoleScope, Scope, readable, scoped

# Rates


async def rates(session: AsyncSession, scope: Scope | None) -> list[Rate]:
    """The studio's whole rate card (small: one row per priced resource or category and period)."""
    if scope is None:
        return []
    return list((await session.scalars(_RATES, {"studio_id": scope.studio_id})).all())


# Built once (the budget guard reads the rate card on every booking change); the filter is `scoped`'s.
_RATES = select(Rate).where(Rate.studio_id == bindparam("studio_id")).order_by(Rate.id)


async def rates_for_target(
    session: AsyncSession, scope: Scope | None, resource_id: int | None, category: str | None
) -> list[Rate]:
    """Every rate of one resource, or of one category (compared case-blind)."""
    stmt = scoped(Rate, scope)
    if resource_id is not None:
        stmt = stmt.where(Rate.resource_id == resource_id)
    else:
        stmt = stmt.where(Rate.resource_id.is_(None), func.lower(Rate.category) == (category or "").lower())
    return list((await session.scalars(stmt.order_by(Rate.valid_from.nulls_first(), Rate.id))).all())


async def lock_rate_card(session: AsyncSession, studio_id: int) -> None:
    """Serialise rate changes of one studio (PostgreSQL advisory lock; SQLite already holds the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        # Two-key form: a class of lock for rate cards, then the studio.
        await session.execute(text("SELECT pg_advisory_xact_lock(7301, :sid)"), {"sid": studio_id})


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


# Projects and what their estimates are made of


async def lock_project(session: AsyncSession, scope: Scope | None, project_id: int) -> Project | None:
    """The project row, locked until the transaction ends, so budget checks of one project queue up.

    FOR NO KEY UPDATE: it queues behind the same lock of another transaction but not behind the key
    share that inserting a booking (a foreign key to the project) takes, which would deadlock two
    bookings that each inserted before asking for the lock."""
    stmt = scoped(Project, scope).where(Project.id == project_id).with_for_update(key_share=True)
    # Refresh a row this session loaded before the lock was granted.
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def visible_projects(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[Project]:
    if not ids:
        return []
    return list((await session.scalars(visible(scope).where(Project.id.in_(list(ids))))).all())


async def bookings_of_projects(
    session: AsyncSession,
    scope: Scope | None,
    project_ids: Sequence[int],
    statuses: Sequence[BookingStatus],
    *,
    fresh: bool = False,
) -> list[Booking]:
    if not project_ids:
        return []
    stmt = scoped(Booking, scope).where(Booking.project_id.in_(list(project_ids)), Booking.status.in_(list(statuses)))
    # A queued hold occupies nothing, so it costs nothing until it is promoted.
    stmt = stmt.where(Booking.queue_seq.is_(None))
    stmt = stmt.order_by(Booking.start_at, Booking.id).execution_options(populate_existing=fresh)
    return list((await session.scalars(stmt)).all())


async def allocations_of_bookings(
    session: AsyncSession, scope: Scope | None, booking_ids: Sequence[int], *, fresh: bool = False
) -> list[Allocation]:
    if not booking_ids:
        return []
    stmt = scoped(Allocation, scope).where(Allocation.booking_id.in_(list(booking_ids)))
    stmt = stmt.order_by(Allocation.start_at, Allocation.id).execution_options(populate_existing=fresh)
    return list((await session.scalars(stmt)).all())


async def allocations_with_resources(
    session: AsyncSession, scope: Scope | None, booking_ids: Sequence[int], *, fresh: bool = False
) -> list[tuple[Allocation, Resource | None]]:
    """`allocations_of_bookings`, each with its resource (as `resources_by_ids` reads it), in one round trip."""
    if not booking_ids or scope is None:
        return []
    params = {"studio_id": scope.studio_id, "booking_ids": list(booking_ids)}
    result = await session.execute(_ALLOCATIONS_WITH_RESOURCES, params, execution_options={"populate_existing": fresh})
    return [(a, r) for a, r in result.all()]


# Built once (the budget guard prices every booking change); the studio filters are `scoped`'s.
_ALLOCATIONS_WITH_RESOURCES = (
    select(Allocation, Resource)
    .outerjoin(Resource, and_(Resource.id == Allocation.resource_id, Resource.studio_id == bindparam("studio_id")))
    .where(
        Allocation.studio_id == bindparam("studio_id"),
        Allocation.booking_id.in_(bindparam("booking_ids", expanding=True)),
    )
    .order_by(Allocation.start_at, Allocation.id)
)


async def custody_of_bookings(
    session: AsyncSession, scope: Scope | None, booking_ids: Sequence[int]
) -> list[CustodyRecord]:
    if not booking_ids:
        return []
    stmt = scoped(CustodyRecord, scope).where(CustodyRecord.booking_id.in_(list(booking_ids)))
    return list((await session.scalars(stmt.order_by(CustodyRecord.checked_out_at, CustodyRecord.id))).all())


# Budget history and scope changes


async def budget_changes(session: AsyncSession, scope: Scope | None, project_id: int) -> list[BudgetChange]:
    stmt = scoped(BudgetChange, scope).where(BudgetChange.project_id == project_id)
    return list((await session.scalars(stmt.order_by(BudgetChange.at, BudgetChange.id))).all())


async def scope_changes(session: AsyncSession, scope: Scope | None, project_id: int) -> list[ScopeChange]:
    stmt = scoped(ScopeChange, scope).where(ScopeChange.project_id == project_id)
    return list((await session.scalars(stmt.order_by(ScopeChange.at, ScopeChange.id))).all())


# Invoices


@dataclass(frozen=True)
class InvoiceFilter:
    project_id: int | None = None
    statuses: tuple[InvoiceStatus, ...] = ()


async def invoice_page(
    session: AsyncSession, scope: RoleScope | None, flt: InvoiceFilter, *, first: int, after_id: int | None
) -> tuple[list[Invoice], bool]:
    """A page of the invoices the caller may read, newest first."""
    stmt = readable(Invoice, scope)
    if flt.project_id is not None:
        stmt = stmt.where(Invoice.project_id == flt.project_id)
    if flt.statuses:
        stmt = stmt.where(Invoice.status.in_(list(flt.statuses)))
    if after_id is not None:
        stmt = stmt.where(Invoice.id < after_id)
    rows = list((await session.scalars(stmt.order_by(Invoice.id.desc()).limit(first + 1))).all())
    return rows[:first], len(rows) > first


async def invoices_by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[Invoice]:
    if not ids:
        return []
    stmt = readable(Invoice, scope).where(Invoice.id.in_(list(ids)))
    return list((await session.scalars(stmt)).all())


async def lock_invoice(session: AsyncSession, scope: Scope | None, invoice_id: int) -> Invoice | None:
    return await session.scalar(scoped(Invoice, scope).where(Invoice.id == invoice_id).with_for_update())


async def invoice_lines(session: AsyncSession, scope: Scope | None, invoice_ids: Sequence[int]) -> list[InvoiceLine]:
    if not invoice_ids:
        return []
    stmt = scoped(InvoiceLine, scope).where(InvoiceLine.invoice_id.in_(list(invoice_ids)))
    return list((await session.scalars(stmt.order_by(InvoiceLine.invoice_id, InvoiceLine.id))).all())


async def invoice_line(session: AsyncSession, scope: Scope | None, line_id: int) -> InvoiceLine | None:
    return await session.scalar(scoped(InvoiceLine, scope).where(InvoiceLine.id == line_id))


async def billed_keys(session: AsyncSession, studio_id: int, keys: Sequence[str]) -> set[str]:
    """Which of these source keys are already on a live (not void) invoice."""
    if not keys:
        return set()
    stmt = select(InvoiceLine.source_key).where(
        InvoiceLine.studio_id == studio_id, InvoiceLine.live.is_(True), InvoiceLine.source_key.in_(list(keys))
    )
    return set((await session.scalars(stmt)).all())


async def take_invoice_number(session: AsyncSession, studio_id: int) -> int | None:
    """The studio's next invoice number, consumed: the UPDATE holds the counter row until COMMIT."""
    stmt = (
        update(InvoiceCounter)
        .where(InvoiceCounter.studio_id == studio_id)
        .values(next_number=InvoiceCounter.next_number + 1)
        .returning(InvoiceCounter.next_number)
    )
    following = await session.scalar(stmt)
    return None if following is None else int(following) - 1


async def release_lines(session: AsyncSession, invoice_id: int) -> None:
    """A voided invoice's lines stop counting as billed, so their work can be invoiced again."""
    await session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).values(live=False))


async def delete_invoice(session: AsyncSession, invoice: Invoice) -> None:
    await session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    await session.delete(invoice)
    await session.flush()


async def delete_line(session: AsyncSession, line: InvoiceLine) -> None:
    await session.delete(line)
    await session.flush()


# Utilization


async def resources_for_utilization(
    session: AsyncSession,
    scope: Scope | None,
    *,
    kind: ResourceKind | None,
    category: str | None,
    location_id: int | None,
    period_start: datetime,
) -> list[Resource]:
    """Resources in service at some point of a period (not retired before it), filtered."""
    stmt = scoped(Resource, scope).where(or_(Resource.retired_at.is_(None), Resource.retired_at > period_start))
    if kind is not None:
        stmt = stmt.where(Resource.kind == kind)
    if category is not None:
        stmt = stmt.where(func.lower(Resource.category) == category.lower())
    if location_id is not None:
        stmt = stmt.where(Resource.location_id == location_id)
    return list((await session.scalars(stmt.order_by(Resource.kind, Resource.name, Resource.id))).all())


async def allocations_in_period(
    session: AsyncSession,
    scope: Scope | None,
    resource_ids: Sequence[int],
    start: datetime,
    end: datetime,
    statuses: Sequence[BookingStatus],
) -> list[tuple[Allocation, Booking]]:
    """Allocations of these resources touching a period, in bookings of these statuses, with the booking."""
    if not resource_ids:
        return []
    stmt = (
        scoped(Allocation, scope)
        .add_columns(Booking)
        .join(Booking, Booking.id == Allocation.booking_id)
        .where(
            and_(
                Allocation.resource_id.in_(list(resource_ids)),
                Allocation.start_at < end,
                Allocation.end_at > start,
                Booking.status.in_(list(statuses)),
            )
        )
        .order_by(Allocation.resource_id, Allocation.start_at)
    )
    return [(a, b) for a, b in (await session.execute(stmt)).all()]
