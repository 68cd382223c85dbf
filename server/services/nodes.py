"""Fetching any object by its kind and id, as far as the caller may read it."""

from __future__ import annotations

from typing import TypeVar

from db.models import Studio
from db.repositories import nodes, tenancy
from server.services.principal import Principal
from server.services.uow import UnitOfWork

T = TypeVar("T")


async def readable(uow: UnitOfWork, principal: Principal, model: type[T], pk: int) -> T | None:
    """The row, or None when it does not exist or the caller's role may not read it."""
    async with uow.read() as session:
        return await nodes.readable_by_id(session, principal, model, pk)


async def studio_of(uow: UnitOfWork, principal: Principal) -> Studio:
    """The caller's studio (its currency and time zone)."""
    async with uow.read() as session:
        studio = await tenancy.studio(session, principal)
    assert studio is not None  # a principal exists only for a studio that does
    return studio
