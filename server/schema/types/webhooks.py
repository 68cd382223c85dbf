"""Webhooks and their deliveries as the API shows them (the secret only once, in WebhookCreated)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from server.schema.ids import to_global_id
from server.schema.types.node import Node


@strawberry.type(description="A URL the studio's events are POSTed to, signed with the webhook's secret.")
class Webhook(Node):
    url: str = strawberry.field(description="Where deliveries are sent.")
    events: list[str] = strawberry.field(description="The event types it receives, or `*` for all.")
    active: bool = strawberry.field(description="False once the receiver answered 410 Gone.")
    created_at: datetime = strawberry.field(description="When it was created.")
    version: int = strawberry.field(description="Grows when the webhook changes (disabled on a 410).")

    @classmethod
    def from_model(cls, row: models.Webhook) -> Webhook:
        return cls(
            id=strawberry.ID(to_global_id("Webhook", row.id)),
            url=row.url,
            events=list(row.events),
            active=row.active,
            created_at=row.created_at,
            version=row.version,
        )


@strawberry.type(description="One event for one webhook, and how sending it went.")
class WebhookDelivery(Node):
    event: str = strawberry.field(description="The event type, e.g. booking.created.")
    seq: str = strawberry.field(description="The event's sequence number; deliveries go out in seq order.")
    status: str = strawberry.field(description="PENDING, DELIVERED or FAILED.")
    attempts: int = strawberry.field(description="How many times it was sent.")
    last_status_code: int | None = strawberry.field(description="The receiver's last HTTP status, if it answered.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is sent next (PENDING only).")
    last_error: str | None = strawberry.field(description="Why the last attempt got no answer, if it did not.")
    last_response: str | None = strawberry.field(description="The start of the receiver's last answer (1 KiB).")
    delivered_at: datetime | None = strawberry.field(description="When the receiver accepted it.")

    @classmethod
    def from_model(cls, row: models.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", row.id)),
            event=row.event_type,
            seq=str(row.event_seq),
            status=row.status,
            attempts=row.attempts,
            last_status_code=row.last_status_code,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            last_response=row.last_response,
            delivered_at=row.delivered_at,
        )
