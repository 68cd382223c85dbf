"""The unit of work: one session per mutation, events written in its transaction, published after COMMIT."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from db.repositories import events as event_rows
from db.session import Database
from server.events.bus import Bus
from server.events.types import BusMessage, DomainEvent
from server.services import audit

log = logging.getLogger(__name__)
T = TypeVar("T")

# PostgreSQL serialization failure and deadlock: the transaction is safe to run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MAX_ATTEMPTS = 5


@dataclass
class Tx:
    """An open write transaction and the events it will publish."""

    session: AsyncSession
    studio_id: int | None
    actor: str | None
    token_id: int | None
    dialect: str
    role: str | None = None
    name: str | None = None
    _events: list[tuple[int, DomainEvent]] = field(default_factory=list)
    _audit: list[tuple[int, audit.Entry]] = field(default_factory=list)

    def emit(self, event: DomainEvent, studio_id: int | None = None) -> None:
        """Record an event for this transaction's studio (or an explicit one, for CLI work)."""
        sid = studio_id if studio_id is not None else self.studio_id
        if sid is None:
            raise ValueError("an event needs a studio")
        self._events.append((sid, event))

    def audit(
        self,
        action: str,
        entity: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        studio_id: int | None = None,
    ) -> None:
        """Record a system transition (a hold expired, gear overdue) in the audit log."""
        sid = studio_id if studio_id is not None else self.studio_id
        if sid is None:
            raise ValueError("an audit entry needs a studio")
        self._audit.append((sid, audit.Entry(action, entity, before, after, system=True)))

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error, if the driver reports one (asyncpg does)."""
    orig = getattr(exc, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


class Caller(Protocol):
    """Who a transaction runs for (the services' Principal)."""

    @property
    def studio_id(self) -> int: ...

    @property
    def actor(self) -> str: ...

    @property
    def token_id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Any: ...


class Outbox(Protocol):
    """Turns a transaction's committed-to-be events into delivery rows, in the same transaction."""

    async def enqueue(self, session: AsyncSession, rows: list[Event]) -> int: ...

    def wake(self) -> None: ...


class Wakers:
    """An outbox's wake-ups: events set after each COMMIT that wrote rows for it, for the loops of
    this process that send them (another process's commits reach them by polling)."""

    def __init__(self) -> None:
        self._wakers: list[asyncio.Event] = []

    def subscribe(self) -> asyncio.Event:
        waker = asyncio.Event()
        self._wakers.append(waker)
        return waker

    def unsubscribe(self, waker: asyncio.Event) -> None:
        if waker in self._wakers:
            self._wakers.remove(waker)

    def wake(self) -> None:
        for waker in self._wakers:
            waker.set()


class UnitOfWork:
    """Opens sessions on the database and publishes committed events on the bus. Each outbox, in
    order, sees the transaction's event rows; events an outbox adds (`events.append_follow_ups`) are
    published with the rest."""

    def __init__(self, database: Database, bus: Bus, outbox: Outbox | None = None, *more: Outbox) -> None:
        self.database = database
        self.bus = bus
        self.outbox = outbox
        self.outboxes: tuple[Outbox, ...] = tuple(o for o in (outbox, *more) if o is not None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session (never shared between concurrently resolving fields)."""
        async with self.database.reader() as session:
            yield session

    async def run_as(self, caller: Caller, work: Callable[[Tx], Awaitable[T]]) -> T:
        """`run` stamped with the caller: its studio, its name in the audit log and its token."""
        return await self.run(
            work,
            studio_id=caller.studio_id,
            actor=caller.actor,
            token_id=caller.token_id,
            name=caller.name,
            role=str(getattr(caller.role, "value", caller.role)),
        )

    async def run(
        self,
        work: Callable[[Tx], Awaitable[T]],
        *,
        studio_id: int | None,
        actor: str | None = None,
        token_id: int | None = None,
        name: str | None = None,
        role: str | None = None,
    ) -> T:
        """Run `work` in one write transaction, retrying serialization failures and deadlocks."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._run_once(work, studio_id, actor, token_id, name, role)
            except DBAPIError as exc:
                if sqlstate(exc) not in RETRYABLE_SQLSTATES or attempt == MAX_ATTEMPTS:
                    raise
                # Jittered backoff so the colliding transactions do not collide again in lockstep.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
        raise AssertionError("unreachable")

    async def _run_once(
        self,
        work: Callable[[Tx], Awaitable[T]],
        studio_id: int | None,
        actor: str | None,
        token_id: int | None,
        name: str | None,
        role: str | None,
    ) -> T:
        action = audit.current_action()
        woken: list[Outbox] = []
        async with self.database.writer() as session:
            tx = Tx(session, studio_id, actor, token_id, self.database.dialect, role, name or actor)
            async with session.begin():
                recorder = audit.ChangeRecorder(session.sync_session) if action else None
                try:
                    result = await work(tx)
                    if recorder is not None:
                        await session.flush()
                finally:
                    if recorder is not None:
                        recorder.close()
                entries = list(tx._audit)
                if recorder is not None and tx.studio_id is not None:
                    entry = audit.mutation_entry(action or "", recorder)
                    if entry is not None:
                        entries.insert(0, (tx.studio_id, entry))
                rows = await event_rows.append(
                    session,
                    [
                        {
                            "studio_id": sid,
                            "topic": ev.topic,
                            "type": ev.type,
                            "payload": ev.payload,
                            "actor": actor,
                            "token_id": token_id,
                        }
                        for sid, ev in tx._events
                    ]
                    + [self._audit_row(tx, sid, entry) for sid, entry in entries],
                )
                if rows:
                    woken = [o for o in self.outboxes if await o.enqueue(session, rows)]
                    rows = rows + event_rows.take_follow_ups(session)
                messages = [
                    BusMessage(r.seq, r.studio_id, r.topic, r.type, r.payload, r.at)
                    for r in rows
                    if r.topic != audit.AUDIT_TOPIC
                ]
        for outbox in woken:
            outbox.wake()
        # Only now is the change durable; a failed publish costs live views a resync, never data.
        if messages:
            try:
                await self.bus.publish(messages)
            except Exception:
                log.exception("publishing %d committed events failed", len(messages))
        return result

    @staticmethod
    def _audit_row(tx: Tx, studio_id: int, entry: audit.Entry) -> dict[str, Any]:
        system = entry.system
        return {
            "studio_id": studio_id,
            "topic": audit.AUDIT_TOPIC,
            "type": entry.action,
            "payload": {
                "actor": audit.SYSTEM_ACTOR if system else (tx.name or tx.actor or audit.SYSTEM_ACTOR),
                "role": None if system else tx.role,
                "before": entry.before,
                "after": entry.after,
            },
            "actor": audit.SYSTEM_ACTOR if system else tx.actor,
            "token_id": None if system else tx.token_id,
            "entity": entry.entity,
        }
