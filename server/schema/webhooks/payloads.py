"""Payloads of webhooks: the success members and result unions its mutations answer with."""

from __future__ import annotations

from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, NotFoundError, StaleVersionError, ValidationError
from server.schema.types.webhooks import Webhook, WebhookDelivery


@strawberry.type(description="The webhook was created; `secret` is shown this once and never again.")
class WebhookCreated:
    webhook: Webhook = strawberry.field(description="The webhook.")
    secret: str = strawberry.field(description="Signs every delivery (Callsheet-Signature). Store it now.")


@strawberry.type(description="The webhook and its delivery log were deleted.")
class WebhookDeleted:
    id: strawberry.ID = strawberry.field(description="The deleted webhook's ID.")


@strawberry.type(description="The delivery is PENDING again and goes out in its seq order.")
class WebhookRedelivered:
    delivery: WebhookDelivery = strawberry.field(description="The delivery.")


CreateWebhookResult = Annotated[
    WebhookCreated | ValidationError | ForbiddenError, strawberry.union("CreateWebhookResult")
]
DeleteWebhookResult = Annotated[
    WebhookDeleted | NotFoundError | ForbiddenError | StaleVersionError, strawberry.union("DeleteWebhookResult")
]
RedeliverWebhookResult = Annotated[
    WebhookRedelivered | NotFoundError | ForbiddenError, strawberry.union("RedeliverWebhookResult")
]
