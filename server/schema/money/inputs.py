"""Inputs of money: what its mutations and queries take."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from server.schema.ids import decode_optional
from server.schema.scheduling.inputs import (
    AllocationInput,
)
from server.schema.types.catalogue import ResourceKind
from server.schema.types.money import InvoiceStatus, RateUnit
from server.schema.versions import EXPECTED_VERSION
from server.services.money.invoices import ManualLine
from server.services.money.rates import SetRate


@strawberry.input(description="Set the rate of one resource or of a category for a period.")
class SetRateInput:
    resource_id: strawberry.ID | None = strawberry.field(default=None, description="One of resourceId / category.")
    category: str | None = strawberry.field(default=None, description="A category's rate (for resources without one).")
    unit: RateUnit = strawberry.field(description="HOUR, HALF_DAY, DAY or FLAT.")
    cost_rate: Decimal = strawberry.field(description="What one unit costs the studio, e.g. 22.00.")
    bill_rate: Decimal = strawberry.field(description="What one unit bills, e.g. 45.00.")
    currency: str | None = strawberry.field(default=None, description="Must be the studio's currency if given.")
    day_cap_hours: int | None = strawberry.field(
        default=None, description="HOUR: a day never bills more than this many hours (1-24)."
    )
    overtime_after_hours: int | None = strawberry.field(
        default=None, description="HOUR or DAY: hours in a day after which overtime applies (1-24)."
    )
    overtime_multiplier: Decimal | None = strawberry.field(
        default=None, description="Overtime multiplier between 1 and 4, e.g. 1.5."
    )
    late_fee_per_day: Decimal | None = strawberry.field(
        default=None, description="Equipment: fee per started day returned late."
    )
    valid_from: datetime | None = strawberry.field(default=None, description="Valid from (null: always before).")
    valid_until: datetime | None = strawberry.field(default=None, description="Valid until, exclusive (null: open).")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version of the rate with exactly this validity that this replaces: if it changed or is "
        "gone, the answer is StaleVersionError (currentVersion 0: no such rate) and nothing changes. "
        "Omitted: no check.",
    )

    def to_command(self) -> SetRate:
        return SetRate(
            unit=self.unit,
            cost_rate=self.cost_rate,
            bill_rate=self.bill_rate,
            resource_id=decode_optional(self.resource_id, "Resource"),
            category=self.category,
            currency=self.currency,
            day_cap_hours=self.day_cap_hours,
            overtime_after_hours=self.overtime_after_hours,
            overtime_multiplier=self.overtime_multiplier,
            late_fee_per_day=self.late_fee_per_day,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            expected_version=self.expected_version,
        )


@strawberry.input(description="Change a project's approved budget.")
class SetProjectBudgetInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")
    approved_budget: Decimal | None = strawberry.field(description="The new approved budget (null clears it).")
    currency: str | None = strawberry.field(default=None, description="Must be the project's currency if given.")
    reason: str | None = strawberry.field(default=None, description="Why (kept in the history).")
    expected_version: int | None = strawberry.field(
        default=None, description=EXPECTED_VERSION.replace("the object", "the project")
    )


@strawberry.input(description="Which invoices to list.")
class InvoiceFilter:
    project_id: strawberry.ID | None = strawberry.field(default=None, description="Of one project.")
    statuses: list[InvoiceStatus] | None = strawberry.field(default=None, description="In these statuses.")


@strawberry.input(description="A manual line on a draft invoice.")
class AddInvoiceLineInput:
    invoice_id: strawberry.ID = strawberry.field(description="The draft.")
    description: str = strawberry.field(description="What is billed.")
    quantity: Decimal = strawberry.field(description="How many units (above 0, at most four decimals).")
    unit_price: Decimal = strawberry.field(description="Price per unit, in the invoice's currency.")
    unit: str = strawberry.field(default="EACH", description="The unit's name, e.g. EACH or HOUR.")
    expected_version: int | None = strawberry.field(
        default=None, description=EXPECTED_VERSION.replace("the object", "the invoice")
    )

    def to_line(self) -> ManualLine:
        return ManualLine(self.description, self.quantity, self.unit_price, self.unit)


@strawberry.input(description="The period and resources of a utilization report.")
class UtilizationInput:
    start: datetime = strawberry.field(description="Start of the period.")
    end: datetime = strawberry.field(description="End of the period (exclusive; at most 366 days after the start).")
    kind: ResourceKind | None = strawberry.field(default=None, description="Only this kind.")
    category: str | None = strawberry.field(default=None, description="Only this category.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Only this location.")


@strawberry.input(description="Allocations to price: for a new booking of a project, or to add to a booking.")
class QuoteInput:
    project_id: strawberry.ID | None = strawberry.field(default=None, description="One of projectId / bookingId.")
    booking_id: strawberry.ID | None = strawberry.field(default=None, description="A booking to add to.")
    start: datetime | None = strawberry.field(default=None, description="The window (defaults to the booking's).")
    end: datetime | None = strawberry.field(default=None, description="The window's end.")
    allocations: list[AllocationInput] = strawberry.field(description="What would be added.")
