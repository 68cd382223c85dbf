"""The outbox: a transaction's webhook events become delivery rows in that same transaction."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, WebhookDelivery
from db.repositories import webhooks as rows
from server.services.webhooks.catalog import announcements, matches

RETRY_WINDOW = timedelta(hours=24)


class WebhookOutbox:
    """Given to the unit of work (`Outbox`); wakes the dispatcher of this process after COMMIT."""

    def __init__(self) -> None:
        self._wakers: list[asyncio.Event] = []

    async def enqueue(self, session: AsyncSession, events: list[Event]) -> int:
        news = announcements(events)
        if not news:
            return 0
        hooks = await rows.active_for(session, sorted({a.studio_id for a in news}))
        added: list[Any] = []
        for a in news:
            for hook in hooks:
                if hook.studio_id == a.studio_id and matches(hook.events, a.type):
                    added.append(
                        WebhookDelivery(
                            studio_id=a.studio_id,
                            webhook_id=hook.id,
                            event_seq=a.seq,
                            event_type=a.type,
                            occurred_at=a.at,
                            data=a.data,
                            status="PENDING",
                            attempts=0,
                            next_attempt_at=None,
                            retry_until=a.at + RETRY_WINDOW,
                        )
                    )
        if added:
            session.add_all(added)
            await session.flush()
        return len(added)

    def subscribe(self) -> asyncio.Event:
        """An event set whenever deliveries were committed in this process."""
        waker = asyncio.Event()
        self._wakers.append(waker)
        return waker

    def unsubscribe(self, waker: asyncio.Event) -> None:
        if waker in self._wakers:
            self._wakers.remove(waker)

    def wake(self) -> None:
        for waker in self._wakers:
            waker.set()
