"""Engines and sessions for both backends.

SQLite: WAL, a busy timeout, foreign keys on, and writes in `BEGIN IMMEDIATE` so concurrent writers
queue on the database lock instead of failing with SQLITE_BUSY halfway through a transaction. Reads
use a second engine with ordinary deferred transactions so they never wait for writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# PostgreSQL pool connections older than this are replaced at checkout (instead of pinging each one).
POOL_RECYCLE_SECONDS = 1800


@dataclass
class Database:
    """The write and read session factories of one database."""

    url: str
    write_engine: AsyncEngine
    read_engine: AsyncEngine
    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


def _sqlite_engine(url: str, begin: str) -> AsyncEngine:
    # Pooled: every aiosqlite connection is a thread of its own, far too dear to open per session.
    engine = create_async_engine(url, pool_size=5, max_overflow=10, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so the BEGIN below is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def open_database(url: str, *, pool_size: int = 10) -> Database:
    """Create the engines for a database URL (async drivers only, see `normalise_database_url`)."""
    if url.startswith("sqlite"):
        write = _sqlite_engine(url, "BEGIN IMMEDIATE")
        read = _sqlite_engine(url, "BEGIN")
    else:
        # No pre-ping: it costs a round trip on every checkout. Connections are recycled before
        # server-side idle timeouts usually bite, and a connection that died anyway fails its
        # statement, which invalidates it; the next checkout gets a fresh one.
        write = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size * 2, pool_recycle=POOL_RECYCLE_SECONDS
        )
        read = write
    return Database(
        url=url,
        write_engine=write,
        read_engine=read,
        writer=async_sessionmaker(write, expire_on_commit=False),
        reader=async_sessionmaker(read, expire_on_commit=False),
    )
