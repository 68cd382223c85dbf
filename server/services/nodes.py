"""Fetching objects by their kind and id, as far as the caller may read them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from db.repositories import nodes
from server.services.principal import Principal
from server.services.uow import UnitOfWork

T = TypeVar("T")


async def readable(uow: UnitOfWork, principal: Principal | None, model: type[T], ids: Sequence[int]) -> list[T]:
    """The rows that exist and that the caller's role may read (others are simply absent)."""
    async with uow.read() as session:
        return await nodes.readable_by_ids(session, principal, model, ids)
