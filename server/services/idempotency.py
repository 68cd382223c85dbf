"""Exactly one effect per key: a replay returns the first result; the same key with other input is refused.

The record is written in the same transaction as the effect, so either both exist or neither does.
Two racing requests with one key: the loser fails on the record's primary key, and its retry finds
the winner's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from db.repositories import idempotency as records
from server.services import validation as v
from server.services.errors import IdempotencyMismatch
from server.services.uow import Tx, UnitOfWork

Result = dict[str, Any]


def fingerprint(operation: str, request: dict[str, Any]) -> str:
    """A stable hash of an operation and its input (keys sorted, values as JSON)."""
    canonical = json.dumps({"op": operation, "input": request}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def replay(tx: Tx, studio_id: int, key: str, operation: str, digest: str) -> Result | None:
    """The stored result for this key, None if the key is new; IdempotencyMismatch if it was used otherwise."""
    row = await records.get(tx.session, studio_id, key)
    if row is None:
        return None
    if row.operation != operation or row.request_hash != digest:
        raise IdempotencyMismatch("This idempotency key was already used with a different input.")
    return dict(row.result)


async def run_once(
    uow: UnitOfWork,
    *,
    studio_id: int,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    work: Callable[[Tx], Awaitable[Result]],
    actor: str | None = None,
    token_id: int | None = None,
) -> tuple[Result, bool]:
    """Run `work` at most once per key; returns (result, replayed)."""
    if key is None:
        return await uow.run(work, studio_id=studio_id, actor=actor, token_id=token_id), False
    clean_key = v.required_text(key, "idempotencyKey", max_length=200)
    digest = fingerprint(operation, request)

    async def keyed(tx: Tx) -> tuple[Result, bool]:
        previous = await replay(tx, studio_id, clean_key, operation, digest)
        if previous is not None:
            return previous, True
        result = await work(tx)
        await records.put(tx.session, studio_id, clean_key, operation, digest, result)
        return result, False

    try:
        return await uow.run(keyed, studio_id=studio_id, actor=actor, token_id=token_id)
    except IntegrityError:
        # Lost a race for the key: the winner has committed, so this run sees its record.
        return await uow.run(keyed, studio_id=studio_id, actor=actor, token_id=token_id)
