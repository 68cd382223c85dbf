"""Building blocks of the cage tests: gear, kits, bookings, principals, and reads of what the cage wrote."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from db.models import (
    Block,
    BookingStatus,
    CustodyRecord,
    Event,
    IdempotencyRecord,
    Occupancy,
    Resource,
    ResourceKind,
    Role,
    ScanRecord,
)
from db.types import utcnow
from server.services import auth, kits, projects, resources
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.principal import Principal
from server.services.resources import ResourceFields
from server.services.uow import Tx
from tests.conftest import StudioFixture

_n = itertools.count(1)
HOUR = timedelta(hours=1)


def key() -> str:
    """A fresh idempotency key."""
    return f"test-{uuid.uuid4().hex}"


async def principal(studio: StudioFixture, role: Role = Role.ADMIN) -> Principal:
    """The principal of the studio's token for a role (scanners are bound to "Cage")."""
    found = await auth.authenticate(studio.runtime.uow, studio.runtime.settings.secret, studio.tokens[role])
    assert found is not None
    return found


async def item(
    studio: StudioFixture, name: str | None = None, *, code: str | None = None, epc: str | None = None, at: str = "Cage"
) -> int:
    """A new equipment item whose home is `at`."""
    admin = await principal(studio)
    label = name or f"Item {next(_n)}"
    fields = ResourceFields(
        name=label,
        category="camera",
        code=code or f"TAG-{uuid.uuid4().hex[:8]}",
        epc=epc,
        location_id=studio.locations[at],
    )

    async def work(tx: Tx) -> int:
        return (await resources.create_resource(tx, admin, ResourceKind.EQUIPMENT, fields)).id

    return await studio.runtime.uow.run(work, studio_id=studio.id)


async def kit(studio: StudioFixture, item_ids: list[int], *, code: str | None = None, name: str | None = None) -> int:
    admin = await principal(studio)

    async def work(tx: Tx) -> int:
        label = name or f"Kit {next(_n)}"
        return (await kits.create_kit(tx, admin, label, code or f"KIT-{uuid.uuid4().hex[:8]}", item_ids)).id

    return await studio.runtime.uow.run(work, studio_id=studio.id)


async def project(studio: StudioFixture) -> int:
    admin = await principal(studio)

    async def work(tx: Tx) -> int:
        return (await projects.create_project(tx, admin, f"Project {uuid.uuid4().hex[:8]}", None, None, None)).id

    return await studio.runtime.uow.run(work, studio_id=studio.id)


async def booking(
    studio: StudioFixture,
    *,
    items: list[int] = (),  # type: ignore[assignment]
    kits_: list[int] = (),  # type: ignore[assignment]
    start: datetime | None = None,
    end: datetime | None = None,
    status: BookingStatus = BookingStatus.CONFIRMED,
    title: str | None = None,
) -> int:
    """A booking (through the allocation engine) holding these items and kits; by default from an hour ago for 3 h."""
    admin = await principal(studio)
    begin = start or utcnow() - HOUR
    cmd = CreateBooking(
        project_id=await project(studio),
        title=title or f"Session {next(_n)}",
        start=begin,
        end=end or begin + 3 * HOUR,
        status=status,
        allocations=tuple(
            [AllocationRequest(resource_id=r) for r in items] + [AllocationRequest(kit_id=k) for k in kits_]
        ),
    )
    outcome = await studio.runtime.allocation.create_booking(admin, cmd)
    return outcome.booking.id


@dataclass(frozen=True)
class Snapshot:
    """What the cage keeps about an item, to compare before and after a refusal."""

    custody: str | None
    condition: str | None
    records: list[tuple[Any, ...]]
    scans: int
    blocks: list[tuple[Any, ...]]


async def snapshot(studio: StudioFixture, resource_id: int) -> Snapshot:
    async with studio.runtime.uow.read() as s:
        row = await s.get(Resource, resource_id)
        assert row is not None
        records = (
            await s.execute(
                select(
                    CustodyRecord.id,
                    CustodyRecord.booking_id,
                    CustodyRecord.due_at,
                    CustodyRecord.returned_at,
                    CustodyRecord.return_condition,
                    CustodyRecord.overdue_at,
                )
                .where(CustodyRecord.resource_id == resource_id)
                .order_by(CustodyRecord.id)
            )
        ).all()
        scans = await s.scalar(select(func.count()).where(ScanRecord.resource_id == resource_id))
        blocks = (
            await s.execute(
                select(Block.id, Block.start_at, Block.end_at, Block.active)
                .where(Block.resource_id == resource_id)
                .order_by(Block.id)
            )
        ).all()
    return Snapshot(
        custody=row.custody.value if row.custody else None,
        condition=row.condition,
        records=[tuple(r) for r in records],
        scans=int(scans or 0),
        blocks=[tuple(b) for b in blocks],
    )


async def custody_records(studio: StudioFixture, resource_id: int) -> list[CustodyRecord]:
    async with studio.runtime.uow.read() as s:
        stmt = select(CustodyRecord).where(CustodyRecord.resource_id == resource_id).order_by(CustodyRecord.id)
        return list((await s.scalars(stmt)).all())


async def scans(studio: StudioFixture, *, resource_id: int | None = None, key: str | None = None) -> list[ScanRecord]:
    async with studio.runtime.uow.read() as s:
        stmt = select(ScanRecord).where(ScanRecord.studio_id == studio.id).order_by(ScanRecord.id)
        if resource_id is not None:
            stmt = stmt.where(ScanRecord.resource_id == resource_id)
        if key is not None:
            stmt = stmt.where(ScanRecord.idempotency_key == key)
        return list((await s.scalars(stmt)).all())


async def resource(studio: StudioFixture, resource_id: int) -> Resource:
    async with studio.runtime.uow.read() as s:
        row = await s.get(Resource, resource_id)
    assert row is not None
    return row


async def blocks(studio: StudioFixture, resource_id: int) -> list[tuple[Block, Occupancy | None]]:
    async with studio.runtime.uow.read() as s:
        stmt = (
            select(Block, Occupancy)
            .outerjoin(Occupancy, Occupancy.block_id == Block.id)
            .where(Block.resource_id == resource_id)
            .order_by(Block.id)
        )
        return [(b, o) for b, o in (await s.execute(stmt)).all()]


async def events(studio: StudioFixture, after_seq: int = 0, type_: str | None = None) -> list[Event]:
    async with studio.runtime.uow.read() as s:
        stmt = select(Event).where(Event.studio_id == studio.id, Event.seq > after_seq).order_by(Event.seq)
        if type_ is not None:
            stmt = stmt.where(Event.type == type_)
        return list((await s.scalars(stmt)).all())


async def last_seq(studio: StudioFixture) -> int:
    async with studio.runtime.uow.read() as s:
        return int(await s.scalar(select(func.max(Event.seq)).where(Event.studio_id == studio.id)) or 0)


async def stored_result(studio: StudioFixture, idem_key: str) -> dict[str, Any] | None:
    async with studio.runtime.uow.read() as s:
        row = await s.get(IdempotencyRecord, (studio.id, idem_key))
        return None if row is None else dict(row.result)
