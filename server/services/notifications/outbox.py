"""The notification outbox: a transaction's events become notifications in that same transaction.

Given to the unit of work beside the webhook outbox. One row per (event, recipient) — a recipient
named twice by one event is told once, and the unique key makes it so in the database too. The
rows are announced on the studio's `notifications` topic (an event of this transaction, published
after COMMIT with the rest), which `notificationReceived` follows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, Notification
from db.models.notifications import EMAIL_PENDING
from db.repositories import events as event_rows
from db.repositories import notifications as rows
from server.services.notifications.kinds import plan
from server.services.uow import Wakers

NOTIFICATIONS = "notifications"


def addressed_to(payload: dict[str, Any], user_id: int | None) -> bool:
    """Whether a `NotificationsCreated` announcement (pairs of notification and recipient) has one
    for this person."""
    return user_id is not None and any(
        isinstance(pair, list) and len(pair) == 2 and pair[1] == user_id for pair in payload.get("notifications", [])
    )


class NotificationOutbox(Wakers):
    """`email`: whether notifications are also e-mailed (CALLSHEET_SMTP_URL is set)."""

    def __init__(self, *, email: bool) -> None:
        super().__init__()
        self.email = email

    async def enqueue(self, session: AsyncSession, events: list[Event]) -> int:
        drafts = await plan(session, events)
        made: list[Notification] = []
        seen: set[tuple[int, str]] = set()
        for draft in drafts:
            for to in draft.recipients:
                # One per (event, recipient), even when an event names a person twice (two of
                # their holds challenged at once): the first draft speaks for it.
                if (draft.event.seq, to.key) in seen:
                    continue
                seen.add((draft.event.seq, to.key))
                mail = self.email and bool(to.email)
                made.append(
                    Notification(
                        studio_id=draft.event.studio_id,
                        event_seq=draft.event.seq,
                        recipient=to.key,
                        user_id=to.user_id,
                        resource_id=to.resource_id,
                        kind=draft.kind,
                        title=draft.title[:300],
                        body=draft.body[:2000],
                        booking_id=draft.booking_id,
                        created_at=draft.event.at,
                        email=to.email if mail else None,
                        email_status=EMAIL_PENDING if mail else None,
                        email_attempts=0,
                    )
                )
        if not made:
            return 0
        await rows.add(session, made)
        by_studio: dict[int, list[Notification]] = {}
        for n in made:
            if n.user_id is not None:
                by_studio.setdefault(n.studio_id, []).append(n)
        await event_rows.append_follow_ups(
            session,
            [
                {
                    "studio_id": studio_id,
                    "topic": NOTIFICATIONS,
                    "type": "NotificationsCreated",
                    "payload": {"notifications": [[n.id, n.user_id] for n in found]},
                }
                for studio_id, found in sorted(by_studio.items())
            ],
        )
        return len(made)
