"""Notifications and reminders: who receives what, the recipient's own list, and the e-mail queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Allocation,
    ApiToken,
    Booking,
    BookingStatus,
    Client,
    CustodyRecord,
    Notification,
    Project,
    Reminder,
    Resource,
    ResourceKind,
    Role,
    User,
)
from db.models.notifications import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT
from db.repositories.scoping import RoleScope, readable

STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR)


# Recipients (system reads: the outbox runs inside the transaction of a change, for its studio).


async def staff(session: AsyncSession, studio_ids: Sequence[int]) -> list[User]:
    """The studio's coordinators and administrators."""
    stmt = select(User).where(User.studio_id.in_(list(studio_ids)), User.role.in_(STAFF_ROLES)).order_by(User.id)
    return list((await session.scalars(stmt)).all())


async def users_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(list(set(ids)))))).all()}


async def token_users(session: AsyncSession, token_ids: Sequence[int]) -> dict[int, User]:
    """The person behind each token (device tokens have none)."""
    if not token_ids:
        return {}
    stmt = (
        select(ApiToken.id, User).join(User, User.id == ApiToken.user_id).where(ApiToken.id.in_(list(set(token_ids))))
    )
    return {tid: user for tid, user in (await session.execute(stmt)).all()}


async def client_users(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, list[User]]:
    """The people of each client (their CLIENT tokens' users)."""
    out: dict[int, list[User]] = {c: [] for c in client_ids}
    if not client_ids:
        return out
    stmt = select(User).where(User.client_id.in_(list(set(client_ids)))).order_by(User.id)
    for user in (await session.scalars(stmt)).all():
        if user.client_id is not None:
            out[user.client_id].append(user)
    return out


async def bookings_with_projects(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[Booking, Project]]:
    if not ids:
        return {}
    stmt = (
        select(Booking, Project).join(Project, Project.id == Booking.project_id).where(Booking.id.in_(list(set(ids))))
    )
    return {b.id: (b, p) for b, p in (await session.execute(stmt)).all()}


async def projects_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Project]:
    if not ids:
        return {}
    return {p.id: p for p in (await session.scalars(select(Project).where(Project.id.in_(list(set(ids)))))).all()}


async def client_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Client.id, Client.name).where(Client.id.in_(list(set(ids))))
    return {cid: name for cid, name in (await session.execute(stmt)).all()}


async def resources_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Resource]:
    if not ids:
        return {}
    return {r.id: r for r in (await session.scalars(select(Resource).where(Resource.id.in_(list(set(ids)))))).all()}


async def crew_on(session: AsyncSession, booking_ids: Sequence[int]) -> dict[int, set[int]]:
    """The crew resources allocated to each booking now."""
    out: dict[int, set[int]] = {b: set() for b in booking_ids}
    if not booking_ids:
        return out
    stmt = (
        select(Allocation.booking_id, Allocation.resource_id)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Allocation.booking_id.in_(list(set(booking_ids))), Resource.kind == ResourceKind.CREW)
    )
    for booking_id, resource_id in (await session.execute(stmt)).all():
        out[booking_id].add(resource_id)
    return out


async def custody_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CustodyRecord]:
    if not ids:
        return {}
    stmt = select(CustodyRecord).where(CustodyRecord.id.in_(list(set(ids))))
    return {c.id: c for c in (await session.scalars(stmt)).all()}


# Writing


async def add(session: AsyncSession, rows: Sequence[Notification]) -> None:
    session.add_all(list(rows))
    await session.flush()


# The recipient's own reads (every read starts from the read scope).


async def page(
    session: AsyncSession, scope: RoleScope | None, *, unread_only: bool, first: int, after_id: int | None
) -> tuple[list[Notification], bool]:
    """The caller's notifications, newest first."""
    stmt = readable(Notification, scope)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if after_id is not None:
        stmt = stmt.where(Notification.id < after_id)
    rows = list((await session.scalars(stmt.order_by(Notification.id.desc()).limit(first + 1))).all())
    return rows[:first], len(rows) > first


async def by_ids(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int]) -> list[Notification]:
    stmt = readable(Notification, scope).where(Notification.id.in_(list(ids))).order_by(Notification.id)
    return list((await session.scalars(stmt)).all())


async def newest_id(session: AsyncSession, scope: RoleScope | None) -> int:
    """The id of the caller's newest notification (0 when there is none)."""
    stmt = readable(Notification, scope).with_only_columns(func.max(Notification.id))
    return int(await session.scalar(stmt) or 0)


async def after(session: AsyncSession, scope: RoleScope | None, after_id: int, limit: int) -> list[Notification]:
    """The caller's notifications newer than an id, oldest first."""
    stmt = readable(Notification, scope).where(Notification.id > after_id).order_by(Notification.id).limit(limit)
    return list((await session.scalars(stmt)).all())


async def mark_read(session: AsyncSession, scope: RoleScope | None, ids: Sequence[int], now: datetime) -> int:
    """Mark the caller's own unread notifications among `ids` read; returns how many changed."""
    if not ids:
        return 0
    own = readable(Notification, scope).where(Notification.id.in_(list(ids)), Notification.read_at.is_(None))
    targets = list((await session.scalars(own.with_only_columns(Notification.id))).all())
    if not targets:
        return 0
    await session.execute(
        update(Notification)
        .where(Notification.id.in_(targets), Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return len(targets)


# The e-mail queue (the sweeper's leader sends it).


@dataclass(frozen=True)
class Mail:
    id: int
    address: str
    subject: str
    body: str
    attempts: int


async def claim_mail(session: AsyncSession, now: datetime, lease_until: datetime, limit: int) -> list[Mail]:
    """Pending e-mail due now, leased until `lease_until` (a sender that dies leaves it to be retried)."""
    due = and_(
        Notification.email_status == EMAIL_PENDING,
        (Notification.email_next_at.is_(None)) | (Notification.email_next_at <= now),
    )
    stmt = select(Notification).where(due).order_by(Notification.id).limit(limit)
    rows = list((await session.scalars(stmt.with_for_update(skip_locked=True))).all())
    for row in rows:
        row.email_attempts += 1
        row.email_next_at = lease_until
    await session.flush()
    return [Mail(r.id, r.email or "", r.title, r.body, r.email_attempts) for r in rows if r.email]


async def mail_sent(session: AsyncSession, notification_id: int, now: datetime) -> None:
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_status == EMAIL_PENDING)
        .values(email_status=EMAIL_SENT, email_sent_at=now, email_next_at=None, email_error=None)
    )


async def mail_failed(session: AsyncSession, notification_id: int, error: str, retry_at: datetime | None) -> None:
    """Try again at `retry_at`, or give up (FAILED) when it is None."""
    values = (
        {"email_next_at": retry_at, "email_error": error[:300]}
        if retry_at is not None
        else {"email_status": EMAIL_FAILED, "email_next_at": None, "email_error": error[:300]}
    )
    await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_status == EMAIL_PENDING)
        .values(**values)
    )


async def next_mail_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending e-mail is due (None when none is pending)."""
    stmt = select(func.min(func.coalesce(Notification.email_next_at, Notification.created_at))).where(
        Notification.email_status == EMAIL_PENDING
    )
    return await session.scalar(stmt)


# Reminders the sweeper raises, once per subject and deadline.


def _unreminded(kind: str, subject: Any, deadline: Any) -> ColumnElement[bool]:
    return ~exists().where(Reminder.kind == kind, Reminder.subject_id == subject, Reminder.deadline == deadline)


async def holds_expiring(session: AsyncSession, now: datetime, until: datetime, limit: int) -> list[Booking]:
    """Live holds lapsing in (now, until] that have not been reminded of this expiry."""
    stmt = (
        select(Booking)
        .where(
            Booking.status == BookingStatus.HOLD,
            Booking.hold_expires_at > now,
            Booking.hold_expires_at <= until,
            _unreminded("HOLD_EXPIRING", Booking.id, Booking.hold_expires_at),
        )
        .order_by(Booking.hold_expires_at, Booking.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def next_hold_expiry(session: AsyncSession, now: datetime) -> datetime | None:
    """The earliest expiry of a live hold not yet reminded of it."""
    stmt = select(func.min(Booking.hold_expires_at)).where(
        Booking.status == BookingStatus.HOLD,
        Booking.hold_expires_at > now,
        _unreminded("HOLD_EXPIRING", Booking.id, Booking.hold_expires_at),
    )
    return await session.scalar(stmt)


async def gear_due(session: AsyncSession, now: datetime, until: datetime, limit: int) -> list[CustodyRecord]:
    """Open check-outs due in (now, until] that have not been reminded of this due time."""
    stmt = (
        select(CustodyRecord)
        .where(
            CustodyRecord.returned_at.is_(None),
            CustodyRecord.due_at > now,
            CustodyRecord.due_at <= until,
            _unreminded("GEAR_DUE", CustodyRecord.id, CustodyRecord.due_at),
        )
        .order_by(CustodyRecord.due_at, CustodyRecord.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def next_gear_due(session: AsyncSession, now: datetime) -> datetime | None:
    """The earliest due time of an open check-out not yet reminded of it."""
    stmt = select(func.min(CustodyRecord.due_at)).where(
        CustodyRecord.returned_at.is_(None),
        CustodyRecord.due_at > now,
        _unreminded("GEAR_DUE", CustodyRecord.id, CustodyRecord.due_at),
    )
    return await session.scalar(stmt)


async def add_reminders(session: AsyncSession, rows: Sequence[Reminder]) -> None:
    session.add_all(list(rows))
    await session.flush()
