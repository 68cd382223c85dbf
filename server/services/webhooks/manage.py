"""Managing webhooks (ADMIN): create (the secret shown once), list, delete, the delivery log, redeliver."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Webhook, WebhookDelivery
from db.models.webhooks import PENDING
from db.repositories import webhooks as rows
from db.repositories.webhooks import Destination
from db.types import utcnow
from server.services import versions
from server.services.errors import Invalid, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork
from server.services.webhooks import catalog, signing, urls
from server.services.webhooks.outbox import RETRY_WINDOW, WebhookOutbox

MAX_WEBHOOKS = 20  # per studio
MAX_EVENT_NAMES = 20


@dataclass(frozen=True)
class WebhookPolicy:
    """What the deployment decides: the server secret webhook secrets derive from, and private targets."""

    server_secret: str
    allow_private: bool


class WebhookService:
    def __init__(self, uow: UnitOfWork, policy: WebhookPolicy, outbox: WebhookOutbox) -> None:
        self.uow = uow
        self.policy = policy
        self.outbox = outbox

    def secret_of(self, webhook: Webhook | Destination) -> str:
        return signing.derive_secret(self.policy.server_secret, webhook.salt)

    async def create(self, principal: Principal, url: str, events: list[str]) -> tuple[Webhook, str]:
        """A new webhook and its signing secret (returned here only)."""
        require(principal, Action.MANAGE_WEBHOOKS)
        url = url.strip()
        names = list(dict.fromkeys(e.strip() for e in events))
        if not names:
            raise Invalid("Name at least one event type, or `*` for all.", field="events")
        if len(names) > MAX_EVENT_NAMES:
            raise Invalid(f"At most {MAX_EVENT_NAMES} event names.", field="events")
        bad = catalog.unknown(names)
        if bad:
            known = ", ".join(catalog.EVENT_TYPES)
            raise Invalid(f"Unknown event types: {', '.join(bad[:5])}. Known: {known}, or `*`.", field="events")
        await urls.check(url, allow_private=self.policy.allow_private)

        async def work(tx: Tx) -> Webhook:
            # Two creations at once would both count 19 and both insert.
            await rows.lock_studio_webhooks(tx.session, principal.studio_id)
            if await rows.count(tx.session, principal) >= MAX_WEBHOOKS:
                raise Invalid(f"A studio may have at most {MAX_WEBHOOKS} webhooks.", field="url")
            row = Webhook(
                studio_id=principal.studio_id,
                url=url,
                events=names,
                active=True,
                salt=signing.new_salt(),
                created_by_token_id=principal.token_id,
                created_at=utcnow(),
            )
            tx.session.add(row)
            await tx.session.flush()
            return row

        row = await self.uow.run_as(principal, work)
        return row, self.secret_of(row)

    async def backlog(self) -> int:
        """Deliveries of every studio still waiting to be sent (for the metrics scrape)."""
        async with self.uow.read() as session:
            return await rows.backlog(session)

    async def listed(self, principal: Principal) -> list[Webhook]:
        require(principal, Action.MANAGE_WEBHOOKS)
        async with self.uow.read() as session:
            return await rows.listed(session, principal)

    async def delete(self, principal: Principal, webhook_id: int, expected_version: int | None = None) -> int:
        """Delete a webhook and its delivery log; pending deliveries are never sent."""
        require(principal, Action.MANAGE_WEBHOOKS)

        async def work(tx: Tx) -> int:
            await versions.claim(tx, Webhook, principal.studio_id, webhook_id, expected_version)
            row = await rows.get(tx.session, principal, webhook_id)
            if row is None:
                raise NotFound("No such webhook.")
            await rows.drop_deliveries(tx.session, webhook_id)
            await tx.session.delete(row)
            await tx.session.flush()
            return webhook_id

        return await self.uow.run_as(principal, work)

    async def deliveries(self, principal: Principal, webhook_id: int, first: int) -> list[WebhookDelivery]:
        require(principal, Action.MANAGE_WEBHOOKS)
        async with self.uow.read() as session:
            if await rows.readable_webhook(session, principal, webhook_id) is None:
                raise NotFound("No such webhook.")
            return await rows.deliveries(session, principal, webhook_id, first)

    async def redeliver(self, principal: Principal, delivery_id: int) -> WebhookDelivery:
        """Send a delivery again (whatever its status), with a fresh 24-hour retry window."""
        require(principal, Action.MANAGE_WEBHOOKS)

        async def work(tx: Tx) -> WebhookDelivery:
            row = await rows.get_delivery(tx.session, principal, delivery_id)
            if row is None:
                raise NotFound("No such delivery.")
            now = utcnow()
            row.status = PENDING
            row.next_attempt_at = now
            row.retry_until = now + RETRY_WINDOW
            await tx.session.flush()
            return row

        row = await self.uow.run_as(principal, work)
        self.outbox.wake()
        return row
