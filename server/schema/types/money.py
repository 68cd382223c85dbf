"""Money as the API shows it: budgets and their lines, rates, scope changes, invoices and utilization."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.catalogue import Resource, ResourceKind
from server.schema.types.node import Node, PageInfo
from server.services.currency import from_minor
from server.services.money import budgets as budget_service
from server.services.money.estimates import Line, ProjectMoney
from server.services.money.pricing import quantity_decimal
from server.services.money.quotes import Quote as QuoteResult
from server.services.money.utilization import CategoryUse, Report, Use

if TYPE_CHECKING:
    from server.schema.types.projects import Project
    from server.schema.types.scheduling import Booking

strawberry.enum(models.RateUnit, description="What a rate is per: HOUR, HALF_DAY (4 hours), DAY (24 hours) or FLAT.")
strawberry.enum(models.InvoiceStatus, description="DRAFT, then ISSUED (numbered, frozen), then PAID or VOID.")
RateUnit = models.RateUnit
InvoiceStatus = models.InvoiceStatus


@strawberry.type(description="An amount of money.")
class Money:
    amount: Decimal = strawberry.field(description="Exact decimal amount, e.g. 125.50.")
    currency: str = strawberry.field(description="ISO 4217 code.")

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        return cls(amount=from_minor(minor, currency), currency=currency)


@strawberry.enum(description="What a budget line bills.")
class BudgetLineKind(enum.Enum):
    BASE = "base"
    OVERTIME = "overtime"
    LATE_RETURN = "late"


def _money(minor: int | None, currency: str) -> Money | None:
    return None if minor is None else Money.of(minor, currency)


@strawberry.type(description="One priced line: what, how much, at what rate, for how much.")
class BudgetLine:
    description: str = strawberry.field(description="What is billed, e.g. 'Mina Haddad (editor) - overtime'.")
    kind: BudgetLineKind = strawberry.field(description="The allocation itself, its overtime, or a late return.")
    quantity: Decimal = strawberry.field(description="Units of `unit` (hours, half-days, days; x quantity of stock).")
    unit: RateUnit | None = strawberry.field(description="The unit priced; null when no rate applies.")
    rate: Money | None = strawberry.field(description="Bill rate per unit; null when no rate applies.")
    amount: Money = strawberry.field(description="What it bills, rounded half-up to the minor unit.")
    cost_rate: Money | None = strawberry.field(description="Cost rate per unit (studio staff only).")
    cost: Money | None = strawberry.field(description="What it costs the studio (studio staff only).")
    start: datetime = strawberry.field(description="Start of the window priced.")
    end: datetime = strawberry.field(description="End of the window priced.")
    priced: bool = strawberry.field(description="False when neither the resource nor its category has a rate.")
    booking_id: strawberry.Private[int | None]
    resource_id: strawberry.Private[int]

    @strawberry.field(description="The booking the line belongs to (null on a quote).")
    async def booking(
        self, info: strawberry.Info
    ) -> Annotated[Booking, strawberry.lazy("server.schema.types.scheduling")] | None:
        from server.schema.types.scheduling import Booking

        if self.booking_id is None:
            return None
        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)

    @strawberry.field(description="The room, item, pool or person priced.")
    async def resource(self, info: strawberry.Info) -> Resource | None:
        row = await info.context.loaders.resources_by_id.load(self.resource_id)
        return None if row is None else Resource.from_model(row)

    @classmethod
    def of(cls, line: Line, currency: str, show_costs: bool) -> BudgetLine:
        return cls(
            description=line.description,
            kind=BudgetLineKind(line.kind),
            quantity=quantity_decimal(line.quantity),
            unit=RateUnit(line.unit) if line.unit else None,
            rate=_money(line.bill_rate_minor, currency),
            amount=Money.of(line.bill_minor, currency),
            cost_rate=_money(line.cost_rate_minor, currency) if show_costs else None,
            cost=Money.of(line.cost_minor, currency) if show_costs else None,
            start=line.start,
            end=line.end,
            priced=line.priced,
            booking_id=line.booking_id,
            resource_id=line.resource_id,
        )


@strawberry.type(description="A change that moved a project's estimate: who, when, by how much and why.")
class ScopeChange:
    delta: Money = strawberry.field(description="How much the estimate moved (negative: it fell).")
    over_budget: bool = strawberry.field(description="Whether it took the estimate above the approved budget.")
    reason: str = strawberry.field(description="The operation and the booking it changed.")
    actor: str = strawberry.field(description="Who made the change.")
    at: datetime = strawberry.field(description="When.")
    booking_id: strawberry.Private[int | None]

    @strawberry.field(description="The booking changed, if it still exists and the caller may see it.")
    async def booking(
        self, info: strawberry.Info
    ) -> Annotated[Booking, strawberry.lazy("server.schema.types.scheduling")] | None:
        if self.booking_id is None:
            return None
        from server.schema.types.scheduling import Booking

        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)

    @classmethod
    def from_model(cls, row: models.ScopeChange, currency: str) -> ScopeChange:
        return cls(
            delta=Money.of(row.delta_minor, currency),
            over_budget=row.over_budget,
            reason=row.reason,
            actor=row.actor,
            at=row.at,
            booking_id=row.booking_id,
        )


@strawberry.type(description="One change of a project's approved budget.")
class BudgetChange:
    previous: Money | None = strawberry.field(description="The approved budget before (null: none).")
    approved: Money | None = strawberry.field(description="The approved budget after (null: cleared).")
    reason: str = strawberry.field(description="Why.")
    actor: str = strawberry.field(description="Who changed it.")
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, row: models.BudgetChange, currency: str) -> BudgetChange:
        return cls(
            previous=_money(row.previous_minor, currency),
            approved=_money(row.approved_minor, currency),
            reason=row.reason,
            actor=row.actor,
            at=row.at,
        )


@strawberry.type(description="A project's money: approved budget, estimate, actual and what remains.")
class Budget:
    approved: Money | None = strawberry.field(description="The approved budget (null: none set).")
    estimate: Money = strawberry.field(
        description="Sum of the lines of every HOLD, CONFIRMED, IN_PROGRESS and COMPLETED booking, as planned."
    )
    actual: Money = strawberry.field(description="Sum of the lines of the sessions that started, as they really ran.")
    remaining: Money | None = strawberry.field(
        description="Approved minus the larger of estimate and actual (null without an approved budget)."
    )
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    estimate_cost: Money | None = strawberry.field(description="What the estimate costs the studio (staff only).")
    lines: list[BudgetLine] = strawberry.field(description="The estimate's lines, by booking and start.")
    actual_lines: list[BudgetLine] = strawberry.field(description="The actual's lines (overtime, late returns).")
    version: int = strawberry.field(
        description="The project's version: the approved budget is the project's; send it to setProjectBudget."
    )
    project_pk: strawberry.Private[int]

    @strawberry.field(description="Every change that moved the estimate, oldest first.")
    async def scope_changes(self, info: strawberry.Info) -> list[ScopeChange]:
        async with info.context.uow.read() as session:
            _, changes = await budget_service.history(session, info.context.principal, self.project_pk)
        return [ScopeChange.from_model(c, self.currency) for c in changes]

    @strawberry.field(description="The approved budget's history, oldest first.")
    async def history(self, info: strawberry.Info) -> list[BudgetChange]:
        async with info.context.uow.read() as session:
            changes, _ = await budget_service.history(session, info.context.principal, self.project_pk)
        return [BudgetChange.from_model(c, self.currency) for c in changes]

    @classmethod
    async def of_project(cls, info: strawberry.Info, project_pk: int) -> Budget | None:
        """A project's budget through the request's loader; null where the caller may not see its money."""
        money = await info.context.loaders.budgets_by_project.load(project_pk)
        return None if money is None else cls.of(money, budget_service.may_see_costs(info.context.principal))

    @classmethod
    def of(cls, money: ProjectMoney, show_costs: bool) -> Budget:
        cur = money.currency
        return cls(
            approved=_money(money.approved_minor, cur),
            estimate=Money.of(money.estimate_minor, cur),
            actual=Money.of(money.actual_minor, cur),
            remaining=_money(money.remaining_minor, cur),
            currency=cur,
            estimate_cost=Money.of(sum(ln.cost_minor for ln in money.estimate_lines), cur) if show_costs else None,
            lines=[BudgetLine.of(ln, cur, show_costs) for ln in money.estimate_lines],
            actual_lines=[BudgetLine.of(ln, cur, show_costs) for ln in money.actual_lines],
            version=money.project.version,
            project_pk=money.project.id,
        )


@strawberry.type(description="A rate card entry: cost and bill rate of a resource or a category over a period.")
class Rate(Node):
    category: str | None = strawberry.field(description="The category priced (null for a resource's own rate).")
    unit: RateUnit = strawberry.field(description="What the rate is per.")
    cost_rate: Money = strawberry.field(description="What one unit costs the studio.")
    bill_rate: Money = strawberry.field(description="What one unit bills.")
    day_cap_hours: int | None = strawberry.field(description="HOUR: a day never bills more than this many hours.")
    overtime_after_hours: int | None = strawberry.field(description="Hours in a day after which overtime applies.")
    overtime_multiplier: Decimal | None = strawberry.field(description="Overtime multiplier, e.g. 1.5.")
    late_fee_per_day: Money | None = strawberry.field(description="Equipment: fee per started day returned late.")
    valid_from: datetime | None = strawberry.field(description="Valid from (null: always before).")
    valid_until: datetime | None = strawberry.field(description="Valid until, exclusive (null: open-ended).")
    version: int = strawberry.field(
        description="Grows by one with every change (replaced, or closed by a newer rate); send it to setRate."
    )
    resource_id: strawberry.Private[int | None]

    @strawberry.field(description="The resource priced (null for a category rate).")
    async def resource(self, info: strawberry.Info) -> Resource | None:
        if self.resource_id is None:
            return None
        row = await info.context.loaders.resources_by_id.load(self.resource_id)
        return None if row is None else Resource.from_model(row)

    @classmethod
    def from_model(cls, row: models.Rate, currency: str) -> Rate:
        return cls(
            id=strawberry.ID(to_global_id("Rate", row.id)),
            category=row.category,
            unit=row.unit,
            cost_rate=Money.of(row.cost_rate_minor, currency),
            bill_rate=Money.of(row.bill_rate_minor, currency),
            day_cap_hours=row.day_cap_hours,
            overtime_after_hours=row.overtime_after_hours,
            overtime_multiplier=None if row.overtime_percent is None else Decimal(row.overtime_percent) / 100,
            late_fee_per_day=_money(row.late_fee_per_day_minor, currency),
            version=row.version,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            resource_id=row.resource_id,
        )


@strawberry.type(description="One line of an invoice, frozen when the draft was made.")
class InvoiceLine(Node):
    description: str = strawberry.field(description="Booking and what was billed.")
    quantity: Decimal = strawberry.field(description="Units billed.")
    unit: str = strawberry.field(description="HOUR, HALF_DAY, DAY, FLAT, or a manual line's unit.")
    rate: Money = strawberry.field(description="Price per unit.")
    amount: Money = strawberry.field(description="Line total.")

    @classmethod
    def from_model(cls, row: models.InvoiceLine, currency: str) -> InvoiceLine:
        return cls(
            id=strawberry.ID(to_global_id("InvoiceLine", row.id)),
            description=row.description,
            quantity=Decimal(row.quantity),
            unit=row.unit,
            rate=Money.of(row.rate_minor, currency),
            amount=Money.of(row.amount_minor, currency),
        )


@strawberry.type(description="An invoice of a project: DRAFT, ISSUED, PAID or VOID.")
class Invoice(Node):
    number: int | None = strawberry.field(description="Gap-free number in the studio, given when issued.")
    status: InvoiceStatus = strawberry.field(description="Where the invoice is in its life.")
    total: Money = strawberry.field(description="Sum of the lines.")
    created_at: datetime = strawberry.field(description="When the draft was made.")
    issued_at: datetime | None = strawberry.field(description="When it was issued.")
    paid_at: datetime | None = strawberry.field(description="When it was paid.")
    voided_at: datetime | None = strawberry.field(description="When it was voided.")
    version: int = strawberry.field(description="Grows by one with every change; send it as `expectedVersion`.")
    csv_url: str = strawberry.field(description="Path of the CSV download (same Bearer token).")
    html_url: str = strawberry.field(description="Path of the printable HTML page (same Bearer token).")
    pk: strawberry.Private[int]
    project_id: strawberry.Private[int]
    currency: str = strawberry.field(description="ISO 4217 currency.")

    @strawberry.field(description="The project invoiced.")
    async def project(
        self, info: strawberry.Info
    ) -> Annotated[Project, strawberry.lazy("server.schema.types.projects")] | None:
        from server.schema.types.projects import Project

        row = await info.context.loaders.projects_by_id.load(self.project_id)
        return None if row is None else Project.from_model(row)

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: strawberry.Info) -> list[InvoiceLine]:
        rows = await info.context.loaders.invoice_lines_by_invoice.load(self.pk)
        return [InvoiceLine.from_model(r, self.currency) for r in rows]

    @classmethod
    def from_model(cls, row: models.Invoice) -> Invoice:
        gid = to_global_id("Invoice", row.id)
        return cls(
            id=strawberry.ID(gid),
            pk=row.id,
            project_id=row.project_id,
            number=row.number,
            status=row.status,
            currency=row.currency,
            total=Money.of(row.total_minor, row.currency),
            created_at=row.created_at,
            issued_at=row.issued_at,
            paid_at=row.paid_at,
            voided_at=row.voided_at,
            version=row.version,
            csv_url=f"/invoices/{gid}.csv",
            html_url=f"/invoices/{gid}.html",
        )


@strawberry.type(description="An edge of an invoice page.")
class InvoiceEdge:
    node: Invoice = strawberry.field(description="The invoice.")
    cursor: str = strawberry.field(description="Opaque cursor of this edge.")


@strawberry.type(description="A page of invoices, newest first.")
class InvoiceConnection:
    edges: list[InvoiceEdge] = strawberry.field(description="The invoices on this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")


def _hours(value: Fraction) -> Decimal:
    return quantity_decimal(value, places=2)


@strawberry.type(description="Hours and money over the period.")
class UtilizationFigures:
    bookable_hours: Decimal = strawberry.field(description="Opening hours in the period (x pool size for stock).")
    booked_hours: Decimal = strawberry.field(description="Hours booked in CONFIRMED, IN_PROGRESS, COMPLETED bookings.")
    utilization: Decimal | None = strawberry.field(description="Booked over bookable, in percent (may pass 100).")
    revenue: Money = strawberry.field(description="What the bookings bill for the period.")
    cost: Money = strawberry.field(description="What they cost the studio for the period.")

    @classmethod
    def of(cls, use: Use, currency: str) -> UtilizationFigures:
        return cls(
            bookable_hours=_hours(use.bookable),
            booked_hours=_hours(use.booked),
            utilization=use.percent,
            revenue=Money.of(use.revenue_minor, currency),
            cost=Money.of(use.cost_minor, currency),
        )


@strawberry.type(description="Utilization of one resource.")
class ResourceUtilization:
    resource: Resource = strawberry.field(description="The resource.")
    figures: UtilizationFigures = strawberry.field(description="Its hours and money.")


@strawberry.type(description="Utilization of one category of one kind.")
class CategoryUtilization:
    kind: ResourceKind = strawberry.field(description="ROOM, EQUIPMENT, STOCK or CREW.")
    category: str | None = strawberry.field(description="The category (null: resources without one).")
    resource_count: int = strawberry.field(description="Resources in it.")
    figures: UtilizationFigures = strawberry.field(description="Their hours and money together.")

    @classmethod
    def of(cls, use: CategoryUse, currency: str) -> CategoryUtilization:
        return cls(
            kind=use.kind,
            category=use.category,
            resource_count=use.resources,
            figures=UtilizationFigures.of(use.use, currency),
        )


@strawberry.type(description="Which rooms, gear and people earned their keep over a period.")
class Utilization:
    start: datetime = strawberry.field(description="Start of the period.")
    end: datetime = strawberry.field(description="End of the period (exclusive).")
    currency: str = strawberry.field(description="ISO 4217 currency of the money.")
    resources: list[ResourceUtilization] = strawberry.field(description="Per resource.")
    categories: list[CategoryUtilization] = strawberry.field(description="Per kind and category.")
    total: UtilizationFigures = strawberry.field(description="Everything in the report together.")
    idle: list[Resource] = strawberry.field(description="Resources not booked at all in the period.")

    @classmethod
    def of(cls, report: Report) -> Utilization:
        cur = report.currency
        return cls(
            start=report.start,
            end=report.end,
            currency=cur,
            resources=[
                ResourceUtilization(resource=Resource.from_model(r.resource), figures=UtilizationFigures.of(r.use, cur))
                for r in report.resources
            ],
            categories=[CategoryUtilization.of(c, cur) for c in report.categories],
            total=UtilizationFigures.of(report.total, cur),
            idle=[Resource.from_model(r) for r in report.idle],
        )


@strawberry.type(description="What a change would cost and where it would leave the budget; nothing was booked.")
class Quote:
    lines: list[BudgetLine] = strawberry.field(description="The lines the change would add.")
    total: Money = strawberry.field(description="Their sum.")
    estimate_before: Money = strawberry.field(description="The project's estimate now.")
    estimate_after: Money = strawberry.field(description="The project's estimate with the change.")
    approved: Money | None = strawberry.field(description="The approved budget (null: none).")
    over_by: Money | None = strawberry.field(
        description="How far above the approved budget the change would go; null when it fits. Such a change "
        "needs allowOverBudget from a role that may approve overruns."
    )

    @classmethod
    def of(cls, quote: QuoteResult, show_costs: bool) -> Quote:
        cur = quote.project.currency
        return cls(
            lines=[BudgetLine.of(ln, cur, show_costs) for ln in quote.lines],
            total=Money.of(quote.total_minor, cur),
            estimate_before=Money.of(quote.estimate_before_minor, cur),
            estimate_after=Money.of(quote.estimate_after_minor, cur),
            approved=_money(quote.project.approved_budget_minor, cur),
            over_by=_money(quote.over_by_minor, cur),
        )
