"""A person's own notifications: the list, marking them read, and what is new since an id."""

from __future__ import annotations

from db.models import Notification
from db.repositories import notifications as rows
from db.types import utcnow
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

MARK_LIMIT = 500


async def page(
    uow: UnitOfWork, principal: Principal, *, unread_only: bool, first: int, after_id: int | None
) -> tuple[list[Notification], bool]:
    """One page of the caller's notifications, newest first (devices have none)."""
    async with uow.read() as session:
        return await rows.page(session, principal, unread_only=unread_only, first=first, after_id=after_id)


async def mark_read(uow: UnitOfWork, principal: Principal, ids: list[int]) -> int:
    """Mark the caller's own notifications read; anyone else's ids are ignored. Returns how many changed."""
    wanted = sorted(set(ids))[:MARK_LIMIT]

    async def work(tx: Tx) -> int:
        return await rows.mark_read(tx.session, principal, wanted, utcnow())

    return await uow.run_as(principal, work)


async def newest_id(uow: UnitOfWork, principal: Principal) -> int:
    async with uow.read() as session:
        return await rows.newest_id(session, principal)


async def since(uow: UnitOfWork, principal: Principal, after_id: int, limit: int = 200) -> list[Notification]:
    """The caller's notifications newer than `after_id`, oldest first."""
    async with uow.read() as session:
        return await rows.after(session, principal, after_id, limit)
