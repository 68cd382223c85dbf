"""`node` and `viewer`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from db.repositories import bookings, tenancy
from server.schema.context import Context
from server.schema.ids import parse_global_id
from server.schema.types.catalogue import Kit, Location, Resource, Studio, Viewer
from server.schema.types.node import Node
from server.schema.types.projects import Project
from server.schema.types.scheduling import Allocation, Booking
from server.services.permissions import Action, allowed

Info = strawberry.Info[Context, None]


async def _allocation(info: Info, pk: int) -> Allocation | None:
    # An allocation is visible exactly when its booking is.
    async with info.context.uow.read() as session:
        row = await bookings.allocation_by_id(session, info.context.principal, pk)
    if row is None or await info.context.loaders.visible_bookings_by_id.load(row.booking_id) is None:
        return None
    return Allocation.from_model(row)


def _loaded(loader: str, type_: Any, action: Action | None = None) -> Callable[[Info, int], Awaitable[Node | None]]:
    async def fetch(info: Info, pk: int) -> Node | None:
        if action is not None and not allowed(info.context.principal, action):
            return None
        row = await getattr(info.context.loaders, loader).load(pk)
        return None if row is None else type_.from_model(row)

    return fetch


# Node types and how each is fetched within the caller's visibility.
NODE_FETCHERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Resource": _loaded("resources_by_id", Resource, Action.READ_CATALOGUE),
    "Location": _loaded("locations_by_id", Location),
    "Kit": _loaded("kits_by_id", Kit, Action.READ_CATALOGUE),
    "Project": _loaded("projects_by_id", Project),
    "Booking": _loaded("visible_bookings_by_id", Booking),
    "Allocation": _allocation,
}


def register_node(type_name: str, fetch: Callable[[Info, int], Awaitable[Node | None]]) -> None:
    """Let a slice of the API make its own type reachable through `node`."""
    NODE_FETCHERS[type_name] = fetch


async def node(info: Info, id: strawberry.ID) -> Node | None:
    info.context.require_principal()
    parsed = parse_global_id(id)
    if parsed is None or parsed[0] not in NODE_FETCHERS:
        return None
    return await NODE_FETCHERS[parsed[0]](info, parsed[1])


async def viewer(info: Info) -> Viewer:
    principal = info.context.require_principal()
    async with info.context.uow.read() as session:
        studio = await tenancy.studio(session, principal)
        location = await tenancy.location(session, principal, principal.location_id) if principal.location_id else None
    assert studio is not None
    return Viewer(
        role=principal.role,
        name=principal.name,
        studio=Studio.from_model(studio),
        location=Location.from_model(location) if location else None,
    )
