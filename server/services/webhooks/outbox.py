"""The outbox: a transaction's webhook events become delivery rows in that same transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event
from db.repositories import webhooks as rows
from server.services.uow import Wakers
from server.services.webhooks.catalog import ALL, announcements

RETRY_WINDOW = timedelta(hours=24)


class WebhookOutbox(Wakers):
    """Given to the unit of work (`Outbox`); wakes the dispatcher of this process after COMMIT."""

    async def enqueue(self, session: AsyncSession, events: list[Event]) -> int:
        news = [rows.News(a.studio_id, a.type, a.seq, a.at, a.data, a.at + RETRY_WINDOW) for a in announcements(events)]
        # One statement reads the studio's webhooks and writes their deliveries.
        return await rows.write_deliveries(session, news, ALL)
