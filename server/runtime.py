"""The composition root: everything a running server holds, built once with its collaborators.

Settings, database, bus and unit of work, then the services that need collaborators (the allocation
engine is given the money slice's budget guard) and the sweeper's jobs. Created in the app's
lifespan or by the CLI, never at import time, so no process can run without a rule that another
module happened to install.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import event

from db.session import Database, open_database
from server.background.sweeper import SweepJob
from server.config import Settings, SettingsError
from server.events.bus import Bus, MemoryBus
from server.services.allocation import holds
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.service import AllocationService
from server.services.cage import overdue
from server.services.money.guard import BudgetGuard
from server.services.slots.service import SlotService
from server.services.token_cache import TokenCache
from server.services.uow import UnitOfWork
from server.services.webhooks.manage import WebhookPolicy, WebhookService
from server.services.webhooks.outbox import WebhookOutbox
from server.telemetry import metrics

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


def sweep_jobs() -> list[SweepJob]:
    """The transitions time alone causes, in the order the sweeper runs them."""
    return [
        SweepJob("expire_holds", holds.expire_holds, holds.SWEEP_BATCH),
        SweepJob("mark_overdue", overdue.mark_overdue, overdue.BATCH),
    ]


def watch_pools(database: Database) -> None:
    """Count the connections checked out of the database's pools (`callsheet_db_pool_checked_out`)."""
    engines = {id(e): e for e in (database.write_engine, database.read_engine)}
    for engine in engines.values():
        pool = engine.sync_engine.pool
        event.listen(pool, "checkout", lambda *_: metrics.DB_CHECKED_OUT.inc())
        event.listen(pool, "checkin", lambda *_: metrics.DB_CHECKED_OUT.dec())


@dataclass
class Runtime:
    settings: Settings
    database: Database
    bus: Bus
    uow: UnitOfWork = field(init=False)
    webhook_outbox: WebhookOutbox = field(init=False)
    webhooks: WebhookService = field(init=False)
    budget: BudgetPolicy = field(init=False)
    allocation: AllocationService = field(init=False)
    slots: SlotService = field(init=False)
    jobs: list[SweepJob] = field(init=False)
    tokens: TokenCache = field(init=False)

    def __post_init__(self) -> None:
        # Every transaction's webhook events become delivery rows in it (the outbox).
        self.webhook_outbox = WebhookOutbox()
        self.uow = UnitOfWork(self.database, self.bus, self.webhook_outbox)
        policy = WebhookPolicy(self.settings.secret, allow_private=self.settings.webhook_allow_private)
        self.webhooks = WebhookService(self.uow, policy, self.webhook_outbox)
        self.budget = BudgetGuard()
        self.allocation = AllocationService(self.uow, budget=self.budget)
        self.slots = SlotService(self.uow, self.allocation, budget=self.budget, secret=self.settings.secret)
        self.jobs = sweep_jobs()
        self.tokens = TokenCache(self.bus)

    @classmethod
    async def open(cls, settings: Settings) -> Runtime:
        """Connect to the database and start the bus."""
        database = open_database(settings.database_url)
        if settings.metrics:
            watch_pools(database)
        bus = make_bus(settings)
        await bus.start()
        return cls(settings=settings, database=database, bus=bus)

    async def close(self) -> None:
        await self.tokens.close()
        await self.bus.close()
        await self.database.dispose()
