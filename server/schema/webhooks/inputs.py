"""Inputs of webhooks."""

from __future__ import annotations

import strawberry


@strawberry.input(description="A new webhook: an http(s) URL and the event types it receives.")
class CreateWebhookInput:
    url: str = strawberry.field(description="Where to POST (http or https, at most 2,000 characters).")
    events: list[str] = strawberry.field(description="Event types, e.g. booking.created; `*` for all.")
