"""Media assets on STORAGE volumes: a volume is never filled past its capacity (concurrent
registrations included: the volume row is locked on PostgreSQL, SQLite writes one at a time); a
project past the gigabytes its bookings hold on the volume gets a warning, not a refusal.

Sizes are in megabytes, capacities and allocations in gigabytes (1 GB = 1,000 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.models import MediaAsset, MediaStatus, ResourceKind
from db.repositories import bookings as booking_rows
from db.repositories import plan as rows
from db.repositories import resources as resource_rows
from server.services import validation as v
from server.services.errors import Invalid, NotFound, StorageFull
from server.services.plan import access
from server.services.plan.tasks import plan_changed
from server.services.principal import Principal
from server.services.uow import Tx

MAX_MEGABYTES = 10**9
MB_PER_GB = 1000


@dataclass(frozen=True)
class RegisterMedia:
    project_id: int
    storage_id: int
    name: str
    size_megabytes: int
    booking_id: int | None = None


async def register_media(
    tx: Tx, principal: Principal, cmd: RegisterMedia, now: datetime
) -> tuple[MediaAsset, list[str]]:
    """Record footage or a cut on a volume; warnings when the project is past its allocation there."""
    project = await access.project_to_plan(tx, principal, cmd.project_id)
    name = v.required_text(cmd.name, "name", max_length=200)
    if not 0 < cmd.size_megabytes <= MAX_MEGABYTES:
        raise Invalid(f"sizeMegabytes must be between 1 and {MAX_MEGABYTES}.", field="sizeMegabytes")
    if cmd.booking_id is not None:
        booking = await booking_rows.in_studio(tx.session, principal, cmd.booking_id)
        if booking is None:
            raise NotFound("No such booking.")
        if booking.project_id != project.id:
            raise Invalid("The booking belongs to another project.", field="bookingId")
    # The lock serializes registrations on one volume, so two cannot both take its last free space.
    volume = await resource_rows.get_for_update(tx.session, principal, cmd.storage_id)
    if volume is None:
        raise NotFound("No such resource.")
    if volume.kind != ResourceKind.STORAGE:
        raise Invalid(f"{volume.name} is {volume.kind.value}, not STORAGE.", field="storageId")
    if volume.retired_at is not None:
        raise Invalid(f"{volume.name} is retired.", field="storageId")
    capacity = volume.quantity * MB_PER_GB
    used = await rows.used_megabytes(tx.session, volume.id)
    if used + cmd.size_megabytes > capacity:
        raise StorageFull(
            f"{volume.name} has {capacity - used} MB free of {capacity} MB; {cmd.size_megabytes} MB do not fit.",
            field="sizeMegabytes",
        )
    warnings = []
    held = await rows.allocated_gigabytes(tx.session, volume.id, project.id, now) * MB_PER_GB
    mine = await rows.used_megabytes(tx.session, volume.id, project.id) + cmd.size_megabytes
    if mine > held:
        warnings.append(
            f"{project.name} now has {mine} MB on {volume.name}, past the {held} MB its bookings hold there."
        )
    row = MediaAsset(
        studio_id=principal.studio_id,
        project_id=project.id,
        storage_id=volume.id,
        booking_id=cmd.booking_id,
        name=name,
        size_megabytes=cmd.size_megabytes,
        status=MediaStatus.INGESTED,
        version=1,
        created_at=now,
    )
    await rows.add_media(tx.session, row)
    plan_changed(tx, project.id, [cmd.booking_id])
    return row, warnings
