"""Rates, budget history, scope changes and invoices. Amounts are integer minor units."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.enums import InvoiceStatus, RateUnit, enum_type
from db.types import UTCDateTime, utcnow


class Rate(Base):
    """A rate card entry for one resource or one category, valid over a half-open period."""

    __tablename__ = "rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    category: Mapped[str | None] = mapped_column(sa.String(80))
    unit: Mapped[RateUnit] = mapped_column(enum_type(RateUnit, "rate_unit"))
    cost_rate_minor: Mapped[int] = mapped_column(sa.BigInteger)
    bill_rate_minor: Mapped[int] = mapped_column(sa.BigInteger)
    day_cap_hours: Mapped[int | None] = mapped_column()
    overtime_after_hours: Mapped[int | None] = mapped_column()
    # Multiplier in percent (150 = time and a half) keeps the arithmetic exact.
    overtime_percent: Mapped[int | None] = mapped_column()
    late_fee_per_day_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("(resource_id IS NULL) <> (category IS NULL)", name="one_target"),
        sa.CheckConstraint("cost_rate_minor >= 0 AND bill_rate_minor >= 0", name="rates_non_negative"),
        sa.CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from", name="validity"),
    )


class BudgetChange(Base):
    """History of a project's approved budget."""

    __tablename__ = "budget_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    previous_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    approved_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    actor: Mapped[str] = mapped_column(sa.String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScopeChange(Base):
    """A change that moved a project's estimate, with who approved it and why."""

    __tablename__ = "scope_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="SET NULL"))
    delta_minor: Mapped[int] = mapped_column(sa.BigInteger)
    over_budget: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    actor: Mapped[str] = mapped_column(sa.String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int | None] = mapped_column()
    status: Mapped[InvoiceStatus] = mapped_column(enum_type(InvoiceStatus, "invoice_status"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("studio_id", "number"),
        sa.CheckConstraint("(status = 'DRAFT') = (number IS NULL)", name="number_when_issued"),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    # What is billed (e.g. "allocation:42" or "late-fee:custody:7"); billed once among live invoices.
    source_key: Mapped[str] = mapped_column(sa.String(80))
    live: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(sa.String(300))
    quantity: Mapped[str] = mapped_column(sa.String(24))
    unit: Mapped[str] = mapped_column(sa.String(16))
    rate_minor: Mapped[int] = mapped_column(sa.BigInteger)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (
        sa.Index(
            "uq_invoice_lines_live_source",
            "studio_id",
            "source_key",
            unique=True,
            sqlite_where=sa.text("live"),
            postgresql_where=sa.text("live"),
        ),
    )


class InvoiceCounter(Base):
    """The next invoice number of a studio; its row lock makes numbering gap-free."""

    __tablename__ = "invoice_counters"

    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True)
    next_number: Mapped[int] = mapped_column(default=1)
