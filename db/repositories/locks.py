"""PostgreSQL session-level advisory locks, held on a dedicated connection (leader election)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_advisory_lock(conn: AsyncConnection, key: int) -> bool:
    """Take the lock for this connection's session if nobody holds it; never waits."""
    return bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


async def advisory_unlock(conn: AsyncConnection, key: int) -> None:
    await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


async def alive(conn: AsyncConnection) -> bool:
    """Whether the connection (and so a lock it holds) is still there."""
    return (await conn.scalar(text("SELECT 1"))) == 1
