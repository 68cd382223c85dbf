"""The closed vocabularies of the domain, stored as checked strings so both databases agree."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    COORDINATOR = "COORDINATOR"
    PRODUCER = "PRODUCER"
    CREW = "CREW"
    SCANNER = "SCANNER"
    DISPLAY = "DISPLAY"
    # A client portal: reads its own client's projects, asks for bookings.
    CLIENT = "CLIENT"


class ResourceKind(enum.StrEnum):
    ROOM = "ROOM"
    EQUIPMENT = "EQUIPMENT"
    STOCK = "STOCK"
    CREW = "CREW"
    # A capacity pool in GB (a NAS volume, a review share), allocated to projects like stock.
    STORAGE = "STORAGE"


# Kinds whose `quantity` is a pool of units rather than one unit (stock items, storage GB).
POOL_KINDS = frozenset({ResourceKind.STOCK, ResourceKind.STORAGE})


class CustodyState(enum.StrEnum):
    IN_CAGE = "IN_CAGE"
    CHECKED_OUT = "CHECKED_OUT"
    MAINTENANCE = "MAINTENANCE"
    MISSING = "MISSING"
    RETIRED = "RETIRED"


class BookingStatus(enum.StrEnum):
    HOLD = "HOLD"
    CONFIRMED = "CONFIRMED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    # A client's request: occupies nothing until a coordinator approves it (or declines it).
    REQUESTED = "REQUESTED"
    DECLINED = "DECLINED"


BLOCKING_STATUSES = frozenset({BookingStatus.HOLD, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS})


class RateUnit(enum.StrEnum):
    HOUR = "HOUR"
    HALF_DAY = "HALF_DAY"
    DAY = "DAY"
    FLAT = "FLAT"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    PAID = "PAID"
    VOID = "VOID"


class Condition(enum.StrEnum):
    OK = "OK"
    WORN = "WORN"
    DAMAGED = "DAMAGED"


def enum_type(cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable checked-string column type for one of the enums above."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        # 16 fits every enum but the longest media status.
        length=max(16, *(len(m.value) for m in cls)),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class TaskKind(enum.StrEnum):
    PREP = "PREP"
    CAPTURE = "CAPTURE"
    INGEST = "INGEST"
    EDIT = "EDIT"
    REVIEW = "REVIEW"
    DELIVERY = "DELIVERY"
    OTHER = "OTHER"


class TaskStatus(enum.StrEnum):
    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    BLOCKED = "BLOCKED"
    DONE = "DONE"


class MilestoneStatus(enum.StrEnum):
    """Computed at read time, never stored (only `delivered_at` is)."""

    PLANNED = "PLANNED"
    AT_RISK = "AT_RISK"
    LATE = "LATE"
    DELIVERED = "DELIVERED"


class MediaStatus(enum.StrEnum):
    INGESTED = "INGESTED"
    IN_REVIEW = "IN_REVIEW"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    APPROVED = "APPROVED"
    DELIVERED = "DELIVERED"
    ARCHIVED = "ARCHIVED"
