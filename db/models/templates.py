"""Session templates (named packages of needs and tasks) and recurring booking series.

A template's needs and tasks are stored as JSON lists: they are read and written whole, always with
their template, and validated by the service (`server.services.slots.templates`) before they land.
A series is the RRULE a set of bookings was expanded from; each of its bookings names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow


class SessionTemplate(Base):
    __tablename__ = "session_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    duration_minutes: Mapped[int] = mapped_column()
    needs: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("studio_id", "name"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )


class BookingSeries(Base):
    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    rrule: Mapped[str] = mapped_column(sa.String(500))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    created_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
