"""Fetching any object by its kind and id, as far as the caller may read it."""

from __future__ import annotations

from typing import TypeVar

from db.repositories import nodes
from server.services.principal import Principal
from server.services.uow import UnitOfWork

T = TypeVar("T")


async def readable(uow: UnitOfWork, principal: Principal, model: type[T], pk: int) -> T | None:
    """The row, or None when it does not exist or the caller's role may not read it."""
    async with uow.read() as session:
        return await nodes.readable_by_id(session, principal, model, pk)
