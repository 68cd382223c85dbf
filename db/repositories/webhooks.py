"""Webhooks and their delivery outbox: subscriptions, the queue per webhook, the delivery log."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnClause,
    ColumnElement,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Studio, Webhook, WebhookDelivery
from db.models.webhooks import DELIVERED, PENDING
from db.repositories.scoping import RoleScope, Scope, readable, scoped
from db.types import UTCDateTime, utcnow


async def lock_studio_webhooks(session: AsyncSession, studio_id: int) -> None:
    """Serialise the studio's webhook creations until the transaction ends, so a count read after it
    stays true until the insert (PostgreSQL: the studio row, locked without blocking the inserts
    that merely reference it; SQLite: writers are serialised by `BEGIN IMMEDIATE` already)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(Studio.id).where(Studio.id == studio_id).with_for_update(key_share=True))


async def count(session: AsyncSession, scope: Scope) -> int:
    return int(await session.scalar(scoped(Webhook, scope).with_only_columns(func.count(Webhook.id))) or 0)


async def listed(session: AsyncSession, scope: RoleScope) -> list[Webhook]:
    return list((await session.scalars(readable(Webhook, scope).order_by(Webhook.id))).all())


async def get(session: AsyncSession, scope: Scope, webhook_id: int) -> Webhook | None:
    return await session.scalar(scoped(Webhook, scope).where(Webhook.id == webhook_id))


async def readable_webhook(session: AsyncSession, scope: RoleScope, webhook_id: int) -> Webhook | None:
    return await session.scalar(readable(Webhook, scope).where(Webhook.id == webhook_id))


async def active_for(session: AsyncSession, studio_ids: Sequence[int]) -> list[Webhook]:
    """The active webhooks of these studios (the outbox's one read per transaction that has news)."""
    stmt = select(Webhook).where(Webhook.studio_id.in_(list(studio_ids)), Webhook.active.is_(True))
    return list((await session.scalars(stmt.order_by(Webhook.id))).all())


@dataclass(frozen=True)
class News:
    """One webhook event of a transaction, to become a delivery for each matching webhook."""

    studio_id: int
    type: str
    seq: int
    at: datetime
    data: dict[str, Any]
    retry_until: datetime


def _subscribed(dialect: str, event_type: ColumnElement[str], everything: ColumnElement[str]) -> ColumnElement[bool]:
    """The webhook's event list names this type or `everything`."""
    if dialect == "postgresql":
        return cast(Webhook.events, JSONB).has_any(postgresql.array([everything, event_type]))
    value: ColumnClause[str] = column("value")
    listed = func.json_each(Webhook.events).table_valued("value")
    return exists(select(literal(1)).select_from(listed).where(value.in_([everything, event_type])))


@functools.lru_cache(maxsize=32)
def _deliveries_statement(dialect: str, count: int) -> Any:
    """The INSERT … SELECT writing the deliveries of `count` news, built once per dialect and count
    with every value a bound parameter (building it costs more CPU than running it)."""
    everything = bindparam("everything", type_=String)
    now = bindparam("now", type_=UTCDateTime)
    selects = [
        select(
            Webhook.studio_id,
            Webhook.id,
            bindparam(f"seq_{i}", type_=BigInteger),
            bindparam(f"type_{i}", type_=String),
            bindparam(f"at_{i}", type_=UTCDateTime),
            bindparam(f"data_{i}", type_=JSON),
            literal(PENDING, String),
            literal(0, Integer),
            bindparam(f"until_{i}", type_=UTCDateTime),
            now,
        ).where(
            Webhook.studio_id == bindparam(f"studio_{i}", type_=Integer),
            Webhook.active.is_(True),
            _subscribed(dialect, bindparam(f"type_{i}", type_=String), everything),
        )
        for i in range(count)
    ]
    source = selects[0] if count == 1 else union_all(*selects)
    table = WebhookDelivery.__table__
    assert isinstance(table, Table)
    target = table.c
    columns = [
        target.studio_id,
        target.webhook_id,
        target.event_seq,
        target.event_type,
        target.occurred_at,
        target.data,
        target.status,
        target.attempts,
        target.retry_until,
        target.created_at,
    ]
    return insert(table).from_select(columns, source)


async def write_deliveries(session: AsyncSession, news: Sequence[News], everything: str) -> int:
    """A delivery per (news, active webhook of its studio subscribed to its type), written by one
    INSERT … SELECT; how many."""
    if not news:
        return 0
    values: dict[str, Any] = {"everything": everything, "now": utcnow()}
    for i, n in enumerate(news):
        values |= {
            f"seq_{i}": n.seq,
            f"type_{i}": n.type,
            f"at_{i}": n.at,
            f"data_{i}": n.data,
            f"until_{i}": n.retry_until,
            f"studio_{i}": n.studio_id,
        }
    statement = _deliveries_statement(session.get_bind().dialect.name, len(news))
    result = await session.execute(statement, values)
    return int(getattr(result, "rowcount", 0) or 0)


async def deliveries(session: AsyncSession, scope: RoleScope, webhook_id: int, first: int) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest event first."""
    stmt = (
        readable(WebhookDelivery, scope)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.event_seq.desc(), WebhookDelivery.id.desc())
        .limit(first)
    )
    return list((await session.scalars(stmt)).all())


async def get_delivery(session: AsyncSession, scope: Scope, delivery_id: int) -> WebhookDelivery | None:
    return await session.scalar(scoped(WebhookDelivery, scope).where(WebhookDelivery.id == delivery_id))


@dataclass(frozen=True, slots=True)
class Destination:
    """A webhook as its deliveries need it."""

    id: int
    studio_id: int
    url: str
    salt: str


@dataclass(frozen=True, slots=True)
class Queued:
    """A pending delivery as it is sent."""

    id: int
    event_seq: int
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]
    next_attempt_at: datetime | None


async def queues(
    session: AsyncSession, limit: int, skip: Collection[int] = ()
) -> list[tuple[Destination, list[Queued]]]:
    """The next `limit` pending deliveries of every active webhook (but those in `skip`), in seq
    order: one statement for all queues, over the index of pending deliveries only, read as plain
    rows (the dispatcher changes none of them through the ORM)."""
    place = (
        func.row_number()
        .over(partition_by=WebhookDelivery.webhook_id, order_by=(WebhookDelivery.event_seq, WebhookDelivery.id))
        .label("place")
    )
    ranked = select(WebhookDelivery.id, place).where(WebhookDelivery.status == PENDING)
    if skip:
        ranked = ranked.where(WebhookDelivery.webhook_id.not_in(list(skip)))
    first = ranked.subquery()
    d = WebhookDelivery
    stmt = (
        select(Webhook.id, Webhook.studio_id, Webhook.url, Webhook.salt)
        .add_columns(d.id, d.event_seq, d.event_type, d.occurred_at, d.data, d.next_attempt_at)
        .join(d, d.webhook_id == Webhook.id)
        .join(first, first.c.id == d.id)
        .where(first.c.place <= limit, Webhook.active.is_(True))
        .order_by(Webhook.id, d.event_seq, d.id)
    )
    found: dict[int, tuple[Destination, list[Queued]]] = {}
    for row in (await session.execute(stmt)).all():
        queue = found.setdefault(row[0], (Destination(*row[:4]), []))[1]
        queue.append(Queued(*row[4:]))
    return list(found.values())


async def writers_in_flight(session: AsyncSession) -> list[int]:
    """PostgreSQL: the transaction ids of this database's open writing transactions (else none)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    found = await session.execute(
        text(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
        )
    )
    return [int(x) for (x,) in found.all()]


async def still_running(session: AsyncSession, xids: Sequence[int]) -> bool:
    """Whether any of these transactions is still open."""
    found = await session.scalar(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid::text::bigint = ANY(:xids)"
        ),
        {"xids": list(xids)},
    )
    return bool(found)


async def lock_delivery(session: AsyncSession, delivery_id: int) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


def _settle_statement() -> Any:
    """The UPDATE that settles delivered attempts, built once over the table (not the mapped class:
    an ORM-enabled UPDATE costs about three times the CPU of the same Core one per execution)."""
    table = WebhookDelivery.__table__
    assert isinstance(table, Table)
    c = table.c
    return (
        update(table)
        .where(c.id.in_(bindparam("ids", expanding=True)), c.status == PENDING)
        .values(
            status=DELIVERED,
            attempts=c.attempts + 1,
            last_status_code=bindparam("status_code"),
            last_response=bindparam("response"),
            last_error=None,
            delivered_at=bindparam("now"),
            next_attempt_at=None,
        )
        .returning(c.id)
    )


_SETTLE = _settle_statement()


async def mark_delivered(
    session: AsyncSession | AsyncConnection,
    delivery_ids: Sequence[int],
    status_code: int,
    response: str | None,
    now: datetime,
) -> list[int]:
    """Settle these deliveries as DELIVERED with one answer; the ids of those still PENDING until now
    (a deleted or meanwhile settled one is left alone)."""
    values = {"ids": list(delivery_ids), "status_code": status_code, "response": response, "now": now}
    return [int(i) for i in (await session.execute(_SETTLE, values)).scalars().all()]


async def deactivate(session: AsyncSession, webhook_id: int) -> None:
    await session.execute(
        update(Webhook).where(Webhook.id == webhook_id).values(active=False, version=Webhook.version + 1)
    )


async def backlog(session: AsyncSession, studio_id: int | None = None) -> int:
    """Pending deliveries (of one studio, or all)."""
    stmt = select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == PENDING)
    if studio_id is not None:
        stmt = stmt.where(WebhookDelivery.studio_id == studio_id)
    return int(await session.scalar(stmt) or 0)


def due(delivery: WebhookDelivery | Queued, now: datetime) -> bool:
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= now


async def drop_deliveries(session: AsyncSession, webhook_id: int) -> None:
    """A deleted webhook's delivery log goes with it."""
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
