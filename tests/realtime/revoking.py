"""Revoking a token the two ways an administrator can: `revokeApiToken`, and `callsheet token revoke`
run as its own process against the same database (and the same Redis, unless told otherwise)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime

from sqlalchemy import select

from db.models import ApiToken
from server.config import Settings
from server.schema.ids import to_global_id
from tests.conftest import TEST_SECRET, StudioFixture
from tests.realtime.serving import CALLSHEET

REVOKE = "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }"


async def revoke_through_graphql(studio: StudioFixture, token_id: int) -> None:
    body = await studio.gql(REVOKE, {"id": to_global_id("ApiToken", token_id)})
    assert "errors" not in body, body


async def start_cli_revoke(settings: Settings, token: str, *, redis: bool = True) -> asyncio.subprocess.Process:
    """`callsheet token revoke TOKEN` in a separate process; `redis=False` leaves its bus in-process,
    so its event reaches no server (as on SQLite, or as when Redis drops the message)."""
    env = {
        **os.environ,
        "CALLSHEET_DATABASE_URL": settings.database_url,
        "CALLSHEET_REDIS_URL": (settings.redis_url or "") if redis else "",
        "CALLSHEET_SECRET": TEST_SECRET,
    }
    return await asyncio.create_subprocess_exec(
        CALLSHEET,
        "token",
        "revoke",
        token,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def finish_cli(process: asyncio.subprocess.Process, token_id: int) -> None:
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode(errors="replace")
    assert out.decode().strip().endswith(f"revoked token {token_id}"), out


async def revoked_at(studio: StudioFixture, token_id: int) -> datetime:
    """When the token was revoked, as written by whoever revoked it (before its commit)."""
    async with studio.runtime.uow.read() as session:
        value = await session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == token_id))
    assert value is not None, "the token is not revoked"
    return value
