"""Webhooks and their deliveries: the outbox rows written in the transaction of the change they announce."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
DELIVERY_STATUSES = (PENDING, DELIVERED, FAILED)
RESPONSE_LIMIT = 1024  # bytes of a receiver's answer kept for the delivery log


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # The secret is derived from the server secret and this salt; the salt alone signs nothing.
    salt: Mapped[str] = mapped_column(sa.String(64))
    created_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Grows when the webhook changes (the system disables it on a 410); deleteWebhook may expect it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class WebhookDelivery(Base):
    """One event for one webhook: PENDING until the receiver answers 2xx (DELIVERED) or the retry
    window closes (FAILED)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None] = mapped_column()
    last_response: Mapped[str | None] = mapped_column(sa.String(RESPONSE_LIMIT))
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_until: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("status IN ('PENDING', 'DELIVERED', 'FAILED')", name="delivery_status"),
        sa.Index("ix_webhook_deliveries_queue", "webhook_id", "status", "event_seq"),
        sa.Index("ix_webhook_deliveries_studio", "studio_id", "status"),
        # The dispatcher's queues: only what is still to send, in the order it goes (the delivered
        # log grows without bound and is never scanned for them).
        sa.Index(
            "ix_webhook_deliveries_pending",
            "webhook_id",
            "event_seq",
            "id",
            postgresql_where=sa.text("status = 'PENDING'"),
            sqlite_where=sa.text("status = 'PENDING'"),
        ),
    )
