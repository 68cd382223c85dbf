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
from server.config import Settings, SettingsError, parse_smtp_url
from server.events.bus import Bus, MemoryBus
from server.services.allocation import challenges, holds, queue
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.service import AllocationService
from server.services.cage import overdue
from server.services.money.guard import BudgetGuard
from server.services.notifications import reminders
from server.services.notifications.mail import MailSender, Smtp
from server.services.notifications.outbox import NotificationOutbox
from server.services.plan.service import PlanService
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


def sweep_jobs(allocation: AllocationService | None = None) -> list[SweepJob]:
    """The transitions time alone causes, in the order the sweeper runs them (with the allocation
    service, expiries and lost challenges promote the queued holds behind them)."""
    runs = allocation.sweep_runs() if allocation is not None else {}
    jobs = [
        SweepJob(
            "expire_holds",
            runs.get("expire_holds", holds.expire_holds),
            holds.SWEEP_BATCH,
            next_due=queue.next_hold_expiry,
        ),
        SweepJob("mark_overdue", overdue.mark_overdue, overdue.BATCH),
        SweepJob("hold_expiring", reminders.hold_expiring, reminders.BATCH, reminders.next_hold_expiring),
        SweepJob("gear_due", reminders.gear_due, reminders.BATCH, reminders.next_gear_due),
    ]
    if "resolve_challenges" in runs:
        jobs.insert(
            1,
            SweepJob(
                "resolve_challenges",
                runs["resolve_challenges"],
                challenges.BATCH,
                next_due=challenges.next_deadline,
            ),
        )
    return jobs


def make_mailer(settings: Settings, uow: UnitOfWork) -> MailSender | None:
    """The notification e-mail sender when CALLSHEET_SMTP_URL is set (else notifications are in-app only)."""
    if settings.smtp_url is None:
        return None
    server = parse_smtp_url(settings.smtp_url)
    return MailSender(
        uow,
        Smtp(server.host, server.port, server.username, server.password),
        settings.smtp_from,
        retry_seconds=settings.webhook_retry_seconds,
    )


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
    notification_outbox: NotificationOutbox = field(init=False)
    mailer: MailSender | None = field(init=False)
    webhooks: WebhookService = field(init=False)
    budget: BudgetPolicy = field(init=False)
    allocation: AllocationService = field(init=False)
    slots: SlotService = field(init=False)
    plan: PlanService = field(init=False)
    jobs: list[SweepJob] = field(init=False)
    tokens: TokenCache = field(init=False)

    def __post_init__(self) -> None:
        # Every transaction's webhook events become delivery rows in it (the outbox).
        self.webhook_outbox = WebhookOutbox()
        # ... and the events people must act on become their notifications, in the same transaction.
        self.notification_outbox = NotificationOutbox(email=self.settings.smtp_url is not None)
        self.uow = UnitOfWork(self.database, self.bus, self.webhook_outbox, self.notification_outbox)
        self.mailer = make_mailer(self.settings, self.uow)
        policy = WebhookPolicy(self.settings.secret, allow_private=self.settings.webhook_allow_private)
        self.webhooks = WebhookService(self.uow, policy, self.webhook_outbox)
        self.budget = BudgetGuard()
        self.allocation = AllocationService(self.uow, budget=self.budget)
        self.slots = SlotService(self.uow, self.allocation, budget=self.budget, secret=self.settings.secret)
        self.plan = PlanService(self.uow, secret=self.settings.secret)
        self.jobs = sweep_jobs(self.allocation)
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
