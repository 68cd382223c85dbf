"""Sending one webhook's deliveries, oldest seq first: the body, its signature, the answer and the retry.

A delivery is DELIVERED on a 2xx answer. A 410 means the receiver is gone: the delivery FAILS and the
webhook is disabled. Anything else (another status, a redirect, a timeout, a refused address, a
dropped connection) schedules a retry after `retry_seconds * 2^(attempts-1)` with up to 25 % jitter
(capped at six hours), until the delivery's 24-hour window closes: then it FAILS and the webhook's
next delivery goes. A receiver's answer is read and kept up to 1 KiB, never more.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from itertools import takewhile

from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import WebhookDelivery
from db.models.webhooks import DELIVERED, FAILED, PENDING, RESPONSE_LIMIT
from db.repositories import webhooks as rows
from db.repositories.webhooks import Destination, Queued
from db.types import utcnow
from server.services.errors import Invalid
from server.services.ids import to_global_id
from server.services.own_task import OwnTask
from server.services.uow import Tx
from server.services.webhooks import signing, transport, urls
from server.services.webhooks.manage import WebhookService
from server.services.webhooks.transport import Connections

MAX_DELAY = 6 * 3600.0
# How long a checked URL's address is used before the name is resolved and checked again. The
# connection always goes to the address that was checked, so a name that turns private meanwhile
# is never reached: at most, its last public address keeps receiving for these seconds.
CHECK_SECONDS = 5.0
# How long a dispatch pass waits for open writers that may hold a lower seq before trying later.
SETTLE_SECONDS = 5.0
USER_AGENT = "Callsheet-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response: str | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def body_of(delivery: Queued | WebhookDelivery) -> bytes:
    """`{id, type, seq, occurredAt, data}`: `id` is the delivery's (stable across retries)."""
    document = {
        "id": to_global_id("WebhookDelivery", delivery.id),
        "type": delivery.event_type,
        "seq": delivery.event_seq,
        "occurredAt": delivery.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": delivery.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def backoff(retry_seconds: float, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones (the first: `retry_seconds`)."""
    base = min(retry_seconds * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return base * (1 + (rng or random).uniform(0, 0.25))


class Sender:
    """Sends the deliveries of one deployment (the dispatcher's leader calls it)."""

    def __init__(
        self, service: WebhookService, connections: Connections, *, retry_seconds: float, timeout: float
    ) -> None:
        self.service = service
        self.connections = connections
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self._settle_conn: AsyncConnection | None = None
        self._checked: dict[str, tuple[float, urls.Target]] = {}

    async def ready(self, skip: Collection[int], batch: int) -> list[tuple[Destination, list[Queued]]]:
        """Every active webhook's next deliveries (up to `batch`; not the webhooks in `skip`) that may
        go now: due, and with no gap left below them.

        On PostgreSQL a seq is taken inside its transaction, and transactions need not commit in seq
        order: while one holding seq 10 is still open, another's seq 11 can already be visible. Any
        transaction holding a seq below the highest one read was, at the time of that read, either
        committed or open; so the writers open just after the read are waited for, the queues are read
        again, and only what lies at or below that highest seq goes (one wait for all the webhooks of
        a pass). SQLite commits one writer at a time, in seq order."""
        # Shielded, as every write below: a dispatcher stopped mid-statement must not leave a
        # transaction half-rolled-back on a pooled connection (on SQLite it would hold the write lock).
        return await asyncio.shield(self._ready(skip, batch))

    async def _ready(self, skip: Collection[int], batch: int) -> list[tuple[Destination, list[Queued]]]:
        database = self.service.uow.database
        async with database.writer() as session:
            found = await rows.queues(session, batch, skip)
            open_writers = await rows.writers_in_flight(session) if found else []
        if found and database.is_postgres and open_writers:
            highest = max(d.event_seq for _, queue in found for d in queue)
            deadline = time.monotonic() + SETTLE_SECONDS
            async with database.writer() as session:
                while await rows.still_running(session, open_writers):
                    await session.rollback()  # a fresh view of pg_stat_activity each time
                    if time.monotonic() > deadline:
                        return []
                    await asyncio.sleep(0.005)
                found = await rows.queues(session, batch, skip)
            found = [(webhook, [d for d in queue if d.event_seq <= highest]) for webhook, queue in found]
        now = utcnow()
        ready = [(webhook, list(takewhile(lambda d: rows.due(d, now), queue))) for webhook, queue in found]
        return [(webhook, queue) for webhook, queue in ready if queue]

    async def send(self, webhook: Destination, queue: list[Queued], settle: Settle | None = None) -> bool:
        """Send one webhook's deliveries in seq order while they are delivered; True when all of them
        were (more may follow). Each outcome is settled (by `settle`, else on its own) before the next
        delivery goes: a process that dies sends again only the delivery in flight."""
        settle = settle or self.record
        for delivery in queue:
            outcome = await self.attempt(webhook, delivery)
            if not await settle(webhook, delivery.id, outcome) or not outcome.delivered:
                return False
        return True

    async def attempt(self, webhook: Destination, delivery: Queued | WebhookDelivery) -> Outcome:
        body = body_of(delivery)
        try:
            target = await self.target(webhook.url)
        except Invalid as exc:
            return Outcome(None, None, f"refused: {exc.message}")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.HEADER: signing.signature(self.service.secret_of(webhook), int(time.time()), body),
        }
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.connections.post(webhook.id, target, headers, body, RESPONSE_LIMIT)
        except TimeoutError:
            return Outcome(None, None, f"no answer within {self.timeout:g} s")
        except transport.FAILURES as exc:
            return Outcome(None, None, f"{type(exc).__name__}: {exc}"[:300])
        text = answer.body.decode("utf-8", errors="replace")[:RESPONSE_LIMIT]
        return Outcome(answer.status_code, text, None)

    async def target(self, url: str) -> urls.Target:
        """The URL checked (again, when its last check is `CHECK_SECONDS` old); Invalid when refused."""
        now = time.monotonic()
        checked = self._checked.get(url)
        if checked is not None and now - checked[0] < CHECK_SECONDS:
            return checked[1]
        target = await urls.check(url, allow_private=self.service.policy.allow_private)
        if len(self._checked) > 1000:
            self._checked = {u: c for u, c in self._checked.items() if now - c[0] < CHECK_SECONDS}
        self._checked[url] = (now, target)
        return target

    async def record(self, webhook: Destination, delivery_id: int, outcome: Outcome) -> bool:
        """Settle the attempt; False when the delivery was deleted or settled meanwhile."""
        retry_seconds = self.retry_seconds

        async def work(tx: Tx) -> bool:
            row = await rows.lock_delivery(tx.session, delivery_id)
            if row is None or row.status != PENDING:
                return False  # deleted, or redelivered and already settled meanwhile
            now = utcnow()
            row.attempts += 1
            row.last_status_code = outcome.status_code
            row.last_response = outcome.response
            row.last_error = outcome.error
            if outcome.delivered:
                row.status, row.delivered_at, row.next_attempt_at = DELIVERED, now, None
            elif outcome.gone:
                row.status, row.next_attempt_at = FAILED, None
                await rows.deactivate(tx.session, webhook.id)
                tx.audit("webhookDisabled", f"Webhook:{webhook.id}", {"active": True}, {"active": False})
            elif now >= row.retry_until:
                row.status, row.next_attempt_at = FAILED, None
            else:
                delay = timedelta(seconds=backoff(retry_seconds, row.attempts))
                row.next_attempt_at = min(now + delay, row.retry_until)
            await tx.session.flush()
            return True

        return await asyncio.shield(self.service.uow.run(work, studio_id=webhook.studio_id, actor="webhooks"))

    async def record_delivered(self, settled: list[tuple[int, Outcome]]) -> set[int]:
        """Settle several delivered attempts in one transaction; the ids that were still PENDING."""
        groups: dict[tuple[int, str | None], list[int]] = {}
        for delivery_id, outcome in settled:
            assert outcome.status_code is not None
            groups.setdefault((outcome.status_code, outcome.response), []).append(delivery_id)
        done: set[int] = set()
        now = utcnow()
        database = self.service.uow.database
        if not database.is_postgres:
            async with database.writer() as session, session.begin():
                for (status_code, response), ids in groups.items():
                    done.update(await rows.mark_delivered(session, ids, status_code, response, now))
            return done
        # PostgreSQL: each UPDATE commits on its own (it is atomic alone) over a connection kept for
        # it, one round trip per settle instead of a checkout, a ping, BEGIN, UPDATE and COMMIT.
        try:
            if self._settle_conn is None:
                conn = await database.write_engine.connect()
                self._settle_conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for (status_code, response), ids in groups.items():
                done.update(await rows.mark_delivered(self._settle_conn, ids, status_code, response, now))
        except Exception:
            await self.close()
            raise
        return done

    async def close(self) -> None:
        """Let go of the settling connection (a new one is opened when needed)."""
        conn, self._settle_conn = self._settle_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


Settle = Callable[[Destination, int, Outcome], Awaitable[bool]]


class Settler:
    """Settles delivered attempts of every webhook together: while one transaction commits, the
    outcomes that arrive meanwhile wait and go in the next. Each webhook still waits for its own
    outcome to be committed before it sends its next delivery, so a crash resends at most the one
    delivery per webhook that was in flight (sent, not yet settled), as when each settled alone.
    Anything but a 2xx (a retry to schedule, a 410 that disables the webhook) is settled on its own."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._waiting: list[tuple[int, Outcome, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()
        self._task = OwnTask()

    def start(self) -> None:
        self._task.start(self._run, "webhook-settler")

    async def stop(self) -> None:
        await self._task.stop()
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()

    async def settle(self, webhook: Destination, delivery_id: int, outcome: Outcome) -> bool:
        if not outcome.delivered or not self._task.running:
            return await self.sender.record(webhook, delivery_id, outcome)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery_id, outcome, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._waiting = self._waiting, []
            if not batch:
                continue
            try:
                done = await asyncio.shield(self.sender.record_delivered([(d, o) for d, o, _ in batch]))
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for delivery_id, _, future in batch:
                if not future.done():
                    future.set_result(delivery_id in done)
