"""Notifications: one row per (event, recipient), written in the transaction of the change, and the
reminders the sweeper has already sent (so each is sent once per deadline).

A recipient is a person (a user: every user token stands for one) or, for crew with an address but no
account, the crew resource itself (e-mail only). `recipient` spells which, so one unique key covers
both on every backend (NULLs never collide in a unique constraint).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow

# E-mail states of a notification; NULL: no e-mail is sent for it.
EMAIL_PENDING, EMAIL_SENT, EMAIL_FAILED = "PENDING", "SENT", "FAILED"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    recipient: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.String(2000))
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # E-mail: the address at the time of the change, and the sender's progress.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_status: Mapped[str | None] = mapped_column(sa.String(16))
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_error: Mapped[str | None] = mapped_column(sa.String(300))

    __table_args__ = (
        sa.UniqueConstraint("event_seq", "recipient"),
        sa.CheckConstraint("(user_id IS NULL) <> (resource_id IS NULL)", name="one_recipient"),
        sa.CheckConstraint(
            "email_status IS NULL OR email_status IN ('PENDING', 'SENT', 'FAILED')", name="email_status"
        ),
        sa.Index("ix_notifications_user", "user_id", "id"),
        sa.Index("ix_notifications_email_queue", "email_status", "email_next_at"),
    )


class Reminder(Base):
    """A reminder the sweeper raised (HOLD_EXPIRING, GEAR_DUE): one per subject and deadline."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int] = mapped_column()
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("kind", "subject_id", "deadline"),)
