"""The production plan: tasks and their dependencies, delivery milestones, media assets on storage
volumes, and the review links a client decides on.

A milestone's status is not stored: it is computed at read time from its tasks, their bookings and
their assignees (`server.services.plan.risks`); only its delivery is recorded.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.enums import MediaStatus, TaskKind, TaskStatus, enum_type
from db.types import UTCDateTime, utcnow


class Milestone(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # A booking's tasks go with it: cancelling the booking deletes those not done (see the service).
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("milestones.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[TaskKind] = mapped_column(enum_type(TaskKind, "task_kind"))
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus, "task_status"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskDependency(Base):
    """`task_id` cannot start before `depends_on_id` is DONE (both of one project)."""

    __tablename__ = "task_dependencies"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    depends_on_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    __table_args__ = (sa.CheckConstraint("task_id <> depends_on_id", name="not_self"),)


class MediaAsset(Base):
    """Footage or a cut on a STORAGE volume; its size counts against the volume's capacity."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    storage_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    size_megabytes: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[MediaStatus] = mapped_column(enum_type(MediaStatus, "media_status"))
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("size_megabytes > 0", name="size_positive"),)


class ReviewLink(Base):
    """A client's one-time review of one asset; only the token's HMAC is kept."""

    __tablename__ = "review_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    media_asset_id: Mapped[int] = mapped_column(sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The token's first characters, to show a link after creation without being able to open it.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(sa.String(24))
    comment: Mapped[str | None] = mapped_column(sa.String(4000))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("decision IS NULL OR decision IN ('APPROVED', 'CHANGES_REQUESTED')", name="decision_known"),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided_once"),
    )
