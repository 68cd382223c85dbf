"""Calendar feeds: an `.ics` URL whose secret is stored only as an HMAC, like an API token's."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime, utcnow


class CalendarFeed(Base):
    """A person's subscription to a resource's, a project's or their own bookings."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(sa.String(16))
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("scope IN ('RESOURCE', 'PROJECT', 'MINE')", name="scope_known"),
        sa.CheckConstraint("(scope = 'RESOURCE') = (resource_id IS NOT NULL)", name="resource_scope"),
        sa.CheckConstraint("(scope = 'PROJECT') = (project_id IS NOT NULL)", name="project_scope"),
    )
