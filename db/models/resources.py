"""Allocatable things: rooms, equipment items, stock pools and crew, and kits of equipment."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.models.enums import CustodyState, ResourceKind, enum_type
from db.types import UTCDateTime, utcnow


class Resource(Base):
    """One table for the four kinds; kind-specific columns stay null where they do not apply."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    kind: Mapped[ResourceKind] = mapped_column(enum_type(ResourceKind, "resource_kind"))
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    # ROOM
    capacity: Mapped[int | None] = mapped_column()
    features: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # EQUIPMENT
    code: Mapped[str | None] = mapped_column(sa.String(80))
    epc: Mapped[str | None] = mapped_column(sa.String(64))
    serial_number: Mapped[str | None] = mapped_column(sa.String(80))
    model: Mapped[str | None] = mapped_column(sa.String(120))
    condition: Mapped[str | None] = mapped_column(sa.String(16))
    custody: Mapped[CustodyState | None] = mapped_column(enum_type(CustodyState, "custody_state"))
    replacement_value_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    accessories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # STOCK (units), STORAGE (capacity in GB)
    quantity: Mapped[int] = mapped_column(default=1)
    unit: Mapped[str | None] = mapped_column(sa.String(24))
    # CREW
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    weekly_hour_cap: Mapped[int | None] = mapped_column()
    min_rest_minutes: Mapped[int | None] = mapped_column()
    # Where their call changes are e-mailed (the linked user's address otherwise).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # All kinds: turnaround buffers.
    setup_minutes: Mapped[int] = mapped_column(default=0)
    teardown_minutes: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("studio_id", "code"),
        sa.UniqueConstraint("studio_id", "epc"),
        sa.CheckConstraint("quantity >= 1", name="quantity_positive"),
        sa.CheckConstraint("kind IN ('STOCK', 'STORAGE') OR quantity = 1", name="unit_quantity_one"),
        sa.CheckConstraint("setup_minutes >= 0 AND teardown_minutes >= 0", name="buffers_non_negative"),
        sa.CheckConstraint("(kind = 'EQUIPMENT') = (custody IS NOT NULL)", name="custody_for_equipment"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_non_negative"),
        sa.Index("ix_resources_studio_kind", "studio_id", "kind"),
    )


class Kit(Base):
    __tablename__ = "kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    name: Mapped[str] = mapped_column(sa.String(120))
    code: Mapped[str | None] = mapped_column(sa.String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("studio_id", "name"), sa.UniqueConstraint("studio_id", "code"))


class KitItem(Base):
    """An equipment item belongs to at most one kit."""

    __tablename__ = "kit_items"

    kit_id: Mapped[int] = mapped_column(sa.ForeignKey("kits.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    position: Mapped[int] = mapped_column(default=0)
