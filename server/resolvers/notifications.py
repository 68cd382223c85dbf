"""Resolvers of notifications: the caller's list, marking read, and the live feed of new ones.

`notificationReceived` follows the studio's `notifications` topic through the process's shared
`TopicHub` (one bus subscription per studio topic): only a recipient's sockets wake for its
notifications, its sockets at the same place in the feed share one read, and after a gap (`Resync`)
each sends every one of theirs newer than the last it sent, the reads gated a few at a time.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import partial
from typing import Annotated

import strawberry

from server.background.live import Change, LiveViews
from server.events.types import BusMessage, Resync
from server.resolvers.errors import refuses_query, result_union
from server.resolvers.realtime import counted
from server.schema.context import Context
from server.schema.errors import ForbiddenError
from server.schema.ids import decode_id
from server.schema.types.node import PageInfo, decode_cursor, encode_cursor, page_size
from server.schema.types.notifications import (
    Notification,
    NotificationConnection,
    NotificationEdge,
    NotificationsRead,
)
from server.services.errors import DomainError
from server.services.notifications import inbox
from server.services.notifications.outbox import NOTIFICATIONS, addressed_to
from server.services.principal import Principal

Info = strawberry.Info[Context, None]
MarkNotificationsReadResult = Annotated[
    NotificationsRead | ForbiddenError, strawberry.union("MarkNotificationsReadResult")
]


@refuses_query
async def notifications(
    info: Info, unread_only: bool | None = False, first: int | None = None, after: str | None = None
) -> NotificationConnection:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    rows, more = await inbox.page(
        info.context.uow, principal, unread_only=bool(unread_only), first=size, after_id=decode_cursor(after)
    )
    edges = [NotificationEdge(node=Notification.from_model(r), cursor=encode_cursor(r.id)) for r in rows]
    return NotificationConnection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=edges[-1].cursor if edges else None)
    )


def _own_ids(ids: list[strawberry.ID]) -> list[int]:
    out = []
    for gid in ids:
        try:
            out.append(decode_id(gid, "Notification"))
        except DomainError:
            continue  # not a notification id: nothing of the caller's to mark
    return out


@result_union
async def mark_notifications_read(info: Info, ids: list[strawberry.ID]) -> MarkNotificationsReadResult:
    principal = info.context.require_principal()
    count = await inbox.mark_read(info.context.uow, principal, _own_ids(ids))
    return NotificationsRead(count=count)


@refuses_query
async def notification_stream(info: Info) -> AsyncGenerator[Notification, None]:
    principal = info.context.require_principal()
    last = await inbox.newest_id(info.context.uow, principal)
    return counted("notificationReceived", _notifications(info, principal, last))


async def _notifications(info: Info, principal: Principal, last: int) -> AsyncGenerator[Notification, None]:
    uow = info.context.uow
    live = LiveViews.of(uow)
    user_id = principal.user_id

    def mine(message: BusMessage) -> bool:
        return addressed_to(message.payload, user_id)

    # Shared per process: only the recipient's sockets wake, and its sockets at the same place in
    # the feed (two screens, two tabs) share one read; reads after a gap go a few at a time.
    async with live.follow(principal.studio_id, NOTIFICATIONS, mine) as mailbox:
        # Following only now: anything committed since `last` was read is sent first.
        change: Change | None = None
        while True:
            if user_id is not None:
                load = partial(inbox.since, uow, principal, last)
                key = ("notifications", user_id, last)
                if change is None:
                    found = await load()
                elif isinstance(change.item, Resync):
                    found = await change.once(key, partial(live.gated, load))
                else:
                    found = await change.once(key, load)
                for row in found:
                    last = max(last, row.id)
                    yield Notification.from_model(row)
            change = await mailbox.get()


# The slice's fields, composed into the root types by `server.api`.


@strawberry.type
class NotificationQuery:
    notifications = strawberry.field(
        resolver=notifications, description="Your notifications, newest first (`unreadOnly`: the unread ones)."
    )


@strawberry.type
class NotificationMutation:
    mark_notifications_read = strawberry.mutation(
        resolver=mark_notifications_read,
        description="Mark your notifications read; ids that are not yours are ignored.",
    )


@strawberry.type
class NotificationSubscription:
    notification_received = strawberry.subscription(
        resolver=notification_stream, description="Each new notification of yours, as it is written."
    )
