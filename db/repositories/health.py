"""The database's answer to a health check."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping(session: AsyncSession) -> None:
    """Round-trip one trivial statement; raises when the database is unreachable."""
    await session.execute(text("SELECT 1"))
