"""Bookings, their allocations, blocks, and the occupancy ledger that makes double booking impossible.

Every claim on a unit resource's time (an allocation of a room, item or crew member, or a block)
writes one `occupancies` row holding the buffered window `[start - setup, end + teardown)`. On
PostgreSQL the migration adds a generated `period tstzrange` column and an exclusion constraint
(range first, partial on active rows), so two active claims on one resource can never overlap,
whatever the concurrency. Stock pools are checked by the service under a pool-row lock instead.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.enums import BookingStatus, enum_type
from db.types import UTCDateTime, utcnow


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus, "booking_status"))
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The recurring series this booking is an occurrence of, if any.
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    # A queued hold (a pencil behind the bookings holding its slot) occupies nothing: its place in
    # line, set while it waits, NULL once it holds its slot (DESIGN §10, ranked holds).
    queue_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    # A challenged HOLD must be confirmed by then, or the sweeper releases it.
    challenge_respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A client's request: what they wrote with it, and why it was declined.
    request_note: Mapped[str | None] = mapped_column(sa.String(2000))
    decline_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    # The session template a request asked for: its tasks are created when the request is approved.
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session_templates.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="window_positive"),
        sa.Index("ix_bookings_studio_window", "studio_id", "start_at", "end_at"),
        sa.Index("ix_bookings_studio_queue", "studio_id", "queue_seq"),
        sa.Index("ix_bookings_hold_expiry", "hold_expires_at"),
    )


class Allocation(Base):
    """One resource (or N units of a stock pool) for one window inside a booking."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    kit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kits.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(default=1)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="window_positive"),
        sa.CheckConstraint("quantity >= 1", name="quantity_positive"),
        sa.Index("ix_allocations_resource_window", "resource_id", "start_at", "end_at"),
    )


class Block(Base):
    """Maintenance or unavailability of a resource (repair, crew time off)."""

    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("end_at > start_at", name="window_positive"),)


class Occupancy(Base):
    """The ledger of buffered claims on unit resources; see the module docstring."""

    __tablename__ = "occupancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    allocation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("allocations.id", ondelete="CASCADE"), unique=True)
    block_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blocks.id", ondelete="CASCADE"), unique=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="window_positive"),
        sa.CheckConstraint("(allocation_id IS NULL) <> (block_id IS NULL)", name="one_source"),
        sa.Index("ix_occupancies_resource_window", "resource_id", "start_at", "end_at"),
    )


# A hold past its expiry: it no longer blocks anything, whether or not the sweeper has marked it
# EXPIRED yet. The one rule, in Python (rows already read) and in SQL (rows being read).


def hold_lapsed(status: BookingStatus | None, hold_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a booking of this status and hold expiry has lapsed at `now`."""
    return status == BookingStatus.HOLD and hold_expires_at is not None and hold_expires_at <= now


def hold_lapsed_sql(now: datetime | sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
    """`hold_lapsed` as a condition on the `bookings` table."""
    return sa.and_(
        Booking.status == BookingStatus.HOLD, Booking.hold_expires_at.is_not(None), Booking.hold_expires_at <= now
    )


def hold_live_sql(now: datetime | sa.ColumnElement[datetime]) -> sa.ColumnElement[bool]:
    """Not lapsed, for an outer-joined booking too (a block's claim has no booking, and always counts)."""
    return sa.or_(
        Booking.id.is_(None),
        Booking.status != BookingStatus.HOLD,
        Booking.hold_expires_at.is_(None),
        Booking.hold_expires_at > now,
    )
