"""Clients: whom projects are for, and whom the client portal's CLIENT tokens belong to."""

from __future__ import annotations

from db.models import Client
from db.repositories import projects as repo
from server.events.types import PROJECTS, DomainEvent
from server.services import validation as v
from server.services.errors import Invalid
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork


async def create_client(tx: Tx, principal: Principal, name: str) -> Client:
    """A new client of the caller's studio; names are unique in a studio."""
    require(principal, Action.MANAGE_CLIENTS)
    clean = v.required_text(name, "name", max_length=120)
    if await repo.client_named(tx.session, principal.studio_id, clean) is not None:
        raise Invalid(f"A client named {clean} already exists.", field="name")
    client = Client(studio_id=principal.studio_id, name=clean)
    tx.session.add(client)
    await tx.session.flush()
    tx.emit(DomainEvent(PROJECTS, "ClientCreated", {"clientId": client.id}))
    return client


async def open_client(uow: UnitOfWork, principal: Principal, name: str) -> Client:
    """createClient in its own transaction."""
    return await uow.run_as(principal, lambda tx: create_client(tx, principal, name))
