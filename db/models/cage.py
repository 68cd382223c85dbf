"""The equipment cage: custody records, every scan, and audits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow


class CustodyRecord(Base):
    """One check-out of one item, closed by its return."""

    __tablename__ = "custody_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="SET NULL"))
    custodian: Mapped[str] = mapped_column(sa.String(120))
    checked_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_condition: Mapped[str | None] = mapped_column(sa.String(16))
    return_notes: Mapped[str | None] = mapped_column(sa.Text)
    missing_accessories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    out_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    in_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    # The kit label the item went out under, if it was checked out with its kit.
    kit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kits.id", ondelete="SET NULL"))
    # The maintenance block a damaged return put on the item, ended when the item is released.
    maintenance_block_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blocks.id", ondelete="SET NULL"))

    __table_args__ = (
        # At most one open custody per item, enforced by the database on both backends.
        sa.Index(
            "uq_custody_records_open_item",
            "resource_id",
            unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        ),
        # The overdue sweep reads open, not yet overdue check-outs by due time.
        sa.Index(
            "ix_custody_records_open_due",
            "due_at",
            sqlite_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL AND overdue_at IS NULL"),
        ),
    )


class ScanRecord(Base):
    """Every scan the cage saw, accepted or refused, with the device that made it."""

    __tablename__ = "scan_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="SET NULL"))
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(16))
    outcome: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    audit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("audits.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_scan_records_resource_at", "resource_id", "at"),)


class Audit(Base):
    """A stock-take of one location; `result` keeps what `finishAudit` found, as it was then."""

    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    finished_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    __table_args__ = (
        # One running audit per location.
        sa.Index(
            "uq_audits_open_location",
            "location_id",
            unique=True,
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        ),
    )


class AuditSighting(Base):
    """A resource seen during an audit (repeated reads collapse into one row)."""

    __tablename__ = "audit_sightings"

    audit_id: Mapped[int] = mapped_column(sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
