"""The unit of work: one session per mutation, events written in its transaction, published after COMMIT."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import events as event_rows
from db.session import Database
from server.events.bus import Bus
from server.events.types import BusMessage, DomainEvent

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
    _events: list[tuple[int, DomainEvent]] = field(default_factory=list)

    def emit(self, event: DomainEvent, studio_id: int | None = None) -> None:
        """Record an event for this transaction's studio (or an explicit one, for CLI work)."""
        sid = studio_id if studio_id is not None else self.studio_id
        if sid is None:
            raise ValueError("an event needs a studio")
        self._events.append((sid, event))

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


class UnitOfWork:
    """Opens sessions on the database and publishes committed events on the bus."""

    def __init__(self, database: Database, bus: Bus) -> None:
        self.database = database
        self.bus = bus

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session (never shared between concurrently resolving fields)."""
        async with self.database.reader() as session:
            yield session

    async def run_as(self, caller: Caller, work: Callable[[Tx], Awaitable[T]]) -> T:
        """`run` stamped with the caller: its studio, its name in the audit log and its token."""
        return await self.run(work, studio_id=caller.studio_id, actor=caller.actor, token_id=caller.token_id)

    async def run(
        self,
        work: Callable[[Tx], Awaitable[T]],
        *,
        studio_id: int | None,
        actor: str | None = None,
        token_id: int | None = None,
    ) -> T:
        """Run `work` in one write transaction, retrying serialization failures and deadlocks."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await self._run_once(work, studio_id, actor, token_id)
            except DBAPIError as exc:
                if sqlstate(exc) not in RETRYABLE_SQLSTATES or attempt == MAX_ATTEMPTS:
                    raise
                # Jittered backoff so the colliding transactions do not collide again in lockstep.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
        raise AssertionError("unreachable")

    async def _run_once(
        self, work: Callable[[Tx], Awaitable[T]], studio_id: int | None, actor: str | None, token_id: int | None
    ) -> T:
        async with self.database.writer() as session:
            tx = Tx(session, studio_id, actor, token_id, self.database.dialect)
            async with session.begin():
                result = await work(tx)
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
                    ],
                )
                messages = [BusMessage(r.seq, r.studio_id, r.topic, r.type, r.payload, r.at) for r in rows]
        # Only now is the change durable; a failed publish costs live views a resync, never data.
        if messages:
            try:
                await self.bus.publish(messages)
            except Exception:
                log.exception("publishing %d committed events failed", len(messages))
        return result
