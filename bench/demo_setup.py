"""The demo studio on a fresh SQLite database in a temporary directory, for the benchmarks that need
a studio, its catalogue and an ADMIN token, and nothing of their own."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.migrate import upgrade
from server import demo
from server.config import Settings
from server.runtime import Runtime
from server.services import auth


@dataclass(frozen=True)
class DemoStudio:
    settings: Settings
    runtime: Runtime
    studio_id: int
    token: str


@asynccontextmanager
async def demo_studio(**settings: Any) -> AsyncIterator[DemoStudio]:
    """The demo loaded into a new database, its runtime open (closed on exit); `settings` override."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        config = Settings(database_url=url, secret="bench-" + "x" * 32, **settings)
        await asyncio.to_thread(upgrade, url)
        runtime = await Runtime.open(config)
        try:
            studio_id = await demo.load(runtime.uow, runtime.budget)
            minted = await runtime.uow.run(
                lambda tx: auth.create_token(
                    tx, config.secret, studio_id=studio_id, role=demo.Role.ADMIN, name="bench"
                ),
                studio_id=studio_id,
            )
            yield DemoStudio(config, runtime, studio_id, minted.token)
        finally:
            await runtime.close()
