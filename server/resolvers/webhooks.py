"""Resolvers of webhooks (ADMIN)."""

from __future__ import annotations

import strawberry

from server.resolvers.errors import refuses_query, result_union
from server.schema.context import Context
from server.schema.ids import decode_id
from server.schema.types.node import page_size
from server.schema.types.webhooks import Webhook, WebhookDelivery
from server.schema.versions import ExpectedVersion
from server.schema.webhooks.inputs import CreateWebhookInput
from server.schema.webhooks.payloads import (
    CreateWebhookResult,
    DeleteWebhookResult,
    RedeliverWebhookResult,
    WebhookCreated,
    WebhookDeleted,
    WebhookRedelivered,
)

Info = strawberry.Info[Context, None]


@refuses_query
async def webhooks(info: Info) -> list[Webhook]:
    principal = info.context.require_principal()
    return [Webhook.from_model(r) for r in await info.context.runtime.webhooks.listed(principal)]


@refuses_query
async def webhook_deliveries(info: Info, webhook_id: strawberry.ID, first: int | None = None) -> list[WebhookDelivery]:
    principal = info.context.require_principal()
    size = page_size(first, info.context.settings.limits.max_page_size)
    pk = decode_id(webhook_id, "Webhook", "webhook")
    found = await info.context.runtime.webhooks.deliveries(principal, pk, size)
    return [WebhookDelivery.from_model(r) for r in found]


@result_union
async def create_webhook(info: Info, input: CreateWebhookInput) -> CreateWebhookResult:
    principal = info.context.require_principal()
    row, secret = await info.context.runtime.webhooks.create(principal, input.url, list(input.events))
    return WebhookCreated(webhook=Webhook.from_model(row), secret=secret)


@result_union
async def delete_webhook(
    info: Info, id: strawberry.ID, expected_version: ExpectedVersion = None
) -> DeleteWebhookResult:
    principal = info.context.require_principal()
    await info.context.runtime.webhooks.delete(principal, decode_id(id, "Webhook", "webhook"), expected_version)
    return WebhookDeleted(id=id)


@result_union
async def redeliver_webhook(info: Info, delivery_id: strawberry.ID) -> RedeliverWebhookResult:
    principal = info.context.require_principal()
    pk = decode_id(delivery_id, "WebhookDelivery", "delivery")
    row = await info.context.runtime.webhooks.redeliver(principal, pk)
    return WebhookRedelivered(delivery=WebhookDelivery.from_model(row))


@strawberry.type
class WebhookQuery:
    webhooks = strawberry.field(resolver=webhooks, description="The studio's webhooks (ADMIN only).")
    webhook_deliveries = strawberry.field(
        resolver=webhook_deliveries, description="A webhook's deliveries, newest event first (ADMIN only)."
    )


@strawberry.type
class WebhookMutation:
    create_webhook = strawberry.mutation(
        resolver=create_webhook, description="Subscribe a URL to event types; the secret is returned once."
    )
    delete_webhook = strawberry.mutation(resolver=delete_webhook, description="Delete a webhook and its deliveries.")
    redeliver_webhook = strawberry.mutation(
        resolver=redeliver_webhook, description="Send a delivery again, in its seq order."
    )
