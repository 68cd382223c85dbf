"""`node` and `viewer`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from db import models
from server.schema.context import Context
from server.schema.ids import parse_global_id
from server.schema.types.cage import Audit
from server.schema.types.calendar import CalendarFeed
from server.schema.types.catalogue import Kit, Location, Resource, Studio, Viewer
from server.schema.types.money import Invoice, Rate
from server.schema.types.node import Node
from server.schema.types.notifications import Notification
from server.schema.types.plan import MediaAsset, Milestone, Task
from server.schema.types.projects import Client, Project
from server.schema.types.scheduling import Allocation, Booking
from server.schema.types.slots import BookingSeries, SessionTemplate
from server.schema.types.webhooks import Webhook, WebhookDelivery
from server.services import studios
from server.services.money import service as money

Info = strawberry.Info[Context, None]


Convert = Callable[[Info, Any], Awaitable[Node]]


def _plain(type_: Any) -> Convert:
    async def convert(info: Info, row: Any) -> Node:
        return type_.from_model(row)  # type: ignore[no-any-return]

    return convert


async def _feed(info: Info, row: Any) -> Node:
    return CalendarFeed.from_model(row, info.context.request)


async def _milestone(info: Info, row: Any) -> Node:
    found = await info.context.loaders.milestones_by_id.load(row.id)
    if found is None:
        raise LookupError("a readable milestone was not assessed")
    return Milestone.of(*found)


async def _rate(info: Info, row: Any) -> Node:
    return Rate.from_model(row, await money.studio_currency(info.context.uow, info.context.require_principal()))


# Every type `node` can fetch: its model and how a row becomes the type. Who may read which rows is
# decided by the read scopes (`db.repositories.scoping.readable`), not here; one batched read per type. ApiToken, Block,
# InvoiceLine and Studio are Nodes reached only through their parents.
NODE_TYPES: dict[str, tuple[type[Any], Convert]] = {
    "Resource": (models.Resource, _plain(Resource)),
    "Location": (models.Location, _plain(Location)),
    "Kit": (models.Kit, _plain(Kit)),
    "Project": (models.Project, _plain(Project)),
    "Booking": (models.Booking, _plain(Booking)),
    "Allocation": (models.Allocation, _plain(Allocation)),
    "Invoice": (models.Invoice, _plain(Invoice)),
    "Rate": (models.Rate, _rate),
    "Audit": (models.Audit, _plain(Audit)),
    "Webhook": (models.Webhook, _plain(Webhook)),
    "WebhookDelivery": (models.WebhookDelivery, _plain(WebhookDelivery)),
    "CalendarFeed": (models.CalendarFeed, _feed),
    "SessionTemplate": (models.SessionTemplate, _plain(SessionTemplate)),
    "BookingSeries": (models.BookingSeries, _plain(BookingSeries)),
    "Client": (models.Client, _plain(Client)),
    "Notification": (models.Notification, _plain(Notification)),
    "Task": (models.Task, _plain(Task)),
    "Milestone": (models.Milestone, _milestone),
    "MediaAsset": (models.MediaAsset, _plain(MediaAsset)),
}


async def node(info: Info, id: strawberry.ID) -> Node | None:
    info.context.require_principal()
    parsed = parse_global_id(id)
    if parsed is None or parsed[0] not in NODE_TYPES:
        return None
    model, convert = NODE_TYPES[parsed[0]]
    row = await info.context.loaders.readable_by_id(model).load(parsed[1])
    return None if row is None else await convert(info, row)


async def viewer(info: Info) -> Viewer:
    principal = info.context.require_principal()
    studio, location = await studios.of_caller(info.context.uow, principal)
    return Viewer(
        role=principal.role,
        name=principal.name,
        studio=Studio.from_model(studio),
        location=Location.from_model(location) if location else None,
    )
