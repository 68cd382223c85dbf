"""Calendar feeds as the API shows them: the secret only in the URL returned at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.node import Node
from server.services.calendar.feeds import FEED_PREFIX, mask

FEED_PATH = "/calendar/{secret}.ics"


def feed_url(request: Any, secret: str) -> str:
    """The absolute URL of a feed, from the request's own base (a websocket's as http)."""
    base = str(getattr(request, "base_url", "") or "/").rstrip("/")
    if base.startswith("ws"):
        base = "http" + base[2:]
    return base + FEED_PATH.format(secret=secret)


@strawberry.type(description="An .ics URL a calendar application subscribes to; revocable.")
class CalendarFeed(Node):
    url: str = strawberry.field(
        description="The feed's URL. Complete only in CalendarFeedCreated; later reads show the secret's prefix."
    )
    scope: str = strawberry.field(description="RESOURCE, PROJECT or MINE.")
    created_at: datetime = strawberry.field(description="When the feed was created.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked, if it was.")

    @classmethod
    def from_model(cls, row: models.CalendarFeed, request: Any = None, secret: str | None = None) -> CalendarFeed:
        shown = secret if secret is not None else mask(FEED_PREFIX + row.prefix)
        return cls(
            id=strawberry.ID(to_global_id("CalendarFeed", row.id)),
            url=feed_url(request, shown),
            scope=row.scope,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )
