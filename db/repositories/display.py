"""One-time display links."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DisplayLink


async def add(session: AsyncSession, link: DisplayLink) -> DisplayLink:
    session.add(link)
    await session.flush()
    return link


async def by_hash_for_update(session: AsyncSession, code_hash: str) -> DisplayLink | None:
    """The link with this code (locked on PostgreSQL, so two redemptions cannot both succeed)."""
    return await session.scalar(select(DisplayLink).where(DisplayLink.code_hash == code_hash).with_for_update())
