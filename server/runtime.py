"""Everything a running server holds: settings, database, bus and the unit of work.

Created in the app's lifespan (or by the CLI), never at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from db.session import Database, open_database
from server.config import Settings, SettingsError
from server.events.bus import Bus, MemoryBus
from server.services.uow import UnitOfWork

log = logging.getLogger(__name__)


def make_bus(settings: Settings) -> Bus:
    """The in-process bus, or Redis pub/sub when CALLSHEET_REDIS_URL is set."""
    if settings.redis_url is None:
        return MemoryBus()
    try:
        from server.events.redis_bus import RedisBus
    except ImportError:
        raise SettingsError("CALLSHEET_REDIS_URL is set but this build has no Redis bus") from None
    return RedisBus(settings.redis_url)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    bus: Bus
    uow: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self.uow = UnitOfWork(self.database, self.bus)

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        """Connect to the database and start the bus."""
        database = open_database(settings.database_url)
        bus = make_bus(settings)
        await bus.start()
        return cls(settings=settings, database=database, bus=bus)

    async def close(self) -> None:
        await self.bus.close()
        await self.database.dispose()
