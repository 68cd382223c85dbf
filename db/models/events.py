"""The event log (audit trail and live feed source) and stored idempotent results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(sa.String(80))
    type: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    actor: Mapped[str | None] = mapped_column(sa.String(120))
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Audit entries only: the entity the entry is about, as `Type:id`, so the log filters by it.
    entity: Mapped[str | None] = mapped_column(sa.String(80))

    __table_args__ = (
        sa.Index("ix_events_studio_topic_seq", "studio_id", "topic", "seq"),
        sa.Index("ix_events_studio_entity_seq", "studio_id", "entity", "seq"),
    )


class IdempotencyRecord(Base):
    """The first result of a keyed mutation, replayed for the same key and input."""

    __tablename__ = "idempotency_records"

    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(sa.String(60))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
