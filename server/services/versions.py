"""Expected versions: a change to an entity a person edits claims the row's next version first.

`claim` runs before anything else the change writes, inside the same transaction: one
compare-and-set statement (`db.repositories.versions.advance`) bumps the version if it is still
the one the client expected (any version when the client sent none) and locks the row. A stale
expectation raises `StaleVersion` with the version now current, and the transaction writes nothing.
The version therefore grows by exactly one per change, however many statements the change needs.
"""

from __future__ import annotations

from typing import Any

from db.repositories import versions as rows
from db.repositories.versions import Versioned
from server.services.errors import NotFound, StaleVersion
from server.services.uow import Tx


async def claim(tx: Tx, model: type[Versioned], studio_id: int, row_id: int, expected: int | None) -> int:
    """Take the row's next version if `expected` (when given) is current; returns the new version."""
    new = await rows.advance(tx.session, model, studio_id, row_id, expected)
    if new is not None:
        return new
    now = await rows.current(tx.session, model, studio_id, row_id)
    if now is None:
        raise NotFound(f"No such {model.__name__.lower()}.")
    raise StaleVersion(
        f"The {model.__name__.lower()} changed since version {expected}; it is at version {now}. "
        "Read it again and repeat the change if it still makes sense.",
        current_version=now,
    )


async def bump(tx: Tx, model: type[Versioned], row_ids: list[int], **values: Any) -> None:
    """A change the system makes (expiry, custody at the cage, overdue): the rows' versions grow too."""
    await rows.advance_many(tx.session, model, row_ids, **values)
