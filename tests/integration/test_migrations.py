"""The migrations run up and down on this backend, and they agree with the models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from db.migrate import downgrade, upgrade
from db.models import Base
from server.config import Settings


@pytest.fixture
async def scratch_url(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An empty database of the backend under test, dropped afterwards."""
    if settings.is_sqlite:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('migrations') / 'scratch.db'}"
        return
    name = f"callsheet_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(
        make_url(settings.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


POSTGRES_ONLY = {"period", "ix_bookings_period"}
T = TypeVar("T")


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


def _diff(conn: Connection) -> list[object]:
    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        # The PostgreSQL-only range columns and their index are declared in the migration, not the models.
        return name not in POSTGRES_ONLY

    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
    return list(compare_metadata(ctx, Base.metadata))


async def _inspect(url: str, fn: Callable[[Connection], T]) -> T:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


async def test_upgrade_then_downgrade_then_upgrade(scratch_url: str) -> None:
    await asyncio.to_thread(upgrade, scratch_url)
    assert await _inspect(scratch_url, _tables) == set(Base.metadata.tables)

    await asyncio.to_thread(downgrade, scratch_url, "base")
    assert await _inspect(scratch_url, _tables) == set()

    await asyncio.to_thread(upgrade, scratch_url)
    assert await _inspect(scratch_url, _tables) == set(Base.metadata.tables)


async def test_models_and_migrations_agree(scratch_url: str) -> None:
    await asyncio.to_thread(upgrade, scratch_url)
    assert await _inspect(scratch_url, _diff) == []


@pytest.mark.postgres
async def test_postgres_has_the_exclusion_constraint_range_first(scratch_url: str) -> None:
    await asyncio.to_thread(upgrade, scratch_url)

    def definition(conn: Connection) -> str | None:
        return conn.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ex_occupancies_no_overlap'")
        ).scalar()

    assert await _inspect(scratch_url, definition) == (
        "EXCLUDE USING gist (period WITH &&, resource_id WITH =) WHERE (active)"
    )
